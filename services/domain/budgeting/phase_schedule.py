"""The schedule moving a process: every phase change it makes due, decided as the scheduler.

`decide_by_schedule(process_id, state, now)` issues `AdvancePhase(by_schedule=True)` through
the process decider while `due_phase` names a next phase, folding each change before asking
again, so a process several phases overdue catches up in one append. Pure: no I/O, no clock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final
from uuid import UUID

from events.base import Event
from events.budgeting_common import Phase
from services.domain.budgeting.phases import due_phase
from services.domain.budgeting.process import (
    AdvancePhase,
    ProcessState,
    decide_process,
    evolve_process,
)
from services.domain.messages import BudgetingRejected

# A process cannot move more often than it has phases; the bound only guards the loop.
MAX_MOVES: Final = len(Phase)


def decide_by_schedule(
    process_id: UUID, state: ProcessState, now: datetime, max_moves: int = MAX_MOVES
) -> list[Event]:
    """The phase changes the schedule makes due at `now`, in order (none when nothing is due).

    A refusal of the first change (voting without a ballot, results before every allocation
    is decided) is raised as the decider's `BudgetingRejected`; a refusal after some changes
    keeps those, and the refused one is asked again (and refused with its reason) next time.
    """
    events: list[Event] = []
    for _ in range(max_moves):
        to_phase = due_phase(state.phase, state.schedule, now)
        if to_phase is None:
            break
        command = AdvancePhase(process_id, to_phase, now, by_schedule=True)
        try:
            decided = decide_process(command, state)
        except BudgetingRejected:
            if not events:
                raise
            break
        for event in decided:
            state = evolve_process(state, event)
        events.extend(decided)
    return events
