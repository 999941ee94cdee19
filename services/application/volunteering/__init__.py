"""The volunteering use cases: tasks (`tasks`), shifts, series, sign-ups and rosters (`shifts`),
the writer that runs a shift stream's commands in order (`writer`), and how the streams fold
(`streams`). The HTTP routes parse, call one of these and answer."""

from __future__ import annotations

from services.application.volunteering.shifts import (
    Standing,
    on_shift,
    schedule_series,
    shift_for_roster,
    sign_up,
)
from services.application.volunteering.streams import SHIFT, TASK, manages
from services.application.volunteering.tasks import on_task
from services.application.volunteering.writer import Outcome, ShiftWriter, WriterStopped

__all__ = [
    "SHIFT",
    "TASK",
    "Outcome",
    "ShiftWriter",
    "Standing",
    "WriterStopped",
    "manages",
    "on_shift",
    "on_task",
    "schedule_series",
    "shift_for_roster",
    "sign_up",
]
