"""Commands on a shift: orders carrying everything the decision needs, filled in at the edge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from events.base import Actor

# --- commands --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleShift:
    task_id: UUID
    shift_id: UUID
    starts_at: datetime
    ends_at: datetime
    capacity: int
    actor: Actor
    now: datetime
    waiting_list_limit: int = 50
    series_id: UUID | None = None


@dataclass(frozen=True)
class MoveShift:
    shift_id: UUID
    starts_at: datetime
    ends_at: datetime
    actor: Actor
    now: datetime


@dataclass(frozen=True)
class ChangeShiftCapacity:
    shift_id: UUID
    capacity: int
    actor: Actor
    now: datetime


@dataclass(frozen=True)
class CancelShift:
    shift_id: UUID
    actor: Actor
    now: datetime
    reason: str = ""


@dataclass(frozen=True)
class SignUp:
    """A citizen signs up. `birth_date` is attested at the edge and never stored in an event."""

    shift_id: UUID
    signup_id: UUID
    participant: str
    contact_ref: str
    birth_date: date
    now: datetime


@dataclass(frozen=True)
class CancelSignUp:
    shift_id: UUID
    signup_id: UUID
    participant: str
    now: datetime


@dataclass(frozen=True)
class RemoveSignUp:
    shift_id: UUID
    signup_id: UUID
    reason: str
    actor: Actor
    now: datetime


@dataclass(frozen=True)
class Attendance:
    """One confirmed sign-up's outcome; `minutes` defaults to the shift's length when attended."""

    signup_id: UUID
    attended: bool
    minutes: int | None = None


@dataclass(frozen=True)
class RecordAttendance:
    shift_id: UUID
    entries: tuple[Attendance, ...]
    actor: Actor
    now: datetime


ShiftCommand = (
    ScheduleShift
    | MoveShift
    | ChangeShiftCapacity
    | CancelShift
    | SignUp
    | CancelSignUp
    | RemoveSignUp
    | RecordAttendance
)
