"""HTTP commands for volunteer tasks, shifts, sign-ups and attendance (`/api/v1`).

Each route fills in what the decision needs at the edge (ids, time, the caller's pseudonym),
calls a use case of `services.application.volunteering` and answers. Commands on one shift go
through this process's writer for that stream (made at start-up), which decides a queue of them
in order and appends them together; across processes the event store's expected version still
decides, and a lost race is decided again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Request, Response

from events.volunteering import Organizer
from services.api.deps import (
    Call,
    CitizenCall,
    IfMatch,
    Recorded,
    Store,
    WriterCall,
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
from services.api.volunteering.state import PeopleVault
from services.application import volunteering as use
from services.application.volunteering import ShiftWriter
from services.auth import pseudonym
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


def _details(body: TaskIn | TaskPatch) -> dict[str, Any]:
    """What a task body says of the task, as the command takes it (the organizer apart: its
    managers are pseudonymized first)."""
    return {name: getattr(body, name) for name in type(body).model_fields if name != "organizer"}


async def _task_command(
    call: Call, task_id: UUID, command: v.TaskCommand, expected_version: int | None = None
) -> Recorded:
    version = await use.on_task(call.store, command, call.meta(), expected_version)
    return Recorded(id=task_id, version=version)


@router.post("/tasks", status_code=201, response_model=Recorded)
async def draft_task(body: TaskIn, call: WriterCall) -> Recorded:
    task_id = uuid4()
    command = v.DraftTask(
        task_id=task_id,
        actor=call.actor,
        organizer=_organizer(call.request, body.organizer),
        **_details(body),
    )
    return await _task_command(call, task_id, command)


@router.patch("/tasks/{task_id}", response_model=Recorded)
async def revise_task(
    task_id: UUID,
    body: TaskPatch,
    call: WriterCall,
    expected: IfMatch,
) -> Recorded:
    command = v.ReviseTask(
        task_id=task_id,
        actor=call.actor,
        organizer=_organizer(call.request, body.organizer) if body.organizer else None,
        **_details(body),
    )
    return await _task_command(call, task_id, command, expected)


@router.post("/tasks/{task_id}/attest", response_model=Recorded)
async def attest_task(
    task_id: UUID,
    body: AttestIn,
    call: WriterCall,
) -> Recorded:
    command = v.AttestTaskAsAdditional(task_id, call.actor, body.statement)
    return await _task_command(call, task_id, command)


@router.post("/tasks/{task_id}/publish", response_model=Recorded)
async def publish_task(task_id: UUID, call: WriterCall) -> Recorded:
    return await _task_command(call, task_id, v.PublishTask(task_id, call.actor))


@router.post("/tasks/{task_id}/cancel", response_model=Recorded)
async def cancel_task(
    task_id: UUID,
    body: ReasonIn,
    call: WriterCall,
) -> Recorded:
    command = v.CancelTask(task_id, call.actor, body.reason)
    return await _task_command(call, task_id, command)


@router.post("/tasks/{task_id}/complete", response_model=Recorded)
async def complete_task(task_id: UUID, call: WriterCall) -> Recorded:
    return await _task_command(call, task_id, v.CompleteTask(task_id, call.actor))


# --- shifts ---------------------------------------------------------------------------------


async def _shift_command(
    writer: ShiftWriter, call: Call, command: v.ShiftCommand, answer_id: UUID | None = None
) -> Recorded:
    """Run one command on a shift's stream; answer its id (or `answer_id`'s: a sign-up's) and
    the stream's version after it."""
    after = await use.on_shift(writer, command, call.meta())
    return Recorded(id=answer_id or command.shift_id, version=after.version)


@router.post("/tasks/{task_id}/shifts", status_code=201, response_model=Recorded)
async def schedule_shift(
    task_id: UUID,
    body: ShiftIn,
    writer: Shifts,
    call: WriterCall,
) -> Recorded:
    shift_id = uuid4()
    command = v.ScheduleShift(
        task_id=task_id,
        shift_id=shift_id,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        capacity=body.capacity,
        waiting_list_limit=body.waiting_list_limit,
        actor=call.actor,
        now=_now(),
    )
    after = await use.on_shift(writer, command, call.meta(), task_id=task_id)
    return Recorded(id=shift_id, version=after.version)


@router.post("/tasks/{task_id}/shift-series", status_code=201, response_model=SeriesOut)
async def schedule_series(
    task_id: UUID,
    body: SeriesIn,
    es: Store,
    writer: Shifts,
    call: WriterCall,
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
        actor=call.actor,
        now=_now(),
    )
    meta = call.meta()
    recorded = await use.schedule_series(es, writer, command, meta)
    shifts = [Recorded(id=shift_id, version=version) for shift_id, version in recorded]
    return SeriesOut(series_id=series_id, shifts=shifts)


@router.post("/shifts/{shift_id}/move", response_model=Recorded)
async def move_shift(
    shift_id: UUID,
    body: MoveIn,
    writer: Shifts,
    call: WriterCall,
) -> Recorded:
    command = v.MoveShift(shift_id, body.starts_at, body.ends_at, call.actor, _now())
    return await _shift_command(writer, call, command)


@router.post("/shifts/{shift_id}/capacity", response_model=Recorded)
async def change_capacity(
    shift_id: UUID,
    body: CapacityIn,
    writer: Shifts,
    call: WriterCall,
) -> Recorded:
    command = v.ChangeShiftCapacity(shift_id, body.capacity, call.actor, _now())
    return await _shift_command(writer, call, command)


@router.post("/shifts/{shift_id}/cancel", response_model=Recorded)
async def cancel_shift(
    shift_id: UUID,
    body: ReasonIn,
    writer: Shifts,
    call: WriterCall,
) -> Recorded:
    command = v.CancelShift(shift_id, call.actor, _now(), body.reason)
    return await _shift_command(writer, call, command)


# --- sign-ups and attendance ----------------------------------------------------------------


@router.post("/shifts/{shift_id}/signups", status_code=201, response_model=SignUpOut)
async def sign_up(
    shift_id: UUID,
    body: SignUpIn,
    writer: Shifts,
    people: PeopleVault,
    response: Response,
    call: CitizenCall,
) -> SignUpOut:
    """Confirmed while places remain, else on the waiting list in order; refused (4xx, nothing
    recorded, nothing kept in the vault) when full, closed, too young or already signed up."""
    signup_id = body.signup_id or uuid4()
    standing = await use.sign_up(
        writer,
        people,
        call.meta(),
        shift_id=shift_id,
        signup_id=signup_id,
        participant=call.principal.subject,
        contact={"name": body.name, "phone": body.phone, "email": body.email},
        birth_date=body.birth_date,
        now=_now(),
    )
    if not standing.new:  # the same sign-up again (a retried request): where it stands
        response.status_code = 200
    return SignUpOut(
        signup_id=signup_id,
        shift_id=shift_id,
        placement=standing.placement.value,
        position=standing.position,
        version=standing.version,
    )


@router.post("/shifts/{shift_id}/signups/{signup_id}/cancel", response_model=Recorded)
async def cancel_sign_up(
    shift_id: UUID,
    signup_id: UUID,
    writer: Shifts,
    call: CitizenCall,
) -> Recorded:
    """The citizen cancels their own sign-up; a freed place goes to the first waiting."""
    command = v.CancelSignUp(shift_id, signup_id, call.principal.subject, _now())
    return await _shift_command(writer, call, command, signup_id)


@router.post("/shifts/{shift_id}/signups/{signup_id}/remove", response_model=Recorded)
async def remove_sign_up(
    shift_id: UUID,
    signup_id: UUID,
    body: RemoveIn,
    writer: Shifts,
    call: WriterCall,
) -> Recorded:
    """The organizer (or staff) removes a sign-up, with a reason the citizen is told."""
    command = v.RemoveSignUp(shift_id, signup_id, body.reason, call.actor, _now())
    return await _shift_command(writer, call, command, signup_id)


@router.post("/shifts/{shift_id}/attendance", response_model=Recorded)
async def record_attendance(
    shift_id: UUID,
    body: AttendanceIn,
    writer: Shifts,
    call: WriterCall,
) -> Recorded:
    """After the shift starts: attended (minutes, default the shift's length) or no-show."""
    command = v.RecordAttendance(
        shift_id=shift_id,
        entries=tuple(v.Attendance(e.signup_id, e.attended, e.minutes) for e in body.entries),
        actor=call.actor,
        now=_now(),
    )
    return await _shift_command(writer, call, command)
