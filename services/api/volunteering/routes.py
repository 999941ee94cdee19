"""HTTP commands for volunteer tasks, shifts, sign-ups and attendance (`/api/v1`).

Each route fills in what the decision needs at the edge (ids, time, the caller's pseudonym,
sealed contact details) and runs load → decide → append. Commands on one shift go through this
process's writer for that stream (`writer`), which decides a queue of them in order
and appends them together; across processes the event store's expected version still decides,
and a lost race is decided again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Request, Response

from events.base import Event
from events.volunteering import Organizer, Placement, VolunteerSignedUp
from services.api.deps import (
    Citizen,
    CorrelationId,
    IfMatch,
    Recorded,
    Store,
    Writer,
    meta_for,
    store,
)
from services.api.volunteering.models import (
    AttendanceIn,
    AttestIn,
    CapacityIn,
    MoveIn,
    OrganizerIn,
    ReasonIn,
    RemoveIn,
    SeriesIn,
    SeriesOut,
    ShiftIn,
    SignUpIn,
    SignUpOut,
    TaskIn,
    TaskPatch,
)
from services.api.volunteering.queries import router as queries_router
from services.api.volunteering.state import TASK, PeopleVault
from services.api.volunteering.writer import Outcome, ShiftWriter
from services.application.commands import load, run_command
from services.auth import Principal, pseudonym
from services.domain import volunteering as v

router = APIRouter(prefix="/api/v1", tags=["volunteering"])
router.include_router(queries_router)


def _writer(request: Request) -> ShiftWriter:
    """This API process's shift writer, made at start-up."""
    found: ShiftWriter = request.app.state.shift_writer
    return found


Shifts = Annotated[ShiftWriter, Depends(_writer)]


def _now() -> datetime:
    return datetime.now(UTC)


def _organizer(request: Request, body: OrganizerIn) -> Organizer:
    keys = request.app.state.keys
    return Organizer(
        kind=body.kind,
        name=body.name,
        managers=tuple(pseudonym(keys.pseudonym, m) for m in body.managers),
    )


# --- tasks ----------------------------------------------------------------------------------


async def _task_command(
    request: Request,
    principal: Principal,
    task_id: UUID,
    command: v.TaskCommand,
    correlation: str | None,
    expected_version: int | None = None,
) -> Recorded:
    version, _ = await run_command(
        store(request),
        TASK,
        v.task_stream(task_id),
        lambda state: v.decide_task(command, state),
        meta_for(principal, correlation),
        expected_version,
    )
    return Recorded(id=task_id, version=version)


@router.post("/tasks", status_code=201, response_model=Recorded)
async def draft_task(
    body: TaskIn, request: Request, principal: Writer, x_correlation_id: CorrelationId = None
) -> Recorded:
    task_id = uuid4()
    command = v.DraftTask(
        task_id=task_id,
        actor=meta_for(principal, None).actor,
        organizer=_organizer(request, body.organizer),
        local_area=body.local_area,
        core_task=body.core_task,
        title=body.title,
        description=body.description,
        work=body.work,
        provided=body.provided,
        place=body.place,
        minimum_age=body.minimum_age,
        accessibility=body.accessibility,
        signup_closes_minutes_before=body.signup_closes_minutes_before,
    )
    return await _task_command(request, principal, task_id, command, x_correlation_id)


@router.patch("/tasks/{task_id}", response_model=Recorded)
async def revise_task(
    task_id: UUID,
    body: TaskPatch,
    request: Request,
    principal: Writer,
    expected: IfMatch,
    x_correlation_id: CorrelationId = None,
) -> Recorded:
    command = v.ReviseTask(
        task_id=task_id,
        actor=meta_for(principal, None).actor,
        organizer=_organizer(request, body.organizer) if body.organizer else None,
        local_area=body.local_area,
        core_task=body.core_task,
        title=body.title,
        description=body.description,
        work=body.work,
        provided=body.provided,
        place=body.place,
        minimum_age=body.minimum_age,
        accessibility=body.accessibility,
        signup_closes_minutes_before=body.signup_closes_minutes_before,
    )
    return await _task_command(request, principal, task_id, command, x_correlation_id, expected)


@router.post("/tasks/{task_id}/attest", response_model=Recorded)
async def attest_task(
    task_id: UUID,
    body: AttestIn,
    request: Request,
    principal: Writer,
    x_correlation_id: CorrelationId = None,
) -> Recorded:
    actor = meta_for(principal, None).actor
    command = v.AttestTaskAsAdditional(task_id, actor, body.statement)
    return await _task_command(request, principal, task_id, command, x_correlation_id)


@router.post("/tasks/{task_id}/publish", response_model=Recorded)
async def publish_task(
    task_id: UUID, request: Request, principal: Writer, x_correlation_id: CorrelationId = None
) -> Recorded:
    command = v.PublishTask(task_id, meta_for(principal, None).actor)
    return await _task_command(request, principal, task_id, command, x_correlation_id)


@router.post("/tasks/{task_id}/cancel", response_model=Recorded)
async def cancel_task(
    task_id: UUID,
    body: ReasonIn,
    request: Request,
    principal: Writer,
    x_correlation_id: CorrelationId = None,
) -> Recorded:
    command = v.CancelTask(task_id, meta_for(principal, None).actor, body.reason)
    return await _task_command(request, principal, task_id, command, x_correlation_id)


@router.post("/tasks/{task_id}/complete", response_model=Recorded)
async def complete_task(
    task_id: UUID, request: Request, principal: Writer, x_correlation_id: CorrelationId = None
) -> Recorded:
    command = v.CompleteTask(task_id, meta_for(principal, None).actor)
    return await _task_command(request, principal, task_id, command, x_correlation_id)


# --- shifts ---------------------------------------------------------------------------------


async def _shift_command(
    writer: ShiftWriter,
    principal: Principal,
    command: v.ShiftCommand,
    correlation: str | None,
    task_id: UUID | None = None,
) -> Outcome:
    """Run one shift command through this process's writer for the shift's stream (`task_id`
    for a new shift)."""

    def decide(state: v.ShiftState, task: v.TaskState) -> list[Event]:
        return v.decide_shift(command, state, task)

    return await writer.submit(
        v.shift_stream(command.shift_id), decide, meta_for(principal, correlation), task_id
    )


@router.post("/tasks/{task_id}/shifts", status_code=201, response_model=Recorded)
async def schedule_shift(
    task_id: UUID,
    body: ShiftIn,
    writer: Shifts,
    principal: Writer,
    x_correlation_id: CorrelationId = None,
) -> Recorded:
    shift_id = uuid4()
    command = v.ScheduleShift(
        task_id=task_id,
        shift_id=shift_id,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        capacity=body.capacity,
        waiting_list_limit=body.waiting_list_limit,
        actor=meta_for(principal, None).actor,
        now=_now(),
    )
    after = await _shift_command(
        writer,
        principal,
        command,
        x_correlation_id,
        task_id=task_id,
    )
    return Recorded(id=shift_id, version=after.version)


@router.post("/tasks/{task_id}/shift-series", status_code=201, response_model=SeriesOut)
async def schedule_series(
    task_id: UUID,
    body: SeriesIn,
    es: Store,
    writer: Shifts,
    principal: Writer,
    x_correlation_id: CorrelationId = None,
) -> SeriesOut:
    """Expand a recurring series into shifts, one stream each. A retry with the same
    `series_id` schedules nothing twice (an identical shift decides to no events)."""
    recurrence: v.Recurrence = (
        v.MonthlyOnWeekday(body.recurrence.weekday, body.recurrence.nth)
        if body.recurrence.kind == "monthly"
        else v.EveryNWeeks(body.recurrence.weeks)
    )
    series_id = body.series_id or uuid4()
    command = v.ScheduleShiftSeries(
        task_id=task_id,
        series_id=series_id,
        recurrence=recurrence,
        first_date=body.first_date,
        count=body.count,
        start_time=body.start_time,
        end_time=body.end_time,
        capacity=body.capacity,
        waiting_list_limit=body.waiting_list_limit,
        actor=meta_for(principal, None).actor,
        now=_now(),
    )
    shifts = v.expand_series(command)
    task = (await load(es, TASK, v.task_stream(task_id))).state
    for shift in shifts:  # decide every shift first: a refusal records nothing
        v.decide_shift(shift, v.SHIFT_INITIAL, task)
    results = []
    for shift in shifts:
        after = await _shift_command(
            writer,
            principal,
            shift,
            x_correlation_id,
            task_id=task_id,
        )
        results.append(Recorded(id=shift.shift_id, version=after.version))
    return SeriesOut(series_id=series_id, shifts=results)


@router.post("/shifts/{shift_id}/move", response_model=Recorded)
async def move_shift(
    shift_id: UUID,
    body: MoveIn,
    writer: Shifts,
    principal: Writer,
    x_correlation_id: CorrelationId = None,
) -> Recorded:
    command = v.MoveShift(
        shift_id, body.starts_at, body.ends_at, meta_for(principal, None).actor, _now()
    )
    after = await _shift_command(writer, principal, command, x_correlation_id)
    return Recorded(id=shift_id, version=after.version)


@router.post("/shifts/{shift_id}/capacity", response_model=Recorded)
async def change_capacity(
    shift_id: UUID,
    body: CapacityIn,
    writer: Shifts,
    principal: Writer,
    x_correlation_id: CorrelationId = None,
) -> Recorded:
    command = v.ChangeShiftCapacity(
        shift_id, body.capacity, meta_for(principal, None).actor, _now()
    )
    after = await _shift_command(writer, principal, command, x_correlation_id)
    return Recorded(id=shift_id, version=after.version)


@router.post("/shifts/{shift_id}/cancel", response_model=Recorded)
async def cancel_shift(
    shift_id: UUID,
    body: ReasonIn,
    writer: Shifts,
    principal: Writer,
    x_correlation_id: CorrelationId = None,
) -> Recorded:
    command = v.CancelShift(shift_id, meta_for(principal, None).actor, _now(), body.reason)
    after = await _shift_command(writer, principal, command, x_correlation_id)
    return Recorded(id=shift_id, version=after.version)


# --- sign-ups and attendance ----------------------------------------------------------------


@router.post("/shifts/{shift_id}/signups", status_code=201, response_model=SignUpOut)
async def sign_up(
    shift_id: UUID,
    body: SignUpIn,
    writer: Shifts,
    people: PeopleVault,
    response: Response,
    principal: Citizen,
    x_correlation_id: CorrelationId = None,
) -> SignUpOut:
    """Confirmed while places remain, else on the waiting list in order; refused (4xx, nothing
    recorded, nothing kept in the vault) when full, closed, too young or already signed up."""
    signup_id = body.signup_id or uuid4()
    contact = {"name": body.name, "phone": body.phone, "email": body.email}
    contact_ref = await people.seal(principal.subject, contact)
    command = v.SignUp(
        shift_id=shift_id,
        signup_id=signup_id,
        participant=principal.subject,
        contact_ref=contact_ref,
        birth_date=body.birth_date,
        now=_now(),
    )
    try:
        after = await _shift_command(
            writer,
            principal,
            command,
            x_correlation_id,
        )
    except Exception:  # refused or failed: nothing recorded, so nothing kept
        await people.discard(contact_ref)
        raise
    stored, state = after.stored, after.before
    new = next((e for e in stored if e.type == VolunteerSignedUp.type_name), None)
    if new is not None:
        placement = Placement(new.data["placement"])
        position = len(state.waiting) + 1 if placement is Placement.WAITING else None
    else:  # the same sign-up again (a retried request): answer where it stands
        await people.discard(contact_ref)
        response.status_code = 200
        placement, position = _standing(state, signup_id)
    return SignUpOut(
        signup_id=signup_id,
        shift_id=shift_id,
        placement=placement.value,
        position=position,
        version=after.version,
    )


def _standing(state: v.ShiftState, signup_id: UUID) -> tuple[Placement, int | None]:
    waiting = [e.signup_id for e in state.waiting]
    if signup_id in waiting:
        return Placement.WAITING, waiting.index(signup_id) + 1
    return Placement.CONFIRMED, None


@router.post("/shifts/{shift_id}/signups/{signup_id}/cancel", response_model=Recorded)
async def cancel_sign_up(
    shift_id: UUID,
    signup_id: UUID,
    writer: Shifts,
    principal: Citizen,
    x_correlation_id: CorrelationId = None,
) -> Recorded:
    """The citizen cancels their own sign-up; a freed place goes to the first waiting."""
    command = v.CancelSignUp(shift_id, signup_id, principal.subject, _now())
    after = await _shift_command(writer, principal, command, x_correlation_id)
    return Recorded(id=signup_id, version=after.version)


@router.post("/shifts/{shift_id}/signups/{signup_id}/remove", response_model=Recorded)
async def remove_sign_up(
    shift_id: UUID,
    signup_id: UUID,
    body: RemoveIn,
    writer: Shifts,
    principal: Writer,
    x_correlation_id: CorrelationId = None,
) -> Recorded:
    """The organizer (or staff) removes a sign-up, with a reason the citizen is told."""
    command = v.RemoveSignUp(
        shift_id, signup_id, body.reason, meta_for(principal, None).actor, _now()
    )
    after = await _shift_command(writer, principal, command, x_correlation_id)
    return Recorded(id=signup_id, version=after.version)


@router.post("/shifts/{shift_id}/attendance", response_model=Recorded)
async def record_attendance(
    shift_id: UUID,
    body: AttendanceIn,
    writer: Shifts,
    principal: Writer,
    x_correlation_id: CorrelationId = None,
) -> Recorded:
    """After the shift starts: attended (minutes, default the shift's length) or no-show."""
    command = v.RecordAttendance(
        shift_id=shift_id,
        entries=tuple(v.Attendance(e.signup_id, e.attended, e.minutes) for e in body.entries),
        actor=meta_for(principal, None).actor,
        now=_now(),
    )
    after = await _shift_command(writer, principal, command, x_correlation_id)
    return Recorded(id=shift_id, version=after.version)
