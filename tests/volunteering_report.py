"""Reporting read model: hours and participation per local area, core task and month.

A pure fold over volunteering events, so a projection can apply events one by one (`apply`) or
rebuild from a whole sequence (`participation_report`). Attendance counts in the month of the
shift's start in the municipality's time zone; a later attendance record for the same sign-up
replaces the earlier one; a later move of the shift moves its hours.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

from events.base import Event
from events.volunteering import (
    AttendanceRecorded,
    ShiftMoved,
    ShiftScheduled,
    TaskDrafted,
    TaskRevised,
)
from services.domain.volunteering.shift_state import LOCAL_ZONE


@dataclass(frozen=True, order=True)
class ReportKey:
    local_area: str
    core_task: str
    month: str  # "YYYY-MM"


@dataclass(frozen=True)
class Participation:
    minutes: int = 0
    attended: int = 0
    no_shows: int = 0
    participants: int = 0  # distinct pseudonyms who attended at least once
    shifts: int = 0  # shifts with at least one attendance

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.minutes) / 60).quantize(Decimal("0.01"))


@dataclass
class ParticipationFold:
    """The fold's working memory; `apply` takes one event, `rows` reads the report."""

    zone: str = LOCAL_ZONE
    areas: dict[UUID, tuple[str, str]] = field(default_factory=dict)  # task -> (area, core)
    shifts: dict[UUID, tuple[UUID, datetime]] = field(default_factory=dict)  # shift -> task, start
    outcomes: dict[UUID, AttendanceRecorded] = field(default_factory=dict)  # sign-up -> latest

    def apply(self, event: Event) -> None:
        match event:
            case TaskDrafted():
                self.areas[event.task_id] = (event.local_area, event.core_task)
            case TaskRevised():
                area, core = self.areas.get(event.task_id, ("", ""))
                self.areas[event.task_id] = (event.local_area or area, event.core_task or core)
            case ShiftScheduled() | ShiftMoved():
                self.shifts[event.shift_id] = (event.task_id, event.starts_at)
            case AttendanceRecorded():
                self.outcomes[event.signup_id] = event
            case _:
                pass

    def rows(self) -> dict[ReportKey, Participation]:
        zone = ZoneInfo(self.zone)
        minutes: dict[ReportKey, int] = {}
        attended: dict[ReportKey, int] = {}
        no_shows: dict[ReportKey, int] = {}
        people: dict[ReportKey, set[str]] = {}
        shifts: dict[ReportKey, set[UUID]] = {}
        for outcome in self.outcomes.values():
            task_id, starts_at = self.shifts.get(outcome.shift_id, (outcome.task_id, None))
            area, core = self.areas.get(task_id, ("", ""))
            month = starts_at.astimezone(zone).strftime("%Y-%m") if starts_at else ""
            key = ReportKey(area, core, month)
            if outcome.attended:
                minutes[key] = minutes.get(key, 0) + outcome.minutes
                attended[key] = attended.get(key, 0) + 1
                people.setdefault(key, set()).add(outcome.participant)
                shifts.setdefault(key, set()).add(outcome.shift_id)
            else:
                no_shows[key] = no_shows.get(key, 0) + 1
        keys = sorted({*minutes, *no_shows})
        return {
            key: Participation(
                minutes=minutes.get(key, 0),
                attended=attended.get(key, 0),
                no_shows=no_shows.get(key, 0),
                participants=len(people.get(key, ())),
                shifts=len(shifts.get(key, ())),
            )
            for key in keys
        }


def participation_report(
    events: Iterable[Event], zone: str = LOCAL_ZONE
) -> dict[ReportKey, Participation]:
    fold = ParticipationFold(zone=zone)
    for event in events:
        fold.apply(event)
    return fold.rows()
