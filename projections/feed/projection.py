"""The public feed: republishes what may be public to `<prefix>.public.v1.<budgeting|volunteering>`.

`derive` keeps the feed's state (published tasks, shift counts) and returns the public record an
event yields, if any; what may be public is the contract in `events/public.py`. Run as a service,
the runner opens `session`, whose batch apply publishes the batch's records, waits for the
broker's acknowledgement, and records the public partitions' next offsets in the same
transaction as the feed's positions — publish first, then record.

Not twice, even across crashes: a crash between the acknowledgement and the commit leaves
records on the public topic that the feed has not recorded. When a session starts, the feed
reads each public partition from its recorded offset to the end and remembers the `ce_id`s found
there; an event whose record is already out is not published again. Within a session the same
holds for a batch retried one event at a time after a failure. What remains is a broker that
acknowledged and then lost the record (the embedded one keeps nothing across restarts) — the
record is then gone, not doubled. Should a consumer still see a record twice (a real Kafka
producer retry without idempotence), both copies carry the same `ce_id`: dedupe by it.

The embargo (`embargo.py`): while a process's live results are not public, the records that
tell the outcome (`public.OUTCOME`: the proposed and decided allocations) are held in the
feed's own `held` table, written in the same transaction as its positions. The event that makes
the results public (the phase `results_published`, or live results made public) releases them,
in their original order, just before its own record; each keeps the `ce_id` and `ce_time` of the
event it comes from. For a process whose live results are public they go out at once.

`samskab replay feed` rebuilds the feed's state without publishing anything: only a session
publishes, and replay applies event by event without one — holding and releasing alike, so the
rebuilt `held` table equals the live one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
import structlog
from aiokafka import TopicPartition

from events import public
from events.base import Event
from events.budgeting import BudgetingEvent
from events.envelope import Envelope
from events.registry import encode
from events.volunteering import (
    ShiftCancelled,
    ShiftCapacityChanged,
    ShiftMoved,
    ShiftScheduled,
    SignUpCancelled,
    SignUpPromoted,
    SignUpRemoved,
    SignUpVoided,
    TaskCancelled,
    TaskCompleted,
    TaskDrafted,
    TaskPublished,
    TaskRevised,
    VolunteerSignedUp,
)
from projections.feed import embargo
from projections.feed.records import PublicRecord
from projections.spec import ApplyBatch, ProjectionSpec
from services.platform.kafka import clients
from services.platform.settings import Settings

if TYPE_CHECKING:
    Conn = asyncpg.Connection[Any]
log = structlog.get_logger("feed")
_TASK_FIELDS = (
    "local_area",
    "core_task",
    "title",
    "description",
    "work",
    "provided",
    "accessibility",
    "place",
    "minimum_age",
    "signup_closes_minutes_before",
)


async def derive(conn: Conn, s: str, env: Envelope, event: Event) -> list[PublicRecord]:
    """Update the feed's state for one event; the public records to send now, in order."""
    if isinstance(event, BudgetingEvent):
        return await _budgeting(conn, s, env, event)
    record = await _volunteering_record(conn, s, env, event)
    return [] if record is None else [record]


async def _budgeting(
    conn: Conn, s: str, env: Envelope, event: BudgetingEvent
) -> list[PublicRecord]:
    released = await embargo.follow(conn, s, event)
    if env.type not in public.BUDGETING:
        return released  # ballots, voters, census: never public
    data = public.public_budgeting(env.type, encode(event))
    subject = str(data.get("proposal_id") or event.process_id)
    record = PublicRecord("budgeting", env.key, env.type, subject, data, env)
    if env.type in public.OUTCOME and not await embargo.results_public(conn, s, event.process_id):
        await embargo.hold(conn, s, env.seq, event.process_id, record)
        return released
    return [*released, record]


async def _volunteering_record(
    conn: Conn, s: str, env: Envelope, event: Event
) -> PublicRecord | None:
    match event:
        case TaskDrafted():
            details = _task_fields(encode(event))
            await conn.execute(
                f"insert into {s}.tasks (task_id, details) values ($1, $2) on conflict do nothing",
                event.task_id,
                details,
            )
            return None
        case TaskRevised():
            changed = _task_fields({k: v for k, v in encode(event).items() if v is not None})
            published = await conn.fetchval(
                f"update {s}.tasks set details = details || $2 where task_id = $1 "
                "returning published and not ended",
                event.task_id,
                changed,
            )
            return (
                await _task(conn, s, env, event.task_id, public.TaskUpdated) if published else None
            )
        case TaskPublished():
            await conn.execute(
                f"update {s}.tasks set published = true where task_id = $1", event.task_id
            )
            return await _task(conn, s, env, event.task_id, public.PublicTask)
        case TaskCancelled() | TaskCompleted():
            published = await conn.fetchval(
                f"update {s}.tasks set ended = true where task_id = $1 returning published",
                event.task_id,
            )
            if not published:
                return None
            cancelled = isinstance(event, TaskCancelled)
            ended = public.TaskEnded(
                task_id=event.task_id,
                outcome="cancelled" if cancelled else "completed",
                reason=event.reason if isinstance(event, TaskCancelled) else "",
            )
            return _volunteering(env, ended, str(event.task_id))
        case ShiftScheduled():
            await conn.execute(
                f"insert into {s}.shifts (shift_id, task_id, starts_at, ends_at, capacity, "
                "waiting_list_limit) values ($1, $2, $3, $4, $5, $6) on conflict do nothing",
                event.shift_id,
                event.task_id,
                event.starts_at,
                event.ends_at,
                event.capacity,
                event.waiting_list_limit,
            )
            return await _shift(conn, s, env, event.shift_id, "scheduled")
        case ShiftMoved():
            await conn.execute(
                f"update {s}.shifts set starts_at = $2, ends_at = $3 where shift_id = $1",
                event.shift_id,
                event.starts_at,
                event.ends_at,
            )
            return await _shift(conn, s, env, event.shift_id, "moved")
        case ShiftCapacityChanged():
            await conn.execute(
                f"update {s}.shifts set capacity = $2 where shift_id = $1",
                event.shift_id,
                event.capacity,
            )
            return await _shift(conn, s, env, event.shift_id, "capacity")
        case ShiftCancelled():
            await conn.execute(
                f"update {s}.shifts set cancelled = true where shift_id = $1", event.shift_id
            )
            return await _shift(conn, s, env, event.shift_id, "cancelled")
        case VolunteerSignedUp():
            return await _count(conn, s, env, event.shift_id, event.placement.value, +1)
        case SignUpCancelled() | SignUpRemoved() | SignUpVoided():
            return await _count(conn, s, env, event.shift_id, event.placement.value, -1)
        case SignUpPromoted():
            await _count(conn, s, env, event.shift_id, "waiting", -1)
            return await _count(conn, s, env, event.shift_id, "confirmed", +1)
        case _:
            return None  # attestations, attendance, reschedules: nothing public changes


def _task_fields(data: dict[str, Any]) -> dict[str, Any]:
    out = {k: data[k] for k in _TASK_FIELDS if k in data}
    if "organizer" in data:  # its managers are pseudonyms: never public
        out["organizer"] = {"kind": data["organizer"]["kind"], "name": data["organizer"]["name"]}
    return out


async def _count(
    conn: Conn, s: str, env: Envelope, shift_id: Any, placement: str, by: int
) -> PublicRecord | None:
    column = "confirmed" if placement == "confirmed" else "waiting"
    await conn.execute(
        f"update {s}.shifts set {column} = greatest({column} + $2, 0) where shift_id = $1",
        shift_id,
        by,
    )
    return await _shift(conn, s, env, shift_id, "signups")


async def _shift(
    conn: Conn, s: str, env: Envelope, shift_id: Any, change: str
) -> PublicRecord | None:
    row = await conn.fetchrow(
        f"select sh.*, t.published from {s}.shifts sh join {s}.tasks t using (task_id) "
        "where sh.shift_id = $1",
        shift_id,
    )
    if row is None or not row["published"]:
        return None
    return _volunteering(env, _availability(row, change), str(shift_id))


def _availability(row: asyncpg.Record, change: str) -> public.ShiftAvailability:
    return public.ShiftAvailability(
        task_id=row["task_id"],
        shift_id=row["shift_id"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        capacity=row["capacity"],
        confirmed=row["confirmed"],
        waiting=row["waiting"],
        waiting_list_limit=row["waiting_list_limit"],
        free=max(row["capacity"] - row["confirmed"], 0),
        cancelled=row["cancelled"],
        change=change,
    )


async def _task(
    conn: Conn, s: str, env: Envelope, task_id: Any, kind: type[public.PublicTask]
) -> PublicRecord | None:
    details = await conn.fetchval(f"select details from {s}.tasks where task_id = $1", task_id)
    if details is None:
        return None
    shifts = await conn.fetch(
        f"select * from {s}.shifts where task_id = $1 order by starts_at, shift_id", task_id
    )
    task = kind(
        task_id=task_id,
        **details,
        shifts=tuple(_availability(r, "scheduled") for r in shifts),
    )
    return _volunteering(env, task, str(task_id))


def _volunteering(env: Envelope, model: Any, subject: str) -> PublicRecord:
    data = model.model_dump(mode="json")
    return PublicRecord("volunteering", env.key, model.type_name, subject, data, env)


async def apply(conn: Conn, schema: str, env: Envelope, event: Event) -> None:
    """Without a session (replay, dead-letter retry): keep the state, publish nothing."""
    await derive(conn, schema, env, event)


class Publisher:
    """Publishes the public records of each batch once; see the module docstring."""

    def __init__(self, settings: Settings, remember: int = 100_000) -> None:
        self._settings = settings
        self._producer = clients.producer(settings)
        self._recovered = False
        self._out: set[str] = set()  # ce_ids known to be on the public topics
        self._order: deque[str] = deque()
        self._remember = remember
        self.published = 0

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await clients.stop_quietly(self._producer)

    def _note(self, ce_id: str) -> None:
        if ce_id in self._out:
            return
        self._out.add(ce_id)
        self._order.append(ce_id)
        while len(self._order) > self._remember:
            self._out.discard(self._order.popleft())

    async def apply_batch(
        self, conn: Conn, schema: str, items: Sequence[tuple[Envelope, Event]]
    ) -> None:
        if not self._recovered:
            await self._recover(conn, schema)
        records: list[PublicRecord] = []
        for env, event in items:
            fresh = await derive(conn, schema, env, event)
            records += [r for r in fresh if r.ce_id not in self._out]
        if not records:
            return
        topology = self._settings.topology
        sends = []
        for r in records:
            sends.append(
                await self._producer.send(
                    topology.public_topic(r.logical),
                    value=r.value(),
                    key=r.key.encode(),
                    headers=r.headers(),
                    partition=clients.partition_for(r.key, self._settings.partitions),
                )
            )
        metas = await asyncio.gather(*sends)
        for r in records:
            self._note(r.ce_id)
        ends: dict[tuple[str, int], int] = {}
        for meta in metas:
            tp = (meta.topic, meta.partition)
            ends[tp] = max(ends.get(tp, 0), meta.offset + 1)
        await conn.executemany(
            f"insert into {schema}.published (topic, partition, next_offset) values ($1, $2, $3) "
            "on conflict (topic, partition) do update set "
            "next_offset = greatest(published.next_offset, excluded.next_offset)",
            [(t, p, o) for (t, p), o in ends.items()],
        )
        self.published += len(records)

    async def _recover(self, conn: Conn, schema: str) -> None:
        """Remember the ce_ids already out beyond the recorded offsets (a crash after publish)."""
        topology = self._settings.topology
        stored = {
            (r["topic"], r["partition"]): r["next_offset"]
            for r in await conn.fetch(
                f"select topic, partition, next_offset from {schema}.published"
            )
        }
        consumer = clients.consumer(self._settings)
        await consumer.start()
        try:
            tps = [
                TopicPartition(topology.public_topic(logical), p)
                for logical in ("budgeting", "volunteering")
                for p in range(self._settings.partitions)
            ]
            consumer.assign(tps)
            ends = await consumer.end_offsets(tps)
            found = 0
            for tp in tps:
                start = stored.get((tp.topic, tp.partition), 0)
                if ends[tp] <= start:
                    continue
                consumer.seek(tp, start)
                while await consumer.position(tp) < ends[tp]:
                    batch = await consumer.getmany(tp, timeout_ms=2000, max_records=5000)
                    if not batch:
                        break  # the broker no longer holds them: nothing there to double
                    for record in batch.get(tp, []):
                        for name, raw in record.headers or ():
                            if name == "ce_id":
                                self._note(raw.decode())
                                found += 1
            if found:
                log.warning(
                    "public records found beyond the recorded offsets; not sent again",
                    records=found,
                )
        finally:
            await clients.stop_quietly(consumer)
        self._recovered = True


@contextlib.asynccontextmanager
async def session(settings: Settings) -> AsyncIterator[ApplyBatch]:
    publisher = Publisher(settings)
    await publisher.start()
    try:
        yield publisher.apply_batch
    finally:
        await publisher.stop()


SPEC = ProjectionSpec(
    name="feed",
    topics=("budgeting", "volunteering"),
    migrations=Path(__file__).parent / "migrations",
    apply=apply,
    session=session,
)
