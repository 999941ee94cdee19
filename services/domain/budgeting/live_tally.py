"""Live tallies as pure functions: what one ballot adds to each proposal's score, how a ballot
event moves the counts, and who may see them (the embargo).

A ballot's contribution is its score under the tally engine's satisfaction (`services/tally`
`profile.py`): 1 per approved proposal (approval, knapsack), the points given (cumulative), and
for a ranking the number of proposals ranked below on that ballot (Borda-style). Because that
depends on the ballot alone, a live count is a sum of contributions: a new ballot adds its own,
a replacement takes the old one away first, a withdrawal takes it away.

The same weights, kept per ballot (a ranking's last proposal with weight 0, so the ranking can
be read back), are all a rule needs: `current_outcome` counts the identical ballots of a budget
with the process's rule, as the allocation will, incompatible proposals included.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from uuid import UUID

from events.base import Role
from events.budgeting_common import BallotFormat, Phase, TallyRule
from services.domain.budgeting.incompatibility import Pairs, count_compatible
from services.tally import Ballot, Election, Project, Rule, TallyInputError, VoteType, tally
from services.tally.model import Money

Contribution = Mapping[str, int]
"""Proposal id → what one ballot adds to that proposal's score (only positive entries)."""

READ_DURING_EMBARGO = frozenset({Role.ADMIN, Role.AUDITOR})
RESULTS_PUBLIC_FROM = (Phase.RESULTS_PUBLISHED, Phase.IMPLEMENTATION, Phase.CLOSED)


def ballot_weights(
    ballot_format: BallotFormat,
    approvals: Iterable[UUID] = (),
    points: Mapping[UUID, int] | None = None,
    ranking: Iterable[UUID] = (),
) -> dict[str, int]:
    """A ballot's weight for each proposal it names: its contribution, and for a ranking also
    the last-ranked proposal with weight 0 (the ranking is the order of decreasing weight)."""
    match ballot_format:
        case BallotFormat.APPROVAL | BallotFormat.KNAPSACK:
            return {str(a): 1 for a in approvals}
        case BallotFormat.CUMULATIVE:
            return {str(k): v for k, v in (points or {}).items() if v > 0}
        case BallotFormat.RANKED:
            ranked = [str(r) for r in ranking]
            return {r: len(ranked) - 1 - i for i, r in enumerate(ranked)}


def contribution(
    ballot_format: BallotFormat,
    approvals: Iterable[UUID] = (),
    points: Mapping[UUID, int] | None = None,
    ranking: Iterable[UUID] = (),
) -> dict[str, int]:
    """What one ballot adds to each proposal's score under its format."""
    weights = ballot_weights(ballot_format, approvals, points, ranking)
    return {p: v for p, v in weights.items() if v > 0}


@dataclass(frozen=True)
class Counted:
    """A ballot as the live tally counts it: its budget and its weights (`ballot_weights`)."""

    local_area: str
    scores: Contribution


@dataclass
class AreaDelta:
    """How one budget's live count changes: ballots counted and each proposal's score."""

    ballots: int = 0
    scores: dict[str, int] = field(default_factory=dict)

    def add(self, scores: Contribution, sign: int) -> None:
        for proposal, value in scores.items():
            self.scores[proposal] = self.scores.get(proposal, 0) + sign * value


def ballot_change(old: Counted | None, new: Counted | None) -> dict[str, AreaDelta]:
    """The change in the live count when a ballot stream's counted ballot goes from `old` to
    `new` (None: no active ballot). A replacement takes the old ballot away first, so a voter
    is never counted twice, also when the new ballot is in another budget."""
    deltas: dict[str, AreaDelta] = {}
    if old is not None:
        delta = deltas.setdefault(old.local_area, AreaDelta())
        delta.ballots -= 1
        delta.add(old.scores, -1)
    if new is not None:
        delta = deltas.setdefault(new.local_area, AreaDelta())
        delta.ballots += 1
        delta.add(new.scores, +1)
    for delta in deltas.values():
        delta.scores = {p: v for p, v in delta.scores.items() if v != 0}
    return {area: d for area, d in deltas.items() if d.ballots or d.scores}


def merge(into: dict[str, AreaDelta], more: Mapping[str, AreaDelta]) -> None:
    """Add `more` to `into` (deltas of several ballot events of a batch)."""
    for area, delta in more.items():
        target = into.setdefault(area, AreaDelta())
        target.ballots += delta.ballots
        target.add(delta.scores, +1)


def results_visible(role: Role | None, phase: Phase, live_results_public: bool) -> bool:
    """Whether a caller (None: anonymous) may see a process's tally now: always once results
    are published; during voting and tallying only when live results are public, except for
    administrators and auditors (not staff: they enter paper ballots and review proposals)."""
    return phase in RESULTS_PUBLIC_FROM or live_results_public or role in READ_DURING_EMBARGO


VOTE_TYPES: dict[BallotFormat, VoteType] = {
    BallotFormat.APPROVAL: VoteType.APPROVAL,
    BallotFormat.KNAPSACK: VoteType.APPROVAL,
    BallotFormat.CUMULATIVE: VoteType.CUMULATIVE,
    BallotFormat.RANKED: VoteType.ORDINAL,
}


@dataclass(frozen=True)
class LiveBudget:
    """What one budget's count needs: its amount, the prices of the proposals on its ballot,
    and its counted ballots as groups of identical weights with the number who cast them."""

    amount_ore: int
    prices: Mapping[UUID, int]
    groups: Sequence[tuple[Mapping[str, int], int]]


def current_outcome(
    ballot_format: BallotFormat, rule: TallyRule, budget: LiveBudget, incompatible: Pairs
) -> tuple[UUID, ...]:
    """The proposals the process's rule selects now, in selection order: the allocation's count
    (`tally_input.tally_compatible`) over the same ballots. No ballot counted, no winner; a rule
    that does not apply to the ballots (refused when chosen) selects nothing."""
    if not any(n for _, n in budget.groups):
        return ()

    def count(excluded: frozenset[UUID]) -> list[UUID]:
        election = live_election(ballot_format, budget, excluded)
        return [UUID(s) for s in tally(election, Rule(rule.value)).selected_ids]

    try:
        return count_compatible(count, incompatible).order
    except TallyInputError:
        return ()


def live_election(
    ballot_format: BallotFormat, budget: LiveBudget, excluded: frozenset[UUID] = frozenset()
) -> Election:
    """The tally engine's election of one budget, `excluded` proposals (and any not on its
    ballot) left out of every ballot, a ranking closing up; ordered as `election_for` orders."""
    vote_type = VOTE_TYPES[ballot_format]
    kept = {str(p) for p in budget.prices if p not in excluded}
    groups: dict[tuple[tuple[str, ...], tuple[int, ...] | None], int] = {}
    for weights, voters in budget.groups:
        shape = _shape({p: w for p, w in weights.items() if p in kept}, vote_type)
        groups[shape] = groups.get(shape, 0) + voters
    return Election(
        projects=tuple(
            Project(id=str(p), cost=kroner(budget.prices[p]))
            for p in sorted(budget.prices, key=str)
            if str(p) in kept
        ),
        budget=kroner(budget.amount_ore),
        vote_type=vote_type,
        ballots=tuple(
            Ballot(projects=ids, voters=n, points=points)
            for (ids, points), n in sorted(groups.items(), key=lambda g: repr(g[0]))
            if n > 0
        ),
    )


def _shape(
    weights: Mapping[str, int], vote_type: VoteType
) -> tuple[tuple[str, ...], tuple[int, ...] | None]:
    match vote_type:
        case VoteType.APPROVAL:
            return tuple(sorted(weights)), None
        case VoteType.CUMULATIVE:
            items = sorted(weights.items())
            return tuple(k for k, _ in items), tuple(v for _, v in items)
        case VoteType.ORDINAL:  # the ranking: decreasing weight (a ranking's weights differ)
            return tuple(sorted(weights, key=lambda p: (-weights[p], p))), None


def kroner(ore: int) -> Money:
    """Øre as the engine's exact kroner."""
    return ore // 100 if ore % 100 == 0 else Fraction(ore, 100)
