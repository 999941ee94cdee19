"""Live tallies as pure functions: what one ballot adds to each proposal's score, how a ballot
event moves the counts, and who may see them (the embargo).

A ballot's contribution is its score under the tally engine's satisfaction (`services/tally`
`profile.py`): 1 per approved proposal (approval, knapsack), the points given (cumulative), and
for a ranking the number of proposals ranked below on that ballot (Borda-style). Because that
depends on the ballot alone, a live count is a sum of contributions: a new ballot adds its own,
a replacement takes the old one away first, a withdrawal takes it away.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from uuid import UUID

from events.base import Role
from events.budgeting_common import BallotFormat, Phase

Contribution = Mapping[str, int]
"""Proposal id → what one ballot adds to that proposal's score (only positive entries)."""

READ_DURING_EMBARGO = frozenset({Role.ADMIN, Role.STAFF, Role.AUDITOR})
RESULTS_PUBLIC_FROM = (Phase.RESULTS_PUBLISHED, Phase.IMPLEMENTATION, Phase.CLOSED)


def contribution(
    ballot_format: BallotFormat,
    approvals: Iterable[UUID] = (),
    points: Mapping[UUID, int] | None = None,
    ranking: Iterable[UUID] = (),
) -> dict[str, int]:
    """What one ballot adds to each proposal's score under its format."""
    match ballot_format:
        case BallotFormat.APPROVAL | BallotFormat.KNAPSACK:
            return {str(a): 1 for a in approvals}
        case BallotFormat.CUMULATIVE:
            return {str(k): v for k, v in (points or {}).items() if v > 0}
        case BallotFormat.RANKED:
            ranked = [str(r) for r in ranking]
            below = len(ranked) - 1
            return {r: below - i for i, r in enumerate(ranked) if below - i > 0}


@dataclass(frozen=True)
class Counted:
    """A ballot as the live tally counts it: its budget and its contribution."""

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
    administrators, staff and auditors."""
    return phase in RESULTS_PUBLIC_FROM or live_results_public or role in READ_DURING_EMBARGO
