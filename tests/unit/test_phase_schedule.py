"""Given/when/then for the schedule moving a process, and for picking the processes it is due."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, cast
from uuid import uuid4

import pytest

from events.base import Event
from events.budgeting import ApprovalRules, Phase, PhaseChanged
from services.domain.budgeting.phase_schedule import decide_by_schedule
from services.domain.budgeting.process import SchedulePhase, SetBallotRules
from services.domain.messages import BudgetingRejected, Msg
from services.scheduler.scheduler import PhaseScheduler, Tick, due_processes
from tests.unit.budgeting_given import World

DAY = timedelta(days=1)


def moves(events: Sequence[Event]) -> list[tuple[Phase, Phase]]:
    assert all(isinstance(e, PhaseChanged) for e in events)
    return [(e.from_phase, e.to_phase) for e in events if isinstance(e, PhaseChanged)]


def test_a_phase_whose_start_has_passed_is_entered_by_schedule_at_now() -> None:
    w = World(Phase.DRAFT)
    w.apply(SchedulePhase(w.process_id, Phase.IDEAS, starts_at=w.now - DAY))
    events = decide_by_schedule(w.process_id, w.process, w.now)
    assert moves(events) == [(Phase.DRAFT, Phase.IDEAS)]
    (event,) = events
    assert isinstance(event, PhaseChanged) and event.by_schedule and event.at == w.now


def test_nothing_is_decided_before_the_scheduled_start() -> None:
    w = World(Phase.DRAFT)
    w.apply(SchedulePhase(w.process_id, Phase.IDEAS, starts_at=w.now + DAY))
    assert decide_by_schedule(w.process_id, w.process, w.now) == []


def test_a_process_without_a_schedule_is_never_moved() -> None:
    w = World(Phase.DRAFT)
    assert decide_by_schedule(w.process_id, w.process, w.now + 365 * DAY) == []


def test_a_process_several_phases_overdue_catches_up_in_order() -> None:
    w = World(Phase.DRAFT)
    w.apply(SchedulePhase(w.process_id, Phase.IDEAS, w.now - 3 * DAY, w.now - 2 * DAY))
    w.apply(SchedulePhase(w.process_id, Phase.REVIEW, ends_at=w.now - DAY))
    events = decide_by_schedule(w.process_id, w.process, w.now)
    # review ended: supports is not scheduled, so the schedule goes on to voting, which
    # refuses (no ballot rules); the two moves before it are kept
    assert moves(events) == [(Phase.DRAFT, Phase.IDEAS), (Phase.IDEAS, Phase.REVIEW)]


def test_a_refused_first_move_is_the_deciders_refusal() -> None:
    w = World(Phase.DRAFT)
    w.apply(SetBallotRules(w.process_id, ApprovalRules(max_selections=3)))
    w.advance(Phase.IDEAS)
    w.advance(Phase.REVIEW)
    w.apply(SchedulePhase(w.process_id, Phase.VOTING, starts_at=w.now - DAY))
    with pytest.raises(BudgetingRejected) as err:
        decide_by_schedule(w.process_id, w.process, w.now)
    assert err.value.code is Msg.VOTING_NEEDS_BALLOT


def test_the_moves_are_bounded() -> None:
    w = World(Phase.DRAFT)
    w.apply(SchedulePhase(w.process_id, Phase.IDEAS, w.now - 3 * DAY, w.now - 2 * DAY))
    w.apply(SchedulePhase(w.process_id, Phase.REVIEW, ends_at=w.now - DAY))
    assert moves(decide_by_schedule(w.process_id, w.process, w.now, max_moves=1)) == [
        (Phase.DRAFT, Phase.IDEAS)
    ]


def test_the_read_model_names_only_processes_with_a_due_phase() -> None:
    due, later, ended = uuid4(), uuid4(), uuid4()
    w = World()
    rows = [
        (due, "draft", "ideas", w.now - DAY, None),
        (due, "draft", "voting", w.now + DAY, None),
        (later, "draft", "ideas", w.now + DAY, None),
        (later, "draft", "review", w.now - DAY, None),  # not next after draft
        (ended, "ideas", "ideas", None, w.now),
    ]
    assert due_processes(rows, w.now) == [due, ended]


async def test_the_scheduler_is_ready_only_while_its_ticks_succeed_on_time() -> None:
    clock = [World().now]
    scheduler = PhaseScheduler(cast(Any, None), cast(Any, None), 15, clock=lambda: clock[0])
    assert (await scheduler.ready())[0] is False  # no tick yet
    scheduler.last_tick, scheduler.last = clock[0], Tick()
    assert (await scheduler.ready())[0] is True
    clock[0] += timedelta(seconds=59)
    assert (await scheduler.ready())[0] is True  # three intervals, at least a minute
    clock[0] += timedelta(seconds=2)
    assert (await scheduler.ready())[0] is False
    scheduler.last_tick, scheduler.last = clock[0], Tick(failed=[uuid4()])
    ok, checks = await scheduler.ready()
    assert not ok and checks["failed_processes"] == "1"
