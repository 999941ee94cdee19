"""Turn the counted ballots of one budget into the tally engine's election (pure, no I/O).

Counted means each ballot stream's active ballot, as the ballot decider folds it. Identical
ballots are grouped (the engine's multiprofile); projects and groups are in a fixed order, so
the same events always give the same election. Money goes to the engine in kroner (exact, a
Fraction where there are øre): rules such as MES with Add1 completions raise each voter's
share by one unit of money per round, and that unit is the krone, as in Pabulib files.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from fractions import Fraction
from uuid import UUID

from events.budgeting_common import ProjectFunding
from services.domain.ballots import BallotState
from services.domain.process import AnyRules
from services.tally import Ballot, Election, Project, TallyResult, VoteType
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
) -> Election:
    vote_type = VOTE_TYPES[rules.format]
    groups: Counter[tuple[tuple[str, ...], tuple[int, ...] | None]] = Counter()
    for ballot in ballots:
        if not ballot.active or ballot.local_area != local_area:
            continue
        groups[_shape(ballot, vote_type)] += 1
    projects = tuple(Project(id=str(p), cost=kroner(prices[p])) for p in sorted(prices, key=str))
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


def kroner(ore: int) -> Money:
    return ore // 100 if ore % 100 == 0 else Fraction(ore, 100)


def ore(amount: Money) -> int:
    exact = Fraction(amount) * 100
    if exact.denominator != 1:
        raise ValueError(f"{amount} kr. is not a whole number of øre")
    return int(exact)


def funding_of(result: TallyResult) -> tuple[ProjectFunding, ...]:
    """Each selected project funded at its full price."""
    return tuple(
        ProjectFunding(proposal_id=UUID(s.id), amount_ore=ore(s.cost)) for s in result.selected
    )
