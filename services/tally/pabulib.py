"""Reader for the Pabulib ``.pb`` format (META, PROJECTS and VOTES sections, ``;``-separated).

The reader is strict: a file it accepts describes one well-formed election. Identical ballots
are grouped while reading, so the election it returns is already a multiprofile.

One leniency, because real files have it: a vote that names a project more than once counts
it once (approval: a set; ordinal: at its first, highest place; cumulative: with the points
of every mention added up), and the election's notes say how many votes were so read.
"""

from __future__ import annotations

import csv
from collections import Counter
from fractions import Fraction
from pathlib import Path

from services.tally.model import Ballot, Election, Money, Project, TallyInputError, VoteType

_SECTIONS = ("meta", "projects", "votes")
_VOTE_TYPES = {
    "approval": VoteType.APPROVAL,
    "choose-1": VoteType.APPROVAL,
    "cumulative": VoteType.CUMULATIVE,
    "ordinal": VoteType.ORDINAL,
}
_KEPT_META = (
    "description",
    "country",
    "unit",
    "subunit",
    "instance",
    "vote_type",
    "rule",
    "currency",
    "min_length",
    "max_length",
    "min_sum_points",
    "max_sum_points",
    "min_sum_cost",
    "max_sum_cost",
    "min_project_score_threshold",
    "budget_per_category",
    "leftover_budget",
)

_Rows = dict[str, list[list[str]]]


def read_pabulib(path: Path) -> Election:
    """Read a ``.pb`` file; raise `TallyInputError` if it is missing or malformed."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise TallyInputError(f"no such Pabulib file: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise TallyInputError(f"cannot read Pabulib file {path}: {error}") from None
    return parse_pabulib(text, source=str(path))


def parse_pabulib(text: str, source: str = "<text>") -> Election:
    """Parse the text of a ``.pb`` file into an `Election`."""
    sections = _split_sections(text, source)
    meta = _read_meta(sections["meta"], source)
    vote_type = _vote_type(meta, source)
    projects = _read_projects(sections["projects"], source)
    known = {project.id for project in projects}
    ballots, repeated, named = _read_votes(sections["votes"], vote_type, known, source)
    threshold = meta.get("min_project_score_threshold")
    return Election(
        projects=projects,
        budget=parse_money(meta.get("budget", ""), f"{source}: META budget"),
        vote_type=vote_type,
        ballots=ballots,
        min_project_score_threshold=(
            None
            if threshold is None
            else parse_money(threshold, f"{source}: META min_project_score_threshold")
        ),
        parameters={key: meta[key] for key in _KEPT_META if key in meta},
        notes=_repeated_note(repeated, named),
    )


def _repeated_note(votes: int, projects: set[str]) -> tuple[str, ...]:
    if not votes:
        return ()
    return (
        f"{votes} vote(s) named a project more than once; each such project counted once on "
        f"that vote (projects: {', '.join(sorted(projects))})",
    )


def parse_money(text: str, where: str) -> Money:
    """An exact non-negative amount: ``12``, ``1716138.17``, ``1716138,17``, ``171613817/100``."""
    try:
        value = Fraction(text.strip().replace(",", "."))
    except (ValueError, ZeroDivisionError):
        raise TallyInputError(f"{where}: {text!r} is not a number") from None
    if value < 0:
        raise TallyInputError(f"{where}: {text!r} is negative")
    return value.numerator if value.denominator == 1 else value


def _split_sections(text: str, source: str) -> _Rows:
    sections: _Rows = {}
    current: list[list[str]] | None = None
    for row in csv.reader(text.splitlines(), delimiter=";"):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        name = row[0].strip().lower()
        if len(row) == 1 and name in _SECTIONS:
            if name in sections:
                raise TallyInputError(f"{source}: section {name.upper()} appears twice")
            current = sections[name] = []
        elif current is None:
            raise TallyInputError(f"{source}: text before the META section")
        else:
            current.append([cell.strip() for cell in row])
    missing = [name.upper() for name in _SECTIONS if name not in sections or not sections[name]]
    if missing:
        raise TallyInputError(f"{source}: missing or empty section(s) {', '.join(missing)}")
    return sections


def _read_meta(rows: list[list[str]], source: str) -> dict[str, str]:
    meta: dict[str, str] = {}
    for row in rows[1:]:
        if len(row) < 2:
            raise TallyInputError(f"{source}: META row {row!r} has no value")
        meta[row[0]] = row[1]
    if "budget" not in meta:
        raise TallyInputError(f"{source}: META has no budget")
    return meta


def _vote_type(meta: dict[str, str], source: str) -> VoteType:
    raw = meta.get("vote_type", "")
    if raw not in _VOTE_TYPES:
        raise TallyInputError(
            f"{source}: unsupported vote_type {raw!r} (expected one of {', '.join(_VOTE_TYPES)})"
        )
    return _VOTE_TYPES[raw]


def _read_projects(rows: list[list[str]], source: str) -> tuple[Project, ...]:
    header = rows[0]
    if len(header) < 2 or header[0] != "project_id" or "cost" not in header:
        raise TallyInputError(f"{source}: PROJECTS header must start with project_id and have cost")
    cost_at = header.index("cost")
    name_at = header.index("name") if "name" in header else None
    projects: dict[str, Project] = {}
    for row in rows[1:]:
        if len(row) <= cost_at or not row[0]:
            raise TallyInputError(f"{source}: PROJECTS row {row[:2]!r} is incomplete")
        if row[0] in projects:
            raise TallyInputError(f"{source}: project {row[0]!r} is listed twice")
        cost = parse_money(row[cost_at], f"{source}: cost of project {row[0]!r}")
        name = row[name_at] if name_at is not None and name_at < len(row) else ""
        projects[row[0]] = Project(id=row[0], cost=cost, name=name)
    return tuple(projects.values())


def _read_votes(
    rows: list[list[str]], vote_type: VoteType, known: set[str], source: str
) -> tuple[tuple[Ballot, ...], int, set[str]]:
    """The grouped ballots, the number of votes that named a project more than once, and
    those projects."""
    header = rows[0]
    if "vote" not in header:
        raise TallyInputError(f"{source}: VOTES header has no vote column")
    vote_at = header.index("vote")
    points_at = header.index("points") if vote_type is VoteType.CUMULATIVE else None
    if vote_type is VoteType.CUMULATIVE and points_at is None:
        raise TallyInputError(f"{source}: cumulative VOTES need a points column")
    raw = Counter(
        (
            _cell(row, vote_at, source),
            "" if points_at is None else _cell(row, points_at, source),
        )
        for row in rows[1:]
    )
    grouped: dict[tuple[tuple[str, ...], tuple[Money, ...] | None], int] = {}
    repeated, named = 0, set[str]()
    for (vote, points), voters in raw.items():
        ballot, twice = _ballot(vote, points, vote_type, known, source)
        if twice:
            repeated += voters
            named.update(twice)
        key = (ballot.projects, ballot.points)
        grouped[key] = grouped.get(key, 0) + voters
    ballots = tuple(
        Ballot(projects=projects, voters=voters, points=points)
        for (projects, points), voters in grouped.items()
    )
    return ballots, repeated, named


def _cell(row: list[str], at: int, source: str) -> str:
    if at >= len(row):
        raise TallyInputError(f"{source}: VOTES row for voter {row[0]!r} is too short")
    return row[at]


def _ballot(
    vote: str, points: str, vote_type: VoteType, known: set[str], source: str
) -> tuple[Ballot, list[str]]:
    """The ballot, and the projects the vote named more than once."""
    ids = tuple(item.strip() for item in vote.split(",") if item.strip())
    unknown = [project for project in ids if project not in known]
    if unknown:
        raise TallyInputError(f"{source}: a vote names unknown project(s) {', '.join(unknown)}")
    twice = sorted(project for project, n in Counter(ids).items() if n > 1)
    match vote_type:
        case VoteType.APPROVAL:
            return Ballot(projects=tuple(sorted(set(ids)))), twice
        case VoteType.ORDINAL:
            return Ballot(projects=tuple(dict.fromkeys(ids))), twice
        case VoteType.CUMULATIVE:
            given = [item for item in points.split(",") if item.strip()] if ids else []
            if len(given) != len(ids):
                raise TallyInputError(
                    f"{source}: vote {vote!r} and points {points!r} differ in length"
                )
            summed: dict[str, Money] = {}
            for project, item in zip(ids, given, strict=True):
                value = parse_money(item, f"{source}: points {points!r}")
                summed[project] = summed.get(project, 0) + value
            order = sorted(summed)
            return Ballot(projects=tuple(order), points=tuple(summed[p] for p in order)), twice
