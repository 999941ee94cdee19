"""Reads of the volunteering read models: open tasks, one task, rosters, my shifts, hours, and
iCalendar feeds. Everything comes from the projection's schema; contact details come from the
vault at query time (so an erased person shows as erased)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Query, Request, Response

from events.base import Actor, Role
from events.volunteering import Place, Text
from projections.volunteering.projection import SPEC
from services.api.deps import Citizen, MaybePrincipal, Overseer, Reader, pool, store
from services.api.refusals import language_of
from services.api.volunteering.ics import CalendarEvent, Status, calendar
from services.api.volunteering.models import (
    MyShift,
    ParticipationRow,
    RosterEntry,
    RosterOut,
    ShiftOut,
    TaskOut,
)
from services.api.volunteering.state import vault
from services.application.volunteering import shift_for_roster
from services.auth import Principal
from services.domain import volunteering as v

router = APIRouter()
S = SPEC.default_schema
ICS = "text/calendar; charset=utf-8"
CALENDAR: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {}}, "description": "An iCalendar file"}
}
Month = Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]

_SHIFTS = f"""
select s.*,
       count(g.signup_id) filter (where g.status = 'confirmed') as confirmed,
       count(g.signup_id) filter (where g.status = 'waiting') as waiting
from {S}.shifts s left join {S}.signups g on g.shift_id = s.shift_id
"""


def _shift(r: asyncpg.Record) -> ShiftOut:
    free = max(r["capacity"] - r["confirmed"], 0) if r["status"] == "scheduled" else 0
    return ShiftOut(
        shift_id=r["shift_id"],
        task_id=r["task_id"],
        starts_at=r["starts_at"],
        ends_at=r["ends_at"],
        capacity=r["capacity"],
        confirmed=r["confirmed"],
        waiting=r["waiting"],
        free_places=free,
        waiting_list_limit=r["waiting_list_limit"],
        status=r["status"],
        version=r["version"],
    )


def _task(r: asyncpg.Record, shifts: list[ShiftOut]) -> TaskOut:
    return TaskOut(
        task_id=r["task_id"],
        status=r["status"],
        organizer={"kind": r["organizer_kind"], "name": r["organizer_name"]},
        local_area=r["local_area"],
        core_task=r["core_task"],
        title=Text(**r["title"]),
        description=Text(**r["description"]),
        work=Text(**r["work"]),
        provided=Text(**r["provided"]),
        accessibility=Text(**r["accessibility"]),
        place=Place(address=r["address"], latitude=r["latitude"], longitude=r["longitude"]),
        minimum_age=r["minimum_age"],
        signup_closes_minutes_before=r["signup_closes_minutes_before"],
        attested=r["attested"],
        version=r["version"],
        free_places=sum(s.free_places for s in shifts),
        shifts=shifts,
    )


@router.get("/tasks", response_model=list[TaskOut], tags=["volunteering"])
async def open_tasks(
    request: Request,
    local_area: str | None = None,
    core_task: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    free_only: bool = False,
) -> list[TaskOut]:
    """Published tasks with shifts still open for sign-up, by local area, core task and
    (local) date; `free_only` keeps shifts with a free place."""
    db = pool(request)
    rows = await db.fetch(
        f"""{_SHIFTS}
        join {S}.tasks t on t.task_id = s.task_id
        where t.status = 'published' and s.status = 'scheduled'
          and s.starts_at - make_interval(mins => t.signup_closes_minutes_before) > now()
          and ($1::text is null or t.local_area = $1)
          and ($2::text is null or t.core_task = $2)
          and ($3::date is null or (s.starts_at at time zone 'Europe/Copenhagen')::date >= $3)
          and ($4::date is null or (s.starts_at at time zone 'Europe/Copenhagen')::date <= $4)
        group by s.shift_id
        order by s.starts_at, s.shift_id""",
        local_area,
        core_task,
        date_from,
        date_to,
    )
    shifts: dict[UUID, list[ShiftOut]] = {}
    for r in rows:
        shift = _shift(r)
        if free_only and shift.free_places == 0:
            continue
        shifts.setdefault(shift.task_id, []).append(shift)
    tasks = {
        t["task_id"]: t
        for t in await db.fetch(
            f"select * from {S}.tasks where task_id = any($1::uuid[])", list(shifts)
        )
    }
    return [_task(tasks[task_id], found) for task_id, found in shifts.items()]


async def _visible_task(
    request: Request, task_id: UUID, principal: Principal | None
) -> asyncpg.Record:
    """The task's row; a draft only for those who manage it, staff and auditors."""
    row: asyncpg.Record | None = await pool(request).fetchrow(
        f"select * from {S}.tasks where task_id = $1", task_id
    )
    if row is None:
        raise v.VolunteeringRejected(v.Msg.TASK_NOT_FOUND)
    if row["status"] == "draft":
        insider = principal is not None and (
            principal.role in (Role.STAFF, Role.ADMIN, Role.AUDITOR)
            or principal.subject in row["managers"]
        )
        if not insider:
            raise v.VolunteeringRejected(v.Msg.TASK_NOT_FOUND)
    return row


async def _task_shifts(request: Request, task_id: UUID) -> list[ShiftOut]:
    rows = await pool(request).fetch(
        f"{_SHIFTS} where s.task_id = $1 group by s.shift_id order by s.starts_at, s.shift_id",
        task_id,
    )
    return [_shift(r) for r in rows]


@router.get("/tasks/{task_id}", response_model=TaskOut, tags=["volunteering"])
async def get_task(task_id: UUID, request: Request, principal: MaybePrincipal) -> TaskOut:
    row = await _visible_task(request, task_id, principal)
    return _task(row, await _task_shifts(request, task_id))


@router.get("/tasks/{task_id}/shifts.ics", tags=["volunteering"], responses=CALENDAR)
async def task_calendar(task_id: UUID, request: Request, principal: MaybePrincipal) -> Response:
    """Every shift of the task as iCalendar; cancelled shifts stay, marked CANCELLED."""
    row = await _visible_task(request, task_id, principal)
    lang = language_of(request.headers)
    events = [
        _calendar_event(
            row, shift, "CANCELLED" if shift.status == "cancelled" else "CONFIRMED", lang
        )
        for shift in await _task_shifts(request, task_id)
    ]
    title = row["title"][lang]
    return Response(calendar(title, events, datetime.now(UTC)), media_type=ICS)


def _calendar_event(
    task: asyncpg.Record, shift: ShiftOut, status: Status, lang: str
) -> CalendarEvent:
    lat, lon = task["latitude"], task["longitude"]
    return CalendarEvent(
        uid=f"{shift.shift_id}@samskab",
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        summary=task["title"][lang],
        description="\n\n".join(
            x
            for x in (task["work"][lang], task["provided"][lang], task["accessibility"][lang])
            if x
        ),
        location=task["address"],
        geo=(lat, lon) if lat is not None and lon is not None else None,
        status=status,
        sequence=shift.version,
    )


# --- rosters --------------------------------------------------------------------------------


@router.get("/shifts/{shift_id}/roster", response_model=RosterOut, tags=["volunteering"])
async def roster(
    shift_id: UUID, request: Request, principal: Reader, include_ended: bool = False
) -> RosterOut:
    """Who is confirmed and who waits, in order. Organizers and staff see contact details
    (opened from the vault now); auditors see pseudonyms only; other citizens nothing."""
    actor = Actor(subject=principal.subject, role=principal.role)
    await shift_for_roster(store(request), shift_id, actor)
    db = pool(request)
    row = await db.fetchrow(f"{_SHIFTS} where s.shift_id = $1 group by s.shift_id", shift_id)
    if row is None:  # recorded, not yet in the read model
        raise v.VolunteeringRejected(v.Msg.SHIFT_NOT_FOUND)
    entries = await db.fetch(
        f"""select g.*,
                   case when g.status = 'waiting' then row_number() over (
                       partition by g.status order by g.signed_up_seq) end as position
            from {S}.signups g where g.shift_id = $1
              and ($2 or g.status in ('confirmed', 'waiting'))
            order by case g.status when 'confirmed' then 0 when 'waiting' then 1 else 2 end,
                     g.signed_up_seq""",
        shift_id,
        include_ended,
    )
    contacts: dict[str, Any] = {}
    show_contacts = principal.role is not Role.AUDITOR
    if show_contacts:
        contacts = await vault(request).open_many(e["contact_ref"] for e in entries)
    return RosterOut(
        shift=_shift(row),
        entries=[
            RosterEntry(
                signup_id=e["signup_id"],
                participant=e["participant"],
                status=e["status"],
                position=e["position"],
                signed_up_at=e["signed_up_at"],
                promoted_at=e["promoted_at"],
                attended=e["attended"],
                minutes=e["minutes"],
                contact=contacts.get(e["contact_ref"]) if show_contacts else None,
                contact_erased=show_contacts and contacts.get(e["contact_ref"]) is None,
            )
            for e in entries
        ],
    )


# --- my shifts ------------------------------------------------------------------------------


async def _my_rows(request: Request, principal: Principal, include_ended: bool) -> list[Any]:
    return list(
        await pool(request).fetch(
            f"""with mine as (
                    select g.*, case when g.status = 'waiting' then (
                        select count(*) + 1 from {S}.signups w
                        where w.shift_id = g.shift_id and w.status = 'waiting'
                          and w.signed_up_seq < g.signed_up_seq) end as position
                    from {S}.signups g where g.participant = $1
                      and ($2 or g.status in ('confirmed', 'waiting', 'voided')))
                select m.signup_id, m.status as signup_status, m.position, m.attended,
                       m.minutes, t.title, t.work, t.provided, t.accessibility, t.address,
                       t.latitude, t.longitude, s.*,
                       (select count(*) from {S}.signups c
                        where c.shift_id = s.shift_id and c.status = 'confirmed') as confirmed,
                       (select count(*) from {S}.signups c
                        where c.shift_id = s.shift_id and c.status = 'waiting') as waiting
                from mine m join {S}.shifts s using (shift_id)
                join {S}.tasks t on t.task_id = s.task_id
                order by s.starts_at, m.signup_id""",
            principal.subject,
            include_ended,
        )
    )


@router.get("/me/shifts", response_model=list[MyShift], tags=["volunteering"])
async def my_shifts(
    request: Request, principal: Citizen, include_ended: bool = False
) -> list[MyShift]:
    """The caller's sign-ups: confirmed, waiting (with place in line), or voided by a cancelled
    shift; `include_ended` adds cancelled and removed ones."""
    return [
        MyShift(
            signup_id=r["signup_id"],
            status=r["signup_status"],
            position=r["position"],
            shift=_shift(r),
            task_title=Text(**r["title"]),
            address=r["address"],
            attended=r["attended"],
            minutes=r["minutes"],
        )
        for r in await _my_rows(request, principal, include_ended)
    ]


@router.get("/me/shifts.ics", tags=["volunteering"], responses=CALENDAR)
async def my_calendar(request: Request, principal: Citizen) -> Response:
    """The caller's shifts as iCalendar: confirmed, TENTATIVE while waiting, CANCELLED when
    the shift was cancelled."""
    lang = language_of(request.headers)
    status_of: dict[str, Status] = {
        "confirmed": "CONFIRMED",
        "waiting": "TENTATIVE",
        "voided": "CANCELLED",
    }
    events = [
        _calendar_event(r, _shift(r), status_of[r["signup_status"]], lang)
        for r in await _my_rows(request, principal, include_ended=False)
    ]
    name = "Mine vagter" if lang == "da" else "My shifts"
    return Response(calendar(name, events, datetime.now(UTC)), media_type=ICS)


# --- reporting ------------------------------------------------------------------------------


@router.get("/reports/participation", response_model=list[ParticipationRow], tags=["volunteering"])
async def participation(
    request: Request,
    principal: Overseer,
    local_area: str | None = None,
    core_task: str | None = None,
    from_month: Month = None,
    to_month: Month = None,
) -> list[ParticipationRow]:
    """Hours and participation per local area, core task and month (of the shift's start)."""
    del principal
    rows = await pool(request).fetch(
        f"""select * from {S}.participation
            where ($1::text is null or local_area = $1) and ($2::text is null or core_task = $2)
              and ($3::text is null or month >= $3) and ($4::text is null or month <= $4)
            order by local_area, core_task, month""",
        local_area,
        core_task,
        from_month,
        to_month,
    )
    return [
        ParticipationRow(
            local_area=r["local_area"],
            core_task=r["core_task"],
            month=r["month"],
            hours=str((Decimal(r["minutes"]) / 60).quantize(Decimal("0.01"))),
            minutes=r["minutes"],
            attended=r["attended"],
            no_shows=r["no_shows"],
            participants=r["participants"],
            shifts=r["shifts"],
        )
        for r in rows
    ]
