"""`samskab audit verify` against the real store and broker: tampering is found and named."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from uuid import uuid4

import asyncpg
import pytest

from events.base import Actor, Role
from events.budgeting import ProcessCreated, ProposalSubmitted
from events.envelope import Envelope
from events.kafka import to_record
from services.audit.verify import verify_all
from services.platform import db
from services.platform.kafka import clients
from services.platform.settings import Settings
from services.store.eventstore import EventStore, PendingEvent
from tests.system import System

ACTOR = Actor(subject="p-audit", role=Role.CITIZEN)


def pending(event: ProcessCreated | ProposalSubmitted) -> PendingEvent:
    return PendingEvent(event, uuid4(), datetime.now(UTC), ACTOR, uuid4())


async def record_events(dsn: str, proposals: int) -> list[Envelope]:
    """One process and `proposals` proposals, appended through the real event store."""
    pool = await db.create_pool(dsn)
    store = EventStore(pool)
    await store.start()
    try:
        pid = uuid4()
        stored = await store.append(
            f"process-{pid}",
            0,
            [pending(ProcessCreated(process_id=pid, title="Budget", municipality="Hedensted"))],
        )
        for i in range(proposals):
            prop = ProposalSubmitted(
                process_id=pid,
                proposal_id=uuid4(),
                title=f"Forslag {i}",
                description="",
                estimated_cost_ore=100 * i,
                local_area="Tørring",
                core_task="Læring",
                author="p-audit",
            )
            stored += await store.append(f"proposal-{prop.proposal_id}", 0, [pending(prop)])
        return stored
    finally:
        await store.stop()
        await pool.close()


async def relayed(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        for _ in range(300):
            if await conn.fetchval("select count(*) from eventstore.outbox") == 0:
                return
            await asyncio.sleep(0.1)
        raise AssertionError("the relay never emptied the outbox")
    finally:
        await conn.close()


@pytest.fixture
async def relay(settings: Settings) -> AsyncIterator[System]:
    sut = System(settings)
    await sut.start("relay")
    yield sut
    await sut.stop()


async def cli_verify(sut: System) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.cli.main",
        "audit",
        "verify",
        env=sut.env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await proc.communicate()
    return proc.returncode or 0, output.decode()


async def test_an_untouched_record_verifies_and_a_republished_event_is_only_counted(
    settings: Settings, relay: System
) -> None:
    stored = await record_events(settings.require_database_url(), 12)
    await relayed(settings.require_database_url())
    producer = clients.producer(settings)
    await producer.start()
    try:  # the relay's refill after a broker loss sends an event a second time
        key, value, headers = to_record(stored[3])
        topic = settings.topology.events_topic("budgeting")
        await producer.send_and_wait(topic, value=value, key=key, headers=headers)
    finally:
        await producer.stop()
    report = await verify_all(settings)
    assert report.findings == []
    assert report.events == 13 and report.last_seq == 13
    assert report.records == 14 and report.duplicates == 1
    code, output = await cli_verify(relay)
    assert code == 0, output
    assert "verdict: OK" in output


async def test_an_altered_event_a_deleted_event_and_a_foreign_record_are_each_found_and_named(
    settings: Settings, relay: System
) -> None:
    dsn = settings.require_database_url()
    stored = await record_events(dsn, 12)
    await relayed(dsn)
    altered, deleted = stored[4], stored[9]
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            "update eventstore.events set data = jsonb_set(data, '{title}', '\"Forfalsket\"') "
            "where seq = $1",
            altered.seq,
        )
        await conn.execute("delete from eventstore.events where seq = $1", deleted.seq)
    finally:
        await conn.close()
    topic = settings.topology.events_topic("volunteering")
    producer = clients.producer(settings)
    await producer.start()
    try:
        meta = await producer.send_and_wait(
            topic, value=b'{"hello": "world"}', key=b"x", headers=[("source", b"elsewhere")]
        )
    finally:
        await producer.stop()

    report = await verify_all(settings)

    found = {(f.where, f.problem, f.seq) for f in report.findings}
    assert ("store", "altered", altered.seq) in found
    assert ("kafka", "differs", altered.seq) in found
    assert ("store", "gap", deleted.seq + 1) in found
    assert ("kafka", "foreign", deleted.seq) in found
    (foreign,) = [f for f in report.findings if f.seq is None and f.problem == "foreign"]
    assert (foreign.topic, foreign.partition, foreign.offset) == (
        topic,
        meta.partition,
        meta.offset,
    )
    assert ("store", "count", None) in found  # the store holds one event fewer than appended
    assert len(report.findings) == 6, [str(f) for f in report.findings]
    gap = next(f for f in report.findings if f.problem == "gap")
    assert f"seq {deleted.seq} missing" in gap.message
    assert gap.stream_id == stored[10].stream_id
    code, output = await cli_verify(relay)
    assert code == 1
    assert f"store: altered at seq {altered.seq}, stream {altered.stream_id}" in output
    assert f"{topic}[{meta.partition}]@{meta.offset}" in output
