"""Which phase follows which, and the sets of phases commands are allowed in (read by deciders)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar, Final, Protocol

from events.budgeting_common import Phase

P = Phase

NEXT: Final[dict[Phase, tuple[Phase, ...]]] = {
    P.DRAFT: (P.IDEAS,),
    P.IDEAS: (P.REVIEW,),
    P.REVIEW: (P.SUPPORTS, P.VOTING),
    P.SUPPORTS: (P.VOTING,),
    P.VOTING: (P.TALLYING,),
    P.TALLYING: (P.RESULTS_PUBLISHED,),
    P.RESULTS_PUBLISHED: (P.IMPLEMENTATION, P.CLOSED),
    P.IMPLEMENTATION: (P.CLOSED,),
    P.CLOSED: (),
}

BEFORE_VOTING: Final = frozenset({P.DRAFT, P.IDEAS, P.REVIEW, P.SUPPORTS})
UNTIL_VOTING_ENDS: Final = BEFORE_VOTING | {P.VOTING}
NOT_CLOSED: Final = frozenset(Phase) - {P.CLOSED}
FOLLOW_UP: Final = frozenset({P.RESULTS_PUBLISHED, P.IMPLEMENTATION})


class PhaseGated(Protocol):
    """A command allowed only in some phases of its process: each command class names them in
    `allowed_in`. CreateProcess and AdvancePhase have their own rules (a process does not exist
    yet; NEXT above)."""

    allowed_in: ClassVar[frozenset[Phase]]


def phases_in_order(phases: frozenset[Phase]) -> list[Phase]:
    return [p for p in Phase if p in phases]


def due_phase(
    current: Phase,
    schedule: Mapping[Phase, tuple[datetime | None, datetime | None]],
    now: datetime,
) -> Phase | None:
    """The phase the schedule says the process should move to at `now`, if any.

    A next phase is due when its start has passed, or when the current phase's end has passed
    (then the first next phase is taken, skipping an unscheduled `supports`).
    """
    candidates = NEXT[current]
    for candidate in candidates:
        starts_at = schedule.get(candidate, (None, None))[0]
        if starts_at is not None and starts_at <= now:
            return candidate
    ends_at = schedule.get(current, (None, None))[1]
    if ends_at is not None and ends_at <= now and candidates:
        scheduled = [c for c in candidates if c in schedule]
        if P.SUPPORTS in candidates and P.SUPPORTS not in scheduled:
            return next(c for c in candidates if c is not P.SUPPORTS)
        return candidates[0]
    return None
