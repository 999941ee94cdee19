"""Volunteer tasks and shifts: the pure domain, no I/O. Stream ids, and one place to import from.

Streams (all events keyed by task id on the `volunteering` topic):
- `volunteer-task-{task_id}`: the task's life, decided by `decide_task(command, task_state)`;
- `volunteer-shift-{shift_id}`: one shift with all its sign-ups and attendance, decided by
  `decide_shift(command, shift_state, task_state)`. Appending with the shift stream's expected
  version serializes every sign-up of a shift, so capacity is never exceeded.
A series is expanded by `expand_series` / `decide_series` into one new shift stream per date.
"""

from __future__ import annotations

from uuid import UUID

from services.domain.volunteering.messages import Msg, VolunteeringRejected
from services.domain.volunteering.series import (
    EveryNWeeks,
    MonthlyOnWeekday,
    Recurrence,
    ScheduleShiftSeries,
    decide_series,
    expand_series,
    occurrence_dates,
    series_shift_id,
)
from services.domain.volunteering.shift import decide_shift
from services.domain.volunteering.shift_commands import (
    Attendance,
    CancelShift,
    CancelSignUp,
    ChangeShiftCapacity,
    MoveShift,
    RecordAttendance,
    RemoveSignUp,
    ScheduleShift,
    ShiftCommand,
    SignUp,
)
from services.domain.volunteering.shift_state import SHIFT_INITIAL, ShiftState, evolve_shift
from services.domain.volunteering.task import (
    TASK_INITIAL,
    AttestTaskAsAdditional,
    CancelTask,
    CompleteTask,
    DraftTask,
    PublishTask,
    ReviseTask,
    TaskCommand,
    TaskState,
    TaskStatus,
    decide_task,
    evolve_task,
)


def task_stream(task_id: UUID) -> str:
    return f"volunteer-task-{task_id}"


def shift_stream(shift_id: UUID) -> str:
    return f"volunteer-shift-{shift_id}"


__all__ = [
    "SHIFT_INITIAL",
    "TASK_INITIAL",
    "Attendance",
    "AttestTaskAsAdditional",
    "CancelShift",
    "CancelSignUp",
    "CancelTask",
    "ChangeShiftCapacity",
    "CompleteTask",
    "DraftTask",
    "EveryNWeeks",
    "MonthlyOnWeekday",
    "MoveShift",
    "Msg",
    "PublishTask",
    "RecordAttendance",
    "Recurrence",
    "RemoveSignUp",
    "ReviseTask",
    "ScheduleShift",
    "ScheduleShiftSeries",
    "ShiftCommand",
    "ShiftState",
    "SignUp",
    "TaskCommand",
    "TaskState",
    "TaskStatus",
    "VolunteeringRejected",
    "decide_series",
    "decide_shift",
    "decide_task",
    "evolve_shift",
    "evolve_task",
    "expand_series",
    "occurrence_dates",
    "series_shift_id",
    "shift_stream",
    "task_stream",
]
