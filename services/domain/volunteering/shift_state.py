"""The state of one shift, folded from its stream: times, capacity, confirmed and waiting in order.

`evolve_shift` only sets fields; the order of the waiting list is the order of the stream.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from events.base import Event
from events.volunteering import (
    Placement,
    ShiftCancelled,
    ShiftCapacityChanged,
    ShiftMoved,
    ShiftScheduled,
    SignUpCancelled,
    SignUpPromoted,
    SignUpRemoved,
    SignUpVoided,
    VolunteerSignedUp,
)

LOCAL_ZONE = "Europe/Copenhagen"

# --- state -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    signup_id: UUID
    participant: str


@dataclass(frozen=True)
class ShiftState:
    shift_id: UUID | None = None
    task_id: UUID | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    capacity: int = 0
    waiting_list_limit: int = 0
    series_id: UUID | None = None
    cancelled: bool = False
    confirmed: tuple[Entry, ...] = ()
    waiting: tuple[Entry, ...] = ()
    used_ids: frozenset[UUID] = field(default_factory=frozenset)
    scheduled: ShiftScheduled | None = None

    @property
    def exists(self) -> bool:
        return self.task_id is not None

    def active(self) -> tuple[tuple[Entry, Placement], ...]:
        """Active sign-ups: confirmed first, then the waiting list in order."""
        return tuple((e, Placement.CONFIRMED) for e in self.confirmed) + tuple(
            (e, Placement.WAITING) for e in self.waiting
        )

    def find(self, signup_id: UUID) -> tuple[Entry, Placement] | None:
        return next(((e, p) for e, p in self.active() if e.signup_id == signup_id), None)


SHIFT_INITIAL = ShiftState()


def age_on(birth_date: date, day: date) -> int:
    """Whole years of age on `day`."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - before_birthday


def local_date(moment: datetime) -> date:
    """The municipality's calendar date of a moment."""
    return moment.astimezone(ZoneInfo(LOCAL_ZONE)).date()


# --- evolve ----------------------------------------------------------------------------------


def evolve_shift(state: ShiftState, event: Event) -> ShiftState:
    match event:
        case ShiftScheduled():
            return ShiftState(
                shift_id=event.shift_id,
                task_id=event.task_id,
                starts_at=event.starts_at,
                ends_at=event.ends_at,
                capacity=event.capacity,
                waiting_list_limit=event.waiting_list_limit,
                series_id=event.series_id,
                scheduled=event,
            )
        case ShiftMoved():
            return replace(state, starts_at=event.starts_at, ends_at=event.ends_at)
        case ShiftCapacityChanged():
            return replace(state, capacity=event.capacity)
        case ShiftCancelled():
            return replace(state, cancelled=True)
        case VolunteerSignedUp():
            entry = Entry(event.signup_id, event.participant)
            used = state.used_ids | {event.signup_id}
            if event.placement is Placement.CONFIRMED:
                return replace(state, confirmed=(*state.confirmed, entry), used_ids=used)
            return replace(state, waiting=(*state.waiting, entry), used_ids=used)
        case SignUpCancelled() | SignUpRemoved() | SignUpVoided():
            return _without(state, event.signup_id)
        case SignUpPromoted():
            promoted = tuple(e for e in state.waiting if e.signup_id == event.signup_id)
            return replace(
                _without(state, event.signup_id), confirmed=(*state.confirmed, *promoted)
            )
        case _:
            return state


def _without(state: ShiftState, signup_id: UUID) -> ShiftState:
    return replace(
        state,
        confirmed=tuple(e for e in state.confirmed if e.signup_id != signup_id),
        waiting=tuple(e for e in state.waiting if e.signup_id != signup_id),
    )
