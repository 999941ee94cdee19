"""Recurring shift series ("first Saturday of each month, 10–13, six times") expanded to shifts.

Expansion is a pure function of the order. Shift ids are derived with uuid5 from the series id
and the local date, so the order needs no randomness and a retried series yields the same shifts
(scheduling an identical shift again is a no-op in the shift decider).
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

from events.base import Actor, Event
from services.domain.volunteering.messages import Msg, VolunteeringRejected
from services.domain.volunteering.shift import decide_shift
from services.domain.volunteering.shift_commands import ScheduleShift
from services.domain.volunteering.shift_state import LOCAL_ZONE, SHIFT_INITIAL, ShiftState
from services.domain.volunteering.task import TaskState

MAX_OCCURRENCES = 104


@dataclass(frozen=True)
class MonthlyOnWeekday:
    """The `nth` (1–4, or -1 for the last) `weekday` (0 = Monday … 6 = Sunday) of each month."""

    weekday: int
    nth: int = 1


@dataclass(frozen=True)
class EveryNWeeks:
    """Every `weeks` weeks, on the weekday of the first date."""

    weeks: int = 1


Recurrence = MonthlyOnWeekday | EveryNWeeks


@dataclass(frozen=True)
class ScheduleShiftSeries:
    """Local wall-clock times in `zone`; `count` occurrences from `first_date` (inclusive)."""

    task_id: UUID
    series_id: UUID
    recurrence: Recurrence
    first_date: date
    count: int
    start_time: time
    end_time: time
    capacity: int
    actor: Actor
    now: datetime
    waiting_list_limit: int = 50
    zone: str = LOCAL_ZONE


def occurrence_dates(recurrence: Recurrence, first_date: date, count: int) -> list[date]:
    """The first `count` dates on or after `first_date` that follow the recurrence."""
    if isinstance(recurrence, EveryNWeeks):
        step = timedelta(weeks=max(recurrence.weeks, 1))
        return [first_date + i * step for i in range(count)]
    dates: list[date] = []
    year, month = first_date.year, first_date.month
    while len(dates) < count:
        day = nth_weekday(year, month, recurrence.weekday, recurrence.nth)
        if day is not None and day >= first_date:
            dates.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return dates


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    """The nth weekday of a month (nth = -1: the last), or None when the month has none."""
    days = [
        date(year, month, d)
        for d in range(1, calendar.monthrange(year, month)[1] + 1)
        if date(year, month, d).weekday() == weekday
    ]
    index = nth - 1 if nth > 0 else nth
    return days[index] if -len(days) <= index < len(days) else None


def series_shift_id(series_id: UUID, day: date) -> UUID:
    return uuid5(series_id, day.isoformat())


def expand_series(command: ScheduleShiftSeries) -> list[ScheduleShift]:
    """One ScheduleShift per occurrence, times converted from local wall clock to UTC."""
    if not 1 <= command.count <= MAX_OCCURRENCES or not _valid(command.recurrence):
        raise VolunteeringRejected(Msg.SERIES_INVALID, max_count=MAX_OCCURRENCES)
    if command.end_time <= command.start_time:
        raise VolunteeringRejected(Msg.SHIFT_TIMES_INVALID)
    zone = ZoneInfo(command.zone)
    return [
        ScheduleShift(
            task_id=command.task_id,
            shift_id=series_shift_id(command.series_id, day),
            starts_at=datetime.combine(day, command.start_time, zone).astimezone(UTC),
            ends_at=datetime.combine(day, command.end_time, zone).astimezone(UTC),
            capacity=command.capacity,
            waiting_list_limit=command.waiting_list_limit,
            actor=command.actor,
            now=command.now,
            series_id=command.series_id,
        )
        for day in occurrence_dates(command.recurrence, command.first_date, command.count)
    ]


def decide_series(
    command: ScheduleShiftSeries,
    task: TaskState,
    existing: Mapping[UUID, ShiftState] | None = None,
) -> dict[UUID, list[Event]]:
    """Events per shift id, to append to each shift's stream in one transaction.

    `existing` holds the states of shift streams that already exist (absent: new stream). On a
    retry an identically scheduled shift decides to no events, so the order is idempotent.
    """
    known = existing or {}
    return {
        shift.shift_id: decide_shift(shift, known.get(shift.shift_id, SHIFT_INITIAL), task)
        for shift in expand_series(command)
    }


def _valid(recurrence: Recurrence) -> bool:
    if isinstance(recurrence, EveryNWeeks):
        return recurrence.weeks >= 1
    return 0 <= recurrence.weekday <= 6 and recurrence.nth in (-1, 1, 2, 3, 4)
