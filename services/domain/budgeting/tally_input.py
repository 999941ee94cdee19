"""Turn the counted ballots of one budget into the tally engine's election (pure, no I/O).

Counted means each ballot stream's active ballot, as the ballot decider folds it. Identical
ballots are grouped (the engine's multiprofile); projects and groups are in a fixed order, so
the same events always give the same election. Money goes to the engine in kroner (exact, a
Fraction where there are øre): rules such as MES with Add1 completions raise each voter's
share by one unit of money per round, and that unit is the krone, as in Pabulib files.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from uuid import UUID

from events.budgeting_common import ProjectFunding, SkippedProject
from services.domain.budgeting.ballots import BallotState
from services.domain.budgeting.incompatibility import Pairs, count_compatible
from services.domain.budgeting.live_tally import kroner
from services.domain.budgeting.process import AnyRules
from services.tally import Ballot, Election, Project, Rule, TallyResult, VoteType, tally
from services.tally.model import Money

VOTE_TYPES: dict[str, VoteType] = {
    "approval": VoteType.APPROVAL,
    "knapsack": VoteType.APPROVAL,
    "cumulative": VoteType.CUMULATIVE,
    "ranked": VoteType.ORDINAL,
}


def election_for(
    rules: AnyRules,
    local_area: str,
    budget_ore: int,
    prices: Mapping[UUID, int],
    ballots: Iterable[BallotState],
    excluded: frozenset[UUID] = frozenset(),
) -> Election:
    """The election of one budget; `excluded` projects are counted as if they had not been on
    the ballot (left out of every ballot; a ranking closes up)."""
    vote_type = VOTE_TYPES[rules.format]
    left_out = {str(p) for p in excluded}
    groups: Counter[tuple[tuple[str, ...], tuple[int, ...] | None]] = Counter()
    for ballot in ballots:
        if not ballot.active or ballot.local_area != local_area:
            continue
        groups[_without(_shape(ballot, vote_type), left_out)] += 1
    projects = tuple(
        Project(id=str(p), cost=kroner(prices[p]))
        for p in sorted(prices, key=str)
        if p not in excluded
    )
    return Election(
        projects=projects,
        budget=kroner(budget_ore),
        vote_type=vote_type,
        ballots=tuple(
            Ballot(projects=ids, voters=n, points=points)
            for (ids, points), n in sorted(groups.items(), key=lambda g: repr(g[0]))
        ),
    )


def _shape(
    ballot: BallotState, vote_type: VoteType
) -> tuple[tuple[str, ...], tuple[int, ...] | None]:
    match vote_type:
        case VoteType.APPROVAL:
            return tuple(sorted(str(a) for a in ballot.approvals)), None
        case VoteType.CUMULATIVE:
            items = sorted((str(k), v) for k, v in ballot.points.items())
            return tuple(k for k, _ in items), tuple(v for _, v in items)
        case VoteType.ORDINAL:
            return tuple(str(r) for r in ballot.ranking), None


def _without(
    shape: tuple[tuple[str, ...], tuple[int, ...] | None], left_out: set[str]
) -> tuple[tuple[str, ...], tuple[int, ...] | None]:
    ids, points = shape
    if not left_out.intersection(ids):
        return shape
    kept = [i for i, p in enumerate(ids) if p not in left_out]
    return tuple(ids[i] for i in kept), None if points is None else tuple(points[i] for i in kept)


def ore(amount: Money) -> int:
    exact = Fraction(amount) * 100
    if exact.denominator != 1:
        raise ValueError(f"{amount} kr. is not a whole number of øre")
    return int(exact)


@dataclass(frozen=True)
class Counted:
    """A budget's count whose selection holds no incompatible pair, and what it skipped."""

    election: Election
    result: TallyResult
    skipped: tuple[SkippedProject, ...]


def tally_compatible(
    rules: AnyRules,
    local_area: str,
    budget_ore: int,
    prices: Mapping[UUID, int],
    ballots: Sequence[BallotState],
    rule: Rule,
    incompatible: Pairs,
) -> Counted:
    """Count with `rule`; a project incompatible with one the rule selected before it is
    skipped and the count runs again without it (`services.domain.budgeting.incompatibility`)."""
    counts: dict[frozenset[UUID], tuple[Election, TallyResult]] = {}

    def count(excluded: frozenset[UUID]) -> list[UUID]:
        election = election_for(rules, local_area, budget_ore, prices, ballots, excluded)
        result = tally(election, rule)
        counts[excluded] = (election, result)
        return [UUID(s) for s in result.selected_ids]

    compatible = count_compatible(count, incompatible)
    election, result = counts[frozenset(s.proposal_id for s in compatible.skipped)]
    return Counted(election, result, compatible.skipped)


def funding_of(result: TallyResult) -> tuple[ProjectFunding, ...]:
    """Each selected project funded at its full price."""
    return tuple(
        ProjectFunding(proposal_id=UUID(s.id), amount_ore=ore(s.cost)) for s in result.selected
    )
