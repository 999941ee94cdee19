"""Volunteer tasks as people read them: open tasks with free places, rosters, my shifts, hours.

Tables (schema `proj_volunteering` by default): `tasks`, `shifts`, `signups`, and the view
`participation` (hours per local area, core task and month). Every column comes from an event or
its envelope, so replaying the topic into a fresh schema yields identical rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import asyncpg

from events.base import Event
from events.envelope import Envelope
from events.volunteering import (
    AttendanceRecorded,
    ShiftCancelled,
    ShiftCapacityChanged,
    ShiftEvent,
    ShiftMoved,
    ShiftScheduled,
    SignUpCancelled,
    SignUpPromoted,
    SignUpRemoved,
    SignUpVoided,
    TaskAttestedAsAdditional,
    TaskCancelled,
    TaskCompleted,
    TaskDrafted,
    TaskPublished,
    TaskRevised,
    Text,
    VolunteerSignedUp,
)
from projections.spec import ProjectionSpec

_TEXTS = ("title", "description", "work", "provided", "accessibility")
_PLAIN = ("local_area", "core_task", "minimum_age", "signup_closes_minutes_before")


def _text(t: Text) -> dict[str, str]:
    return {"da": t.da, "en": t.en}


async def apply(conn: asyncpg.Connection[Any], schema: str, env: Envelope, event: Event) -> None:
    if isinstance(event, ShiftEvent):
        await _apply_shift(conn, schema, env, event)
    else:
        await _apply_task(conn, schema, env, event)


async def _apply_task(conn: asyncpg.Connection[Any], s: str, env: Envelope, event: Event) -> None:
    match event:
        case TaskDrafted():
            await conn.execute(
                f"insert into {s}.tasks (task_id, status, organizer_kind, organizer_name, "
                "drafted_by, managers, local_area, core_task, title, description, work, "
                "provided, accessibility, address, latitude, longitude, minimum_age, "
                "signup_closes_minutes_before, version, updated_at) values "
                "($1, 'draft', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, "
                "$16, $17, $18, $19) on conflict do nothing",
                event.task_id,
                event.organizer.kind.value,
                event.organizer.name,
                event.drafted_by,
                [event.drafted_by, *event.organizer.managers],
                event.local_area,
                event.core_task,
                *(_text(getattr(event, n)) for n in _TEXTS),
                event.place.address,
                event.place.latitude,
                event.place.longitude,
                event.minimum_age,
                event.signup_closes_minutes_before,
                env.stream_version,
                env.occurred_at,
            )
        case TaskRevised():
            changes: dict[str, Any] = {
                n: getattr(event, n) for n in _PLAIN if getattr(event, n) is not None
            }
            changes |= {n: _text(getattr(event, n)) for n in _TEXTS if getattr(event, n)}
            if event.place is not None:
                changes |= {
                    "address": event.place.address,
                    "latitude": event.place.latitude,
                    "longitude": event.place.longitude,
                }
            if event.work is not None:
                changes["attested"] = False
            sets = [f"{name} = ${i}" for i, name in enumerate(changes, start=4)]
            if event.organizer is not None:
                n = len(changes) + 4
                sets += [
                    f"organizer_kind = ${n}",
                    f"organizer_name = ${n + 1}",
                    f"managers = array_prepend(drafted_by, ${n + 2}::text[])",
                ]
                changes |= {
                    "organizer_kind": event.organizer.kind.value,
                    "organizer_name": event.organizer.name,
                    "managers": list(event.organizer.managers),
                }
            await _touch_task(conn, s, env, event.task_id, sets, list(changes.values()))
        case TaskAttestedAsAdditional():
            await _touch_task(conn, s, env, event.task_id, ["attested = true"], [])
        case TaskPublished():
            await _touch_task(conn, s, env, event.task_id, ["status = 'published'"], [])
        case TaskCancelled():
            await _touch_task(conn, s, env, event.task_id, ["status = 'cancelled'"], [])
        case TaskCompleted():
            await _touch_task(conn, s, env, event.task_id, ["status = 'completed'"], [])
        case _:
            pass


async def _touch_task(
    conn: asyncpg.Connection[Any],
    s: str,
    env: Envelope,
    task_id: Any,
    sets: list[str],
    values: list[Any],
) -> None:
    assignments = ", ".join(["version = $2", "updated_at = $3", *sets])
    await conn.execute(
        f"update {s}.tasks set {assignments} where task_id = $1",
        task_id,
        env.stream_version,
        env.occurred_at,
        *values,
    )


async def _apply_shift(
    conn: asyncpg.Connection[Any], s: str, env: Envelope, event: ShiftEvent
) -> None:
    match event:
        case ShiftScheduled():
            await conn.execute(
                f"insert into {s}.shifts (shift_id, task_id, series_id, starts_at, ends_at, "
                "capacity, waiting_list_limit, status, version) "
                "values ($1, $2, $3, $4, $5, $6, $7, 'scheduled', $8) on conflict do nothing",
                event.shift_id,
                event.task_id,
                event.series_id,
                event.starts_at,
                event.ends_at,
                event.capacity,
                event.waiting_list_limit,
                env.stream_version,
            )
            return
        case ShiftMoved():
            await _touch_shift(
                conn, s, env, event, "starts_at = $3, ends_at = $4", event.starts_at, event.ends_at
            )
            return
        case ShiftCapacityChanged():
            await _touch_shift(conn, s, env, event, "capacity = $3", event.capacity)
            return
        case ShiftCancelled():
            await _touch_shift(
                conn, s, env, event, "status = 'cancelled', cancel_reason = $3", event.reason
            )
            return
        case VolunteerSignedUp():
            await conn.execute(
                f"insert into {s}.signups (signup_id, shift_id, task_id, participant, "
                "contact_ref, status, signed_up_seq, signed_up_at) "
                "values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict do nothing",
                event.signup_id,
                event.shift_id,
                event.task_id,
                event.participant,
                event.contact_ref,
                event.placement.value,
                env.seq,
                env.occurred_at,
            )
        case SignUpCancelled() | SignUpRemoved() | SignUpVoided():
            status = {
                SignUpCancelled: "cancelled",
                SignUpRemoved: "removed",
                SignUpVoided: "voided",
            }[type(event)]
            reason = getattr(event, "reason", "")
            await conn.execute(
                f"update {s}.signups set status = $2, ended_at = $3, end_reason = $4 "
                "where signup_id = $1",
                event.signup_id,
                status,
                env.occurred_at,
                reason,
            )
        case SignUpPromoted():
            await conn.execute(
                f"update {s}.signups set status = 'confirmed', promoted_at = $2 "
                "where signup_id = $1",
                event.signup_id,
                env.occurred_at,
            )
        case AttendanceRecorded():
            await conn.execute(
                f"update {s}.signups set attended = $2, minutes = $3 where signup_id = $1",
                event.signup_id,
                event.attended,
                event.minutes,
            )
        case _:
            pass
    await _touch_shift(conn, s, env, event, "")


async def _touch_shift(
    conn: asyncpg.Connection[Any],
    s: str,
    env: Envelope,
    event: ShiftEvent,
    sets: str,
    *values: Any,
) -> None:
    assignments = ", ".join(x for x in ("version = $2", sets) if x)
    await conn.execute(
        f"update {s}.shifts set {assignments} where shift_id = $1",
        event.shift_id,
        env.stream_version,
        *values,
    )


SPEC = ProjectionSpec(
    name="volunteering",
    topics=("volunteering",),
    migrations=Path(__file__).parent / "migrations",
    apply=apply,
)
