"""Writer for the Pabulib ``.pb`` format: the inverse of `services.tally.pabulib`.

`write_pabulib(election, meta)` is pure and deterministic. Identical ballots of the
multiprofile are written one line per voter, with ``voter_id`` a plain index (1, 2, …): the
file never carries who voted. Project ids are written exactly as the election names them.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping
from fractions import Fraction

from services.tally.model import Election, Money, TallyInputError, VoteType

_AUTOMATIC = ("num_projects", "num_votes", "budget", "vote_type")


def write_pabulib(election: Election, meta: Mapping[str, str]) -> str:
    """The ``.pb`` text of `election`. `meta` adds META rows (description, unit, rule, …);
    ``num_projects``, ``num_votes``, ``budget`` and ``vote_type`` come from the election."""
    clash = sorted(key for key in meta if key in _AUTOMATIC)
    if clash:
        raise TallyInputError(f"META {', '.join(clash)} come from the election, not from meta")
    bad = [p.id for p in election.projects if "," in p.id or p.id != p.id.strip() or not p.id]
    if bad:
        raise TallyInputError(f"project ids {bad!r} cannot be written (empty, comma or spaces)")
    buffer = io.StringIO()
    rows = csv.writer(buffer, delimiter=";", lineterminator="\n")
    rows.writerow(["META"])
    rows.writerow(["key", "value"])
    rows.writerows(
        [
            ["num_projects", str(len(election.projects))],
            ["num_votes", str(election.voter_count)],
            ["budget", format_money(election.budget)],
            ["vote_type", election.vote_type.value],
        ]
    )
    rows.writerows([key, _one_line(value)] for key, value in meta.items())
    rows.writerow(["PROJECTS"])
    rows.writerows(_projects(election))
    rows.writerow(["VOTES"])
    rows.writerows(_votes(election))
    return buffer.getvalue()


def format_money(value: Money) -> str:
    """``12``, ``1716138.17``; an amount that is no finite decimal as ``a/b`` (still exact)."""
    exact = Fraction(value)
    if exact.denominator == 1:
        return str(exact.numerator)
    for places in range(1, 19):
        scaled = exact * 10**places
        if scaled.denominator == 1:
            whole, part = divmod(scaled.numerator, 10**places)
            return f"{whole}.{part:0{places}d}"
    return f"{exact.numerator}/{exact.denominator}"


def _projects(election: Election) -> Iterable[list[str]]:
    votes: Counter[str] = Counter()
    score: dict[str, Money] = {}
    for ballot in election.ballots:
        for at, project in enumerate(ballot.projects):
            votes[project] += ballot.voters
            weight = ballot.points[at] if ballot.points is not None else 1
            score[project] = score.get(project, 0) + weight * ballot.voters
    with_score = election.vote_type is not VoteType.ORDINAL
    yield ["project_id", "cost", "votes", *(["score"] if with_score else []), "name"]
    for p in election.projects:
        scored = [format_money(score.get(p.id, 0))] if with_score else []
        yield [p.id, format_money(p.cost), str(votes[p.id]), *scored, _one_line(p.name)]


def _votes(election: Election) -> Iterable[list[str]]:
    cumulative = election.vote_type is VoteType.CUMULATIVE
    yield ["voter_id", "vote", *(["points"] if cumulative else [])]
    voter = 0
    for ballot in election.ballots:
        vote = ",".join(ballot.projects)
        points = [",".join(format_money(p) for p in ballot.points or ())] if cumulative else []
        for _ in range(ballot.voters):
            voter += 1
            yield [str(voter), vote, *points]


def _one_line(text: str) -> str:
    """Readers split the file into lines before parsing fields, so no field may hold one."""
    return " ".join(text.split())
