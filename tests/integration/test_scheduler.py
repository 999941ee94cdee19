"""The phase scheduler against the real system: processes set up over HTTP, the processes read
model built through the relay and the broker, and scheduler ticks run directly with a given
`now` (no waiting on the clock) against the real PostgreSQL event store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from events.base import Actor, Role
from events.budgeting_common import Phase
from events.budgeting_process import PhaseChanged
from events.envelope import Envelope
from events.registry import decode
from projections.catalog import PROJECTIONS
from services.application.commands import Meta, pending
from services.platform import db
from services.platform.settings import Settings
from services.scheduler.scheduler import Tick, tick
from services.store.eventstore import EventStore
from tests.flows import eventually, ok
from tests.system import System

NOW = datetime.now(UTC).replace(microsecond=0)
READ_MODEL = PROJECTIONS["processes"].default_schema


@pytest.fixture
async def system(settings: Settings) -> AsyncIterator[System]:
    sut = System(settings)
    await sut.start("relay", "projection:processes", "api")  # what the scheduler reads
    yield sut
    await sut.stop()


@pytest.fixture
async def pool(settings: Settings) -> AsyncIterator[asyncpg.Pool[Any]]:
    p = await db.create_pool(settings.require_database_url(), min_size=1, max_size=4)
    yield p
    await p.close()


async def draft_process(admin: httpx.AsyncClient, ideas_start: datetime | None) -> UUID:
    """A process created in draft; `ideas_start` scheduled when given."""
    body = {
        "title": "Borgerbudget 2027",
        "municipality": "Hedensted",
        "budgets": [{"local_area": "Tørring", "amount": 500_000}],
        "initial_phase": "draft",
    }
    created = ok(await admin.post("/api/v1/processes", json=body), 201)
    pid = UUID(created["id"])
    if ideas_start is not None:
        window = {"starts_at": ideas_start.isoformat()}
        ok(await admin.put(f"/api/v1/processes/{pid}/schedule/ideas", json=window))
    return pid


async def in_read_model(pool: asyncpg.Pool[Any], pid: UUID, scheduled: bool) -> None:
    async def seen() -> bool | None:
        table = "schedule" if scheduled else "processes"
        row = await pool.fetchval(f"select 1 from {READ_MODEL}.{table} where process_id = $1", pid)
        return True if row else None

    await eventually(seen, f"process {pid} in the read model")


async def stream(store: EventStore, pid: UUID) -> list[Envelope]:
    return await store.load(f"process-{pid}")


@pytest.fixture
async def store(pool: asyncpg.Pool[Any]) -> AsyncIterator[EventStore]:
    es = EventStore(pool)
    await es.start()
    yield es
    await es.stop()


async def test_one_tick_moves_a_due_process_by_schedule_and_a_second_tick_does_nothing(
    system: System, pool: asyncpg.Pool[Any], store: EventStore
) -> None:
    async with system.client(Role.ADMIN, "anna") as admin:
        due = await draft_process(admin, ideas_start=NOW - timedelta(hours=1))
        unscheduled = await draft_process(admin, ideas_start=None)
        later = await draft_process(admin, ideas_start=NOW + timedelta(days=7))
    await in_read_model(pool, due, scheduled=True)
    await in_read_model(pool, later, scheduled=True)
    await in_read_model(pool, unscheduled, scheduled=False)
    before = {pid: len(await stream(store, pid)) for pid in (unscheduled, later)}

    first = await tick(pool, store, NOW)

    assert first.moved == {due: [Phase.IDEAS]}
    assert first.conflicts == [] and first.refused == {} and first.failed == []
    last = (await stream(store, due))[-1]
    event = decode(last.type, last.version, last.data)
    assert isinstance(event, PhaseChanged)
    assert (event.from_phase, event.to_phase) == (Phase.DRAFT, Phase.IDEAS)
    assert event.by_schedule and event.at == NOW
    assert last.actor.role is Role.SYSTEM
    for pid, length in before.items():
        assert len(await stream(store, pid)) == length  # untouched

    versions = {pid: len(await stream(store, pid)) for pid in (due, unscheduled, later)}
    second = await tick(pool, store, NOW + timedelta(seconds=15))
    assert second == Tick()
    assert {pid: len(await stream(store, pid)) for pid in versions} == versions

    async def recorded() -> bool | None:
        by_schedule: bool | None = await pool.fetchval(
            f"select by_schedule from {READ_MODEL}.phase_changes where process_id = $1", due
        )
        return by_schedule

    assert await eventually(recorded, "the scheduled change in the processes read model")


class SomeoneElseMovesFirst(EventStore):
    """An administrator moves the process between the scheduler's load and its append."""

    raced = False

    async def load(self, stream_id: str, after: int = 0) -> list[Envelope]:
        envelopes = await super().load(stream_id, after)
        if not self.raced:
            self.raced = True
            pid = UUID(stream_id.removeprefix("process-"))
            manual = PhaseChanged(
                process_id=pid, from_phase=Phase.DRAFT, to_phase=Phase.IDEAS, at=NOW
            )
            meta = Meta(Actor(subject="anna", role=Role.ADMIN), uuid4())
            await self.append(stream_id, len(envelopes), pending([manual], meta))
        return envelopes


async def test_a_process_moved_meanwhile_is_a_conflict_and_decided_again_next_tick(
    system: System, pool: asyncpg.Pool[Any], store: EventStore
) -> None:
    async with system.client(Role.ADMIN, "anna") as admin:
        pid = await draft_process(admin, ideas_start=NOW - timedelta(hours=1))
    await in_read_model(pool, pid, scheduled=True)
    racing = SomeoneElseMovesFirst(pool)
    await racing.start()
    try:
        raced = await tick(pool, racing, NOW)
    finally:
        await racing.stop()
    assert raced.conflicts == [pid] and raced.moved == {}

    assert await tick(pool, store, NOW) == Tick()  # already in ideas: nothing left to do
    changes = [
        decode(e.type, e.version, e.data)
        for e in await stream(store, pid)
        if e.type == PhaseChanged.type_name
    ]
    assert [(c.to_phase, c.by_schedule) for c in changes if isinstance(c, PhaseChanged)] == [
        (Phase.IDEAS, False)
    ]
