"""Events of volunteer tasks (opgaver) and their shifts. Every event is keyed by its task id.

Two kinds of stream write these events: a task stream (the task's life: drafted, attested,
published, cancelled, completed) and one stream per shift (scheduling, capacity, every sign-up,
promotion, removal and attendance of that shift). All events of a task and its shifts share the
task id as partition key, so downstream sees them in order.

Privacy: a citizen appears only as a keyed pseudonym (`participant`) and an opaque `contact_ref`
pointing at contact details stored encrypted elsewhere. Names, phone numbers, e-mail addresses,
ages and birth dates are never part of an event.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from events.base import Event

TOPIC = "volunteering"


class VolunteeringEvent(Event):
    """Every volunteering event belongs to one task; the task id is its partition key."""

    topic: ClassVar[str] = TOPIC
    task_id: UUID

    def partition_key(self) -> str:
        return str(self.task_id)


# --- value objects ---------------------------------------------------------------------------


class Text(BaseModel):
    """A text shown to people, in Danish and English."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    da: str = Field(max_length=5000)
    en: str = Field(max_length=5000)


class OrganizerKind(StrEnum):
    LOCAL_COUNCIL = "local_council"
    ASSOCIATION = "association"
    STAFF = "staff"


class Organizer(BaseModel):
    """Who runs the task. `managers` are the pseudonyms allowed to manage it besides staff."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: OrganizerKind
    name: str = Field(min_length=1, max_length=200)
    managers: tuple[str, ...] = ()


class Place(BaseModel):
    """Where the task happens. Coordinates are WGS84 degrees when known."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    address: str = Field(min_length=1, max_length=300)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class Placement(StrEnum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"


# --- task stream -----------------------------------------------------------------------------


class TaskDrafted(VolunteeringEvent):
    type_name: ClassVar[str] = "TaskDrafted"

    organizer: Organizer
    local_area: str = Field(min_length=1, max_length=100)
    core_task: str = Field(min_length=1, max_length=100)
    title: Text
    description: Text
    work: Text = Field(description="What exactly is done")
    provided: Text = Field(description="What is provided: tools, gloves, coffee")
    place: Place
    minimum_age: int = Field(ge=0, le=120)
    accessibility: Text
    signup_closes_minutes_before: int = Field(
        ge=0, description="Sign-up closes this many minutes before a shift starts"
    )
    drafted_by: str = Field(description="Keyed pseudonym of who drafted it")


class TaskRevised(VolunteeringEvent):
    """A revision; only the fields that changed are present. A new `work` voids the attestation."""

    type_name: ClassVar[str] = "TaskRevised"

    organizer: Organizer | None = None
    local_area: str | None = Field(default=None, min_length=1, max_length=100)
    core_task: str | None = Field(default=None, min_length=1, max_length=100)
    title: Text | None = None
    description: Text | None = None
    work: Text | None = None
    provided: Text | None = None
    place: Place | None = None
    minimum_age: int | None = Field(default=None, ge=0, le=120)
    accessibility: Text | None = None
    signup_closes_minutes_before: int | None = Field(default=None, ge=0)


class TaskAttestedAsAdditional(VolunteeringEvent):
    """A staff member attests that the task comes on top of staff work and replaces none of it."""

    type_name: ClassVar[str] = "TaskAttestedAsAdditional"

    attested_by: str = Field(description="Keyed pseudonym of the staff member")
    statement: str = Field(default="", max_length=2000)


class TaskPublished(VolunteeringEvent):
    type_name: ClassVar[str] = "TaskPublished"


class TaskCancelled(VolunteeringEvent):
    type_name: ClassVar[str] = "TaskCancelled"

    reason: str = Field(default="", max_length=2000)


class TaskCompleted(VolunteeringEvent):
    type_name: ClassVar[str] = "TaskCompleted"


# --- shift stream ----------------------------------------------------------------------------


class ShiftEvent(VolunteeringEvent):
    """Every shift event names its shift; the shift id names the stream."""

    shift_id: UUID


class ShiftScheduled(ShiftEvent):
    type_name: ClassVar[str] = "ShiftScheduled"

    starts_at: AwareDatetime
    ends_at: AwareDatetime
    capacity: int = Field(ge=1)
    waiting_list_limit: int = Field(ge=0, description="0 means no waiting list")
    series_id: UUID | None = Field(default=None, description="The series it was expanded from")


class ShiftMoved(ShiftEvent):
    type_name: ClassVar[str] = "ShiftMoved"

    starts_at: AwareDatetime
    ends_at: AwareDatetime
    previous_starts_at: AwareDatetime
    previous_ends_at: AwareDatetime


class ShiftCapacityChanged(ShiftEvent):
    """New capacity; an increase is followed by one SignUpPromoted per freed place."""

    type_name: ClassVar[str] = "ShiftCapacityChanged"

    capacity: int = Field(ge=1)
    previous_capacity: int = Field(ge=1)


class ShiftCancelled(ShiftEvent):
    """Followed by one SignUpVoided per active sign-up."""

    type_name: ClassVar[str] = "ShiftCancelled"

    reason: str = Field(default="", max_length=2000)


class SignUpEvent(ShiftEvent):
    """An event about one sign-up: whom it concerns, and where to reach them (opaque)."""

    signup_id: UUID
    participant: str = Field(description="Keyed pseudonym of the citizen")


class VolunteerSignedUp(SignUpEvent):
    """A citizen signed up: confirmed while places remained, else on the waiting list (in order)."""

    type_name: ClassVar[str] = "VolunteerSignedUp"

    contact_ref: str = Field(
        min_length=1, max_length=200, description="Opaque reference to encrypted contact details"
    )
    placement: Placement


class SignUpCancelled(SignUpEvent):
    """The citizen cancelled their own sign-up."""

    type_name: ClassVar[str] = "SignUpCancelled"

    placement: Placement = Field(description="Where the sign-up stood when cancelled")


class SignUpRemoved(SignUpEvent):
    """The organizer removed a sign-up, with a reason."""

    type_name: ClassVar[str] = "SignUpRemoved"

    placement: Placement
    reason: str = Field(min_length=1, max_length=2000)
    removed_by: str


class SignUpPromoted(SignUpEvent):
    """The first on the waiting list got a freed place (so downstream can notify them)."""

    type_name: ClassVar[str] = "SignUpPromoted"


class SignUpRescheduled(SignUpEvent):
    """The shift of an active sign-up moved (one per affected sign-up, for notification)."""

    type_name: ClassVar[str] = "SignUpRescheduled"

    placement: Placement
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class SignUpVoided(SignUpEvent):
    """The shift of an active sign-up was cancelled (one per affected sign-up)."""

    type_name: ClassVar[str] = "SignUpVoided"

    placement: Placement
    reason: str = Field(default="", max_length=2000)


class AttendanceRecorded(SignUpEvent):
    """After the shift: attended or no-show, and minutes credited. A later record replaces it."""

    type_name: ClassVar[str] = "AttendanceRecorded"

    attended: bool
    minutes: int = Field(ge=0, le=24 * 60, description="0 for a no-show")
    recorded_by: str


EVENTS: tuple[type[Event], ...] = (
    TaskDrafted,
    TaskRevised,
    TaskAttestedAsAdditional,
    TaskPublished,
    TaskCancelled,
    TaskCompleted,
    ShiftScheduled,
    ShiftMoved,
    ShiftCapacityChanged,
    ShiftCancelled,
    VolunteerSignedUp,
    SignUpCancelled,
    SignUpRemoved,
    SignUpPromoted,
    SignUpRescheduled,
    SignUpVoided,
    AttendanceRecorded,
)
