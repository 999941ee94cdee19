"""Given/when/then for recurring shift series and the participation report."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import reduce
from uuid import uuid4

import pytest

from events.base import Actor, Event, Role
from events.volunteering import (
    AttendanceRecorded,
    Organizer,
    OrganizerKind,
    Place,
    ShiftMoved,
    ShiftScheduled,
    TaskAttestedAsAdditional,
    TaskDrafted,
    TaskPublished,
    TaskRevised,
    Text,
)
from services.domain.errors import CommandRejected
from services.domain.volunteering import (
    SHIFT_INITIAL,
    TASK_INITIAL,
    EveryNWeeks,
    MonthlyOnWeekday,
    Msg,
    ScheduleShiftSeries,
    decide_series,
    evolve_shift,
    evolve_task,
    expand_series,
    occurrence_dates,
    series_shift_id,
)
from tests.volunteering_report import Participation, ReportKey, participation_report

STAFF = Actor(subject="staff-anna", role=Role.STAFF)
SATURDAY = 5
NOW = datetime(2025, 1, 1, tzinfo=UTC)


def drafted(task_id: object, area: str = "Tørring", core: str = "Fritid og fællesskab") -> Event:
    return TaskDrafted(
        task_id=task_id,
        organizer=Organizer(kind=OrganizerKind.STAFF, name="Hedensted Kommune"),
        local_area=area,
        core_task=core,
        title=Text(da="Grønt hold", en="Green Team"),
        description=Text(da="Ren by", en="Tidy town"),
        work=Text(da="Saml affald", en="Pick litter"),
        provided=Text(da="Handsker", en="Gloves"),
        place=Place(address="Torvet 1, 7160 Tørring"),
        minimum_age=0,
        accessibility=Text(da="", en=""),
        signup_closes_minutes_before=0,
        drafted_by=STAFF.subject,
    )


def series(task_id: object, **overrides: object) -> ScheduleShiftSeries:
    fields: dict[str, object] = {
        "task_id": task_id,
        "series_id": uuid4(),
        "recurrence": MonthlyOnWeekday(weekday=SATURDAY, nth=1),
        "first_date": date(2025, 1, 1),
        "count": 6,
        "start_time": time(10, 0),
        "end_time": time(13, 0),
        "capacity": 10,
        "actor": STAFF,
        "now": NOW,
    }
    return ScheduleShiftSeries(**{**fields, **overrides})  # type: ignore[arg-type]


# --- series ----------------------------------------------------------------------------------


def test_first_saturday_of_each_month_expands_to_the_right_dates() -> None:
    dates = occurrence_dates(MonthlyOnWeekday(weekday=SATURDAY, nth=1), date(2025, 1, 5), 4)
    assert dates == [date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 5), date(2025, 5, 3)]


def test_the_last_saturday_and_every_second_week_are_supported() -> None:
    last = occurrence_dates(MonthlyOnWeekday(weekday=SATURDAY, nth=-1), date(2025, 1, 1), 2)
    assert last == [date(2025, 1, 25), date(2025, 2, 22)]
    fortnightly = occurrence_dates(EveryNWeeks(weeks=2), date(2025, 1, 4), 3)
    assert fortnightly == [date(2025, 1, 4), date(2025, 1, 18), date(2025, 2, 1)]


def test_series_shifts_keep_local_wall_clock_time_across_summer_time() -> None:
    shifts = expand_series(series(uuid4(), first_date=date(2025, 3, 1), count=2))
    winter, summer = shifts
    assert winter.starts_at == datetime(2025, 3, 1, 9, 0, tzinfo=UTC)  # 10:00 CET
    assert summer.starts_at == datetime(2025, 4, 5, 8, 0, tzinfo=UTC)  # 10:00 CEST
    assert summer.ends_at - summer.starts_at == timedelta(hours=3)


def test_series_shift_ids_are_derived_from_the_series_and_the_date() -> None:
    order = series(uuid4(), count=2)
    first, second = expand_series(order)
    assert first.shift_id == series_shift_id(order.series_id, date(2025, 1, 4))
    assert [s.shift_id for s in expand_series(order)] == [first.shift_id, second.shift_id]
    assert first.series_id == order.series_id


def test_a_series_decides_one_new_shift_stream_per_date_and_a_retry_records_nothing() -> None:
    task_id = uuid4()
    task = reduce(evolve_task, [drafted(task_id)], TASK_INITIAL)
    order = series(task_id, count=3)
    decided = decide_series(order, task)
    assert len(decided) == 3
    assert all(isinstance(e, ShiftScheduled) for events in decided.values() for e in events)
    existing = {sid: reduce(evolve_shift, evs, SHIFT_INITIAL) for sid, evs in decided.items()}
    assert decide_series(order, task, existing) == {sid: [] for sid in decided}


@pytest.mark.parametrize("count", [0, 105])
def test_a_series_must_have_a_sensible_number_of_shifts(count: int) -> None:
    with pytest.raises(CommandRejected) as caught:
        expand_series(series(uuid4(), count=count))
    assert getattr(caught.value, "code", None) is Msg.SERIES_INVALID


# --- participation report --------------------------------------------------------------------


def attendance(task_id: object, shift_id: object, who: str, minutes: int) -> AttendanceRecorded:
    return AttendanceRecorded(
        task_id=task_id,
        shift_id=shift_id,
        signup_id=uuid4(),
        participant=who,
        attended=minutes > 0,
        minutes=minutes,
        recorded_by=STAFF.subject,
    )


def scheduled(task_id: object, shift_id: object, starts_at: datetime) -> ShiftScheduled:
    return ShiftScheduled(
        task_id=task_id,
        shift_id=shift_id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=3),
        capacity=10,
        waiting_list_limit=0,
    )


def test_hours_and_participation_are_summed_per_area_core_task_and_local_month() -> None:
    task_id, june, july = uuid4(), uuid4(), uuid4()
    events: list[Event] = [
        drafted(task_id),
        TaskAttestedAsAdditional(task_id=task_id, attested_by=STAFF.subject),
        TaskPublished(task_id=task_id),
        scheduled(task_id, june, datetime(2025, 6, 7, 8, tzinfo=UTC)),
        # 30 June 22:30 UTC is 1 July 00:30 in Tørring: it counts in July.
        scheduled(task_id, july, datetime(2025, 6, 30, 22, 30, tzinfo=UTC)),
        attendance(task_id, june, "ada", 180),
        attendance(task_id, june, "bo", 90),
        attendance(task_id, june, "cy", 0),
        attendance(task_id, july, "ada", 60),
    ]
    report = participation_report(events)
    assert report == {
        ReportKey("Tørring", "Fritid og fællesskab", "2025-06"): Participation(
            minutes=270, attended=2, no_shows=1, participants=2, shifts=1
        ),
        ReportKey("Tørring", "Fritid og fællesskab", "2025-07"): Participation(
            minutes=60, attended=1, no_shows=0, participants=1, shifts=1
        ),
    }
    assert str(report[ReportKey("Tørring", "Fritid og fællesskab", "2025-06")].hours) == "4.50"


def test_a_corrected_attendance_replaces_the_first_and_moves_follow_the_shift() -> None:
    task_id, shift_id = uuid4(), uuid4()
    first = attendance(task_id, shift_id, "ada", 180)
    corrected = first.model_copy(update={"minutes": 120})
    events: list[Event] = [
        drafted(task_id),
        scheduled(task_id, shift_id, datetime(2025, 6, 7, 8, tzinfo=UTC)),
        first,
        corrected,
        ShiftMoved(
            task_id=task_id,
            shift_id=shift_id,
            starts_at=datetime(2025, 8, 2, 8, tzinfo=UTC),
            ends_at=datetime(2025, 8, 2, 11, tzinfo=UTC),
            previous_starts_at=datetime(2025, 6, 7, 8, tzinfo=UTC),
            previous_ends_at=datetime(2025, 6, 7, 11, tzinfo=UTC),
        ),
        TaskRevised(task_id=task_id, local_area="Hedensted"),
    ]
    assert participation_report(events) == {
        ReportKey("Hedensted", "Fritid og fællesskab", "2025-08"): Participation(
            minutes=120, attended=1, no_shows=0, participants=1, shifts=1
        )
    }
