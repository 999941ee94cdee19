"""The per-shift writer on the real PostgreSQL event store: a batch decides in order, a refusal
in the middle changes nothing, and two writers (two API processes) racing never exceed capacity."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest

from events.base import Actor, Role
from events.volunteering import Organizer, OrganizerKind, Place, Text
from services.application.commands import Meta, pending
from services.application.volunteering.writer import Outcome, ShiftWriter
from services.domain import volunteering as v
from services.domain.errors import CommandRejected
from services.platform import db
from services.store.eventstore import EventStore

STAFF = Actor(subject="staff-pseudonym", role=Role.STAFF)
NOW = datetime.now(UTC)
T = Text(da="x", en="x")


@pytest.fixture
async def store(database: str) -> AsyncIterator[EventStore]:
    pool: asyncpg.Pool[Any] = await db.create_pool(database, max_size=8)
    es = EventStore(pool)
    await es.start()
    yield es
    await es.stop()
    await pool.close()


async def published_shift(store: EventStore, capacity: int, waiting: int) -> UUID:
    task_id, shift_id = uuid4(), uuid4()
    state = v.TASK_INITIAL
    for command in (
        v.DraftTask(
            task_id, STAFF, Organizer(kind=OrganizerKind.STAFF, name="Kommunen"), "Tørring",
            "Læring", T, T, T, T, Place(address="Torvet 1"), 0, T,
        ),
        v.AttestTaskAsAdditional(task_id, STAFF),
        v.PublishTask(task_id, STAFF),
    ):  # fmt: skip
        events = v.decide_task(command, state)
        for e in events:
            state = v.evolve_task(state, e)
        version = len(await store.load(v.task_stream(task_id)))
        await store.append(v.task_stream(task_id), version, pending(events, meta()))
    schedule = v.ScheduleShift(
        task_id, shift_id, NOW + timedelta(days=3), NOW + timedelta(days=3, hours=2),
        capacity, STAFF, NOW, waiting_list_limit=waiting,
    )  # fmt: skip
    await ShiftWriter(store).submit(
        v.shift_stream(shift_id), lambda s, t: v.decide_shift(schedule, s, t), meta(), task_id
    )
    return shift_id


def meta() -> Meta:
    return Meta(actor=STAFF, correlation_id=uuid4())


def sign_up(shift_id: UUID, who: str) -> v.SignUp:
    return v.SignUp(shift_id, uuid4(), who, f"vault:v1:{uuid4()}", date(1980, 1, 1), NOW)


async def submit(writer: ShiftWriter, command: v.SignUp) -> Outcome | CommandRejected:
    try:
        return await writer.submit(
            v.shift_stream(command.shift_id), lambda s, t: v.decide_shift(command, s, t), meta()
        )
    except CommandRejected as exc:
        return exc


async def test_a_queue_is_decided_in_order_and_refusals_in_it_record_nothing(
    store: EventStore,
) -> None:
    shift_id = await published_shift(store, capacity=2, waiting=3)
    writer = ShiftWriter(store)
    commands = [sign_up(shift_id, f"p{i}") for i in range(8)]
    commands.insert(3, sign_up(shift_id, "p0"))  # a duplicate in the middle of the queue
    results = await asyncio.gather(*(submit(writer, c) for c in commands))
    placed = [r for r in results if isinstance(r, Outcome)]
    refused = [r for r in results if isinstance(r, CommandRejected)]
    assert len(placed) == 5 and len(refused) == 4
    assert getattr(results[3], "code", None) == v.Msg.ALREADY_SIGNED_UP
    assert {getattr(r, "code", None) for r in refused} == {
        v.Msg.ALREADY_SIGNED_UP,
        v.Msg.SHIFT_FULL,
    }
    stream = await store.load(v.shift_stream(shift_id))
    assert len(stream) == 1 + 5
    placements = [e.data["placement"] for e in stream[1:]]
    assert placements == ["confirmed", "confirmed", "waiting", "waiting", "waiting"]
    # each outcome names the version after its own event, in queue order
    assert [o.version for o in placed] == [2, 3, 4, 5, 6]


async def test_two_writers_racing_on_one_shift_never_exceed_capacity(store: EventStore) -> None:
    shift_id = await published_shift(store, capacity=10, waiting=20)
    first, second = ShiftWriter(store), ShiftWriter(store)
    commands = [sign_up(shift_id, f"q{i}") for i in range(60)]
    results = await asyncio.gather(
        *(submit(first if i % 2 else second, c) for i, c in enumerate(commands))
    )
    placed = [r for r in results if isinstance(r, Outcome)]
    refused = [r for r in results if isinstance(r, CommandRejected)]
    assert len(placed) == 30 and len(refused) == 30
    assert all(getattr(r, "code", None) == v.Msg.SHIFT_FULL for r in refused)
    stream = await store.load(v.shift_stream(shift_id))
    placements = [e.data["placement"] for e in stream[1:]]
    assert placements == ["confirmed"] * 10 + ["waiting"] * 20
