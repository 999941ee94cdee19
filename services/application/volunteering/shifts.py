"""The use cases on shifts: every command on a shift's stream goes through this process's
`ShiftWriter`; a series is decided whole before any of its shifts is recorded; a sign-up seals
the person's contact details in the vault and keeps them only if the sign-up is recorded; a
roster is shown only to who manages the task."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from events.base import Actor, Event, Role
from events.volunteering import Placement, VolunteerSignedUp
from services.application.commands import Meta, load
from services.application.volunteering.streams import SHIFT, TASK, manages
from services.application.volunteering.writer import Outcome, ShiftWriter
from services.domain import volunteering as v
from services.personal_data import Vault
from services.store.eventstore import EventStore


async def on_shift(
    writer: ShiftWriter, command: v.ShiftCommand, meta: Meta, task_id: UUID | None = None
) -> Outcome:
    """Run one shift command through the writer for the shift's stream (`task_id` for a new
    shift)."""

    def decide(state: v.ShiftState, task: v.TaskState) -> list[Event]:
        return v.decide_shift(command, state, task)

    return await writer.submit(v.shift_stream(command.shift_id), decide, meta, task_id)


async def schedule_series(
    es: EventStore, writer: ShiftWriter, command: v.ScheduleShiftSeries, meta: Meta
) -> list[tuple[UUID, int]]:
    """Expand a recurring series into shifts, one stream each, and record them: each shift's
    id and its stream's version. Every shift is decided first, so a refusal records nothing; a
    retry with the same series id schedules nothing twice (an identical shift decides to no
    events)."""
    shifts = v.expand_series(command)
    task = (await load(es, TASK, v.task_stream(command.task_id))).state
    for shift in shifts:
        v.decide_shift(shift, v.SHIFT_INITIAL, task)
    recorded = []
    for shift in shifts:
        after = await on_shift(writer, shift, meta, task_id=command.task_id)
        recorded.append((shift.shift_id, after.version))
    return recorded


@dataclass(frozen=True)
class Standing:
    """Where a sign-up stands: confirmed, or waiting at `position`; `new` when this request
    recorded it (else it was there already, from an earlier try of the same request)."""

    placement: Placement
    position: int | None
    version: int
    new: bool


async def sign_up(
    writer: ShiftWriter,
    people: Vault,
    meta: Meta,
    *,
    shift_id: UUID,
    signup_id: UUID,
    participant: str,
    contact: dict[str, Any],
    birth_date: date,
    now: datetime,
) -> Standing:
    """Confirmed while places remain, else on the waiting list in order; refused (nothing
    recorded, nothing kept in the vault) when full, closed, too young or already signed up."""
    contact_ref = await people.seal(participant, contact)
    command = v.SignUp(shift_id, signup_id, participant, contact_ref, birth_date, now)
    try:
        after = await on_shift(writer, command, meta)
    except Exception:  # refused or failed: nothing recorded, so nothing kept
        await people.discard(contact_ref)
        raise
    new = next((e for e in after.stored if e.type == VolunteerSignedUp.type_name), None)
    if new is None:  # the same sign-up again (a retried request): where it stands
        await people.discard(contact_ref)
        placement, position = _standing(after.before, signup_id)
        return Standing(placement, position, after.version, new=False)
    placement = Placement(new.data["placement"])
    position = len(after.before.waiting) + 1 if placement is Placement.WAITING else None
    return Standing(placement, position, after.version, new=True)


def _standing(state: v.ShiftState, signup_id: UUID) -> tuple[Placement, int | None]:
    waiting = [e.signup_id for e in state.waiting]
    if signup_id in waiting:
        return Placement.WAITING, waiting.index(signup_id) + 1
    return Placement.CONFIRMED, None


async def shift_for_roster(es: EventStore, shift_id: UUID, actor: Actor) -> v.ShiftState:
    """The shift whose roster `actor` asks for: refused when there is no such shift, or when a
    citizen asks who does not manage its task."""
    shift = (await load(es, SHIFT, v.shift_stream(shift_id))).state
    if shift.task_id is None:
        raise v.VolunteeringRejected(v.Msg.SHIFT_NOT_FOUND)
    if actor.role is Role.CITIZEN and not await manages(es, shift.task_id, actor):
        raise v.VolunteeringRejected(v.Msg.NOT_ORGANIZER)
    return shift
