"""Request and response bodies of the volunteering API."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from events.volunteering import OrganizerKind, Place, Text
from services.api.bounds import (
    Age,
    Capacity,
    Minutes,
    Name,
    NoticeMinutes,
    Reason,
    SeriesLength,
    Strict,
    WaitingList,
    Weekday,
    Weeks,
)
from services.api.deps import Recorded


class OrganizerIn(Strict):
    kind: OrganizerKind
    name: Annotated[str, Field(min_length=1, max_length=200)]
    managers: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list,
        max_length=50,
        description="Subjects (user names) who may manage the task besides staff; "
        "stored only as keyed pseudonyms",
    )


EMPTY = Text(da="", en="")


class TaskIn(Strict):
    organizer: OrganizerIn
    local_area: Name
    core_task: Name
    title: Text
    description: Text
    work: Text = Field(description="What exactly is done")
    provided: Text = Field(default=EMPTY, description="What is provided: tools, gloves, coffee")
    place: Place
    minimum_age: Age = 0
    accessibility: Text = EMPTY
    signup_closes_minutes_before: NoticeMinutes = 24 * 60


class TaskPatch(Strict):
    organizer: OrganizerIn | None = None
    local_area: Name | None = None
    core_task: Name | None = None
    title: Text | None = None
    description: Text | None = None
    work: Text | None = None
    provided: Text | None = None
    place: Place | None = None
    minimum_age: Age | None = None
    accessibility: Text | None = None
    signup_closes_minutes_before: NoticeMinutes | None = None


class AttestIn(Strict):
    statement: Reason = ""


class ReasonIn(Strict):
    reason: Reason = ""


class RemoveIn(Strict):
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class ShiftIn(Strict):
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    capacity: Capacity
    waiting_list_limit: WaitingList = 50


class Monthly(Strict):
    kind: Literal["monthly"]
    weekday: Weekday
    nth: Literal[-1, 1, 2, 3, 4] = 1


class Weekly(Strict):
    kind: Literal["weekly"]
    weeks: Weeks = 1


class SeriesIn(Strict):
    series_id: UUID | None = Field(
        default=None, description="Give one to make a retried request safe; else a new series"
    )
    recurrence: Annotated[Monthly | Weekly, Field(discriminator="kind")]
    first_date: date
    count: SeriesLength
    start_time: time = Field(description="Local wall-clock time (Europe/Copenhagen)")
    end_time: time
    capacity: Capacity
    waiting_list_limit: WaitingList = 50


class MoveIn(Strict):
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class CapacityIn(Strict):
    capacity: Capacity


class SignUpIn(Strict):
    """Contact details go to the vault, encrypted; only a reference is recorded in events.

    `birth_date` is checked against the task's minimum age and stored nowhere. (Attested by the
    identity provider in production; here it is what the citizen's client sends.)
    """

    name: Annotated[str, Field(min_length=1, max_length=200)]
    phone: Annotated[str, Field(max_length=40, pattern=r"^[0-9+() -]*$")] = ""
    email: Annotated[str, Field(max_length=254, pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$")] = ""
    birth_date: date
    signup_id: UUID | None = Field(
        default=None, description="Give one to make a retried request safe"
    )


class AttendanceEntryIn(Strict):
    signup_id: UUID
    attended: bool
    minutes: Minutes | None = Field(
        default=None, description="Default: the shift's length when attended"
    )


class AttendanceIn(Strict):
    entries: list[AttendanceEntryIn] = Field(min_length=1, max_length=10_000)


# --- answers --------------------------------------------------------------------------------


class SeriesOut(BaseModel):
    series_id: UUID
    shifts: list[Recorded]


class SignUpOut(BaseModel):
    signup_id: UUID
    shift_id: UUID
    placement: Literal["confirmed", "waiting"]
    position: int | None = Field(description="Place on the waiting list (1 = next), if waiting")
    version: int


class ShiftOut(BaseModel):
    shift_id: UUID
    task_id: UUID
    starts_at: datetime
    ends_at: datetime
    capacity: int
    confirmed: int
    waiting: int
    free_places: int
    waiting_list_limit: int
    status: str
    version: int


class TaskOut(BaseModel):
    task_id: UUID
    status: str
    organizer: dict[str, str]
    local_area: str
    core_task: str
    title: Text
    description: Text
    work: Text
    provided: Text
    accessibility: Text
    place: Place
    minimum_age: int
    signup_closes_minutes_before: int
    attested: bool
    version: int
    free_places: int
    shifts: list[ShiftOut]


class RosterEntry(BaseModel):
    signup_id: UUID
    participant: str = Field(description="Keyed pseudonym")
    status: str
    position: int | None
    signed_up_at: datetime
    promoted_at: datetime | None
    attended: bool | None
    minutes: int | None
    contact: dict[str, str] | None = Field(
        description="From the vault at query time; null for auditors"
    )
    contact_erased: bool


class RosterOut(BaseModel):
    shift: ShiftOut
    entries: list[RosterEntry]


class MyShift(BaseModel):
    signup_id: UUID
    status: str
    position: int | None
    shift: ShiftOut
    task_title: Text
    address: str
    attended: bool | None
    minutes: int | None


class ParticipationRow(BaseModel):
    local_area: str
    core_task: str
    month: str
    hours: str = Field(description="Decimal hours, two decimals")
    minutes: int
    attended: int
    no_shows: int
    participants: int
    shifts: int
