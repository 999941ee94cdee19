"""Decider for one shift of a task: scheduling, changes, sign-ups, waiting list, attendance.

Stream: `volunteer-shift-{shift_id}`. Every sign-up of a shift is decided against this stream's
state and appended with the stream's expected version, so the event store's optimistic concurrency
serializes them: capacity can never be exceeded, and the waiting list order is the stream order.
One active sign-up per person per shift is a rule on this state (a person may sign up again after
cancelling, with a new sign-up id).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import assert_never
from uuid import UUID

from events.base import Actor, Event
from events.volunteering import (
    AttendanceRecorded,
    Placement,
    ShiftCancelled,
    ShiftCapacityChanged,
    ShiftMoved,
    ShiftScheduled,
    SignUpCancelled,
    SignUpPromoted,
    SignUpRemoved,
    SignUpRescheduled,
    SignUpVoided,
    VolunteerSignedUp,
)
from services.domain.volunteering.messages import Msg, VolunteeringRejected
from services.domain.volunteering.shift_commands import (
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
from services.domain.volunteering.shift_state import (
    Entry,
    ShiftState,
    age_on,
    local_date,
)
from services.domain.volunteering.task import TaskState, TaskStatus, may_manage

MAX_SHIFT_LENGTH = timedelta(hours=24)
MAX_MINUTES = 24 * 60


# --- decide ----------------------------------------------------------------------------------


def decide_shift(command: ShiftCommand, state: ShiftState, task: TaskState) -> list[Event]:
    """Decide a shift command; `task` is the state of the task the shift belongs to."""
    match command:
        case ScheduleShift():
            return _schedule(command, state, task)
        case MoveShift():
            _require_manageable(state, task, command.actor, command.now)
            assert state.task_id is not None and state.starts_at and state.ends_at
            _check_times(command.starts_at, command.ends_at, command.now)
            if (command.starts_at, command.ends_at) == (state.starts_at, state.ends_at):
                return []
            ids = {"task_id": state.task_id, "shift_id": command.shift_id}
            return [
                ShiftMoved(
                    **ids,
                    starts_at=command.starts_at,
                    ends_at=command.ends_at,
                    previous_starts_at=state.starts_at,
                    previous_ends_at=state.ends_at,
                ),
                *(
                    SignUpRescheduled(
                        **ids,
                        signup_id=e.signup_id,
                        participant=e.participant,
                        placement=p,
                        starts_at=command.starts_at,
                        ends_at=command.ends_at,
                    )
                    for e, p in state.active()
                ),
            ]
        case ChangeShiftCapacity():
            _require_manageable(state, task, command.actor, command.now)
            assert state.task_id is not None
            if command.capacity < 1:
                raise VolunteeringRejected(Msg.CAPACITY_INVALID)
            if command.capacity < len(state.confirmed):
                raise VolunteeringRejected(
                    Msg.CAPACITY_BELOW_CONFIRMED,
                    confirmed=len(state.confirmed),
                    capacity=command.capacity,
                )
            if command.capacity == state.capacity:
                return []
            free = command.capacity - len(state.confirmed)
            return [
                ShiftCapacityChanged(
                    task_id=state.task_id,
                    shift_id=command.shift_id,
                    capacity=command.capacity,
                    previous_capacity=state.capacity,
                ),
                *_promote(state, state.waiting[:free]),
            ]
        case CancelShift():
            _require_manageable(state, task, command.actor, command.now)
            assert state.task_id is not None
            ids = {"task_id": state.task_id, "shift_id": command.shift_id}
            return [
                ShiftCancelled(**ids, reason=command.reason),
                *(
                    SignUpVoided(
                        **ids,
                        signup_id=e.signup_id,
                        participant=e.participant,
                        placement=p,
                        reason=command.reason,
                    )
                    for e, p in state.active()
                ),
            ]
        case SignUp():
            return _sign_up(command, state, task)
        case CancelSignUp():
            entry, placement = _require_active_before_start(state, command.signup_id, command.now)
            if entry.participant != command.participant:
                raise VolunteeringRejected(Msg.NOT_YOUR_SIGNUP)
            assert state.task_id is not None
            return [
                SignUpCancelled(
                    task_id=state.task_id,
                    shift_id=command.shift_id,
                    signup_id=entry.signup_id,
                    participant=entry.participant,
                    placement=placement,
                ),
                *_promote_after_leaving(state, placement),
            ]
        case RemoveSignUp():
            _require_task_manager(state, task, command.actor)
            if not command.reason.strip():
                raise VolunteeringRejected(Msg.REASON_REQUIRED)
            entry, placement = _require_active_before_start(state, command.signup_id, command.now)
            assert state.task_id is not None
            return [
                SignUpRemoved(
                    task_id=state.task_id,
                    shift_id=command.shift_id,
                    signup_id=entry.signup_id,
                    participant=entry.participant,
                    placement=placement,
                    reason=command.reason,
                    removed_by=command.actor.subject,
                ),
                *_promote_after_leaving(state, placement),
            ]
        case RecordAttendance():
            return _record_attendance(command, state, task)
        case _:
            assert_never(command)


def _schedule(command: ScheduleShift, state: ShiftState, task: TaskState) -> list[Event]:
    if task.status is TaskStatus.NONE or task.task_id != command.task_id:
        raise VolunteeringRejected(Msg.TASK_NOT_FOUND)
    if not may_manage(task, command.actor):
        raise VolunteeringRejected(Msg.NOT_ORGANIZER)
    if state.scheduled is not None:
        # The same order again (e.g. a retried series) is a no-op; anything else a conflict.
        if _schedule_fields(state.scheduled) == _schedule_fields(command):
            return []
        raise VolunteeringRejected(Msg.SHIFT_EXISTS)
    if task.status in (TaskStatus.CANCELLED, TaskStatus.COMPLETED):
        raise VolunteeringRejected(Msg.TASK_CLOSED)
    _check_times(command.starts_at, command.ends_at, command.now)
    if command.capacity < 1 or command.waiting_list_limit < 0:
        raise VolunteeringRejected(Msg.CAPACITY_INVALID)
    return [
        ShiftScheduled(
            task_id=command.task_id,
            shift_id=command.shift_id,
            starts_at=command.starts_at,
            ends_at=command.ends_at,
            capacity=command.capacity,
            waiting_list_limit=command.waiting_list_limit,
            series_id=command.series_id,
        )
    ]


def _schedule_fields(s: ScheduleShift | ShiftScheduled) -> tuple[object, ...]:
    return (
        s.task_id,
        s.shift_id,
        s.starts_at,
        s.ends_at,
        s.capacity,
        s.waiting_list_limit,
        s.series_id,
    )


def _sign_up(command: SignUp, state: ShiftState, task: TaskState) -> list[Event]:
    _require_live_shift(state, task)
    assert state.task_id is not None and state.starts_at is not None
    found = state.find(command.signup_id)
    if found is not None and found[0].participant == command.participant:
        return []  # the same sign-up again (a retried request): already done
    if task.status in (TaskStatus.CANCELLED, TaskStatus.COMPLETED):
        raise VolunteeringRejected(Msg.TASK_CLOSED)
    if task.status is not TaskStatus.PUBLISHED:
        raise VolunteeringRejected(Msg.TASK_NOT_PUBLISHED)
    closes_at = state.starts_at - timedelta(minutes=task.signup_closes_minutes_before)
    if command.now >= closes_at:
        raise VolunteeringRejected(Msg.SIGNUP_CLOSED)
    if age_on(command.birth_date, local_date(state.starts_at)) < task.minimum_age:
        raise VolunteeringRejected(Msg.TOO_YOUNG, minimum_age=task.minimum_age)
    if any(e.participant == command.participant for e, _ in state.active()):
        raise VolunteeringRejected(Msg.ALREADY_SIGNED_UP)
    if command.signup_id in state.used_ids:
        raise VolunteeringRejected(Msg.SIGNUP_ID_TAKEN)
    if len(state.confirmed) < state.capacity:
        placement = Placement.CONFIRMED
    elif len(state.waiting) < state.waiting_list_limit:
        placement = Placement.WAITING
    else:
        raise VolunteeringRejected(Msg.SHIFT_FULL)
    return [
        VolunteerSignedUp(
            task_id=state.task_id,
            shift_id=command.shift_id,
            signup_id=command.signup_id,
            participant=command.participant,
            contact_ref=command.contact_ref,
            placement=placement,
        )
    ]


def _record_attendance(
    command: RecordAttendance, state: ShiftState, task: TaskState
) -> list[Event]:
    _require_task_manager(state, task, command.actor)
    if state.cancelled:
        raise VolunteeringRejected(Msg.SHIFT_CANCELLED)
    assert state.task_id is not None and state.starts_at and state.ends_at
    if command.now < state.starts_at:
        raise VolunteeringRejected(Msg.SHIFT_NOT_STARTED)
    length = min(int((state.ends_at - state.starts_at).total_seconds()) // 60, MAX_MINUTES)
    confirmed = {e.signup_id: e for e in state.confirmed}
    events: list[Event] = []
    for entry in command.entries:
        if entry.signup_id not in confirmed:
            if state.find(entry.signup_id) is None:
                raise VolunteeringRejected(Msg.SIGNUP_NOT_FOUND)
            raise VolunteeringRejected(Msg.NOT_CONFIRMED)
        minutes = (length if entry.minutes is None else entry.minutes) if entry.attended else 0
        if entry.attended and not 1 <= minutes <= MAX_MINUTES:
            raise VolunteeringRejected(Msg.MINUTES_INVALID)
        if not entry.attended and entry.minutes not in (None, 0):
            raise VolunteeringRejected(Msg.MINUTES_INVALID)
        events.append(
            AttendanceRecorded(
                task_id=state.task_id,
                shift_id=command.shift_id,
                signup_id=entry.signup_id,
                participant=confirmed[entry.signup_id].participant,
                attended=entry.attended,
                minutes=minutes,
                recorded_by=command.actor.subject,
            )
        )
    return events


def _require_live_shift(state: ShiftState, task: TaskState) -> None:
    if not state.exists:
        raise VolunteeringRejected(Msg.SHIFT_NOT_FOUND)
    if task.task_id != state.task_id:
        raise VolunteeringRejected(Msg.SHIFT_WRONG_TASK)
    if state.cancelled:
        raise VolunteeringRejected(Msg.SHIFT_CANCELLED)


def _require_task_manager(state: ShiftState, task: TaskState, actor: Actor) -> None:
    if not state.exists:
        raise VolunteeringRejected(Msg.SHIFT_NOT_FOUND)
    if task.task_id != state.task_id:
        raise VolunteeringRejected(Msg.SHIFT_WRONG_TASK)
    if not may_manage(task, actor):
        raise VolunteeringRejected(Msg.NOT_ORGANIZER)


def _require_manageable(state: ShiftState, task: TaskState, actor: Actor, now: datetime) -> None:
    """A live shift, not yet started, managed by the actor."""
    _require_task_manager(state, task, actor)
    _require_live_shift(state, task)
    assert state.starts_at is not None
    if now >= state.starts_at:
        raise VolunteeringRejected(Msg.SHIFT_STARTED)


def _require_active_before_start(
    state: ShiftState, signup_id: UUID, now: datetime
) -> tuple[Entry, Placement]:
    if not state.exists:
        raise VolunteeringRejected(Msg.SHIFT_NOT_FOUND)
    found = state.find(signup_id)
    if found is None:
        raise VolunteeringRejected(Msg.SIGNUP_NOT_FOUND)
    assert state.starts_at is not None
    if now >= state.starts_at:
        raise VolunteeringRejected(Msg.SHIFT_STARTED)
    return found


def _check_times(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    if starts_at.utcoffset() is None or ends_at.utcoffset() is None:
        raise VolunteeringRejected(Msg.SHIFT_TIMES_INVALID)
    if not starts_at < ends_at <= starts_at + MAX_SHIFT_LENGTH:
        raise VolunteeringRejected(Msg.SHIFT_TIMES_INVALID)
    if starts_at <= now:
        raise VolunteeringRejected(Msg.SHIFT_IN_PAST)


def _promote_after_leaving(state: ShiftState, placement: Placement) -> list[Event]:
    """A confirmed place freed by a leaver goes to the first waiting, if places allow."""
    if placement is not Placement.CONFIRMED:
        return []
    free = state.capacity - (len(state.confirmed) - 1)
    return _promote(state, state.waiting[: max(free, 0)])


def _promote(state: ShiftState, entries: tuple[Entry, ...]) -> list[Event]:
    assert state.task_id is not None and state.shift_id is not None
    return [
        SignUpPromoted(
            task_id=state.task_id,
            shift_id=state.shift_id,
            signup_id=e.signup_id,
            participant=e.participant,
        )
        for e in entries
    ]
