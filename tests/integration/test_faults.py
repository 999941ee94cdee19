"""Crashes and bad records: nothing acknowledged is lost, nothing is counted twice."""

from __future__ import annotations

import asyncio
import secrets
import signal
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from events.base import Role
from services.platform.settings import Settings
from services.runtime.embedded import EmbeddedBroker
from tests.flows import PROPOSAL, create_process
from tests.integration.test_proposals_system import listed
from tests.system import System


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    """A broker this test may kill and restart (empty, on the same port)."""
    b = EmbeddedBroker(log_path=tmp_path / "broker.log")
    b.start()
    yield b
    b.stop()


async def read_model_counts(settings: Settings) -> tuple[int, int, int, int]:
    """(rows, distinct ids, events applied by the projection, events in the store)."""
    conn = await asyncpg.connect(settings.require_database_url())
    try:
        row = await conn.fetchrow(
            """select (select count(*) from proj_proposals.proposals) as rows,
                      (select count(distinct proposal_id) from proj_proposals.proposals) as ids,
                      (select coalesce(sum(seen), 0) from proj_proposals.checkpoint) as seen,
                      (select count(*) from eventstore.events) as events"""
        )
        assert row is not None
        return row["rows"], row["ids"], row["seen"], row["events"]
    finally:
        await conn.close()


async def submitted_count(settings: Settings) -> int:
    conn = await asyncpg.connect(settings.require_database_url())
    try:
        query = "select count(*) from eventstore.events where type = 'ProposalSubmitted'"
        return int(await conn.fetchval(query))
    finally:
        await conn.close()


async def create_event_topics(settings: Settings, partitions: int) -> None:
    """Create the event topics the way a broker auto-creates them: with its own partition count."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        names = settings.topology.event_topics()
        await admin.create_topics([NewTopic(name, partitions, 1) for name in names])
    finally:
        await admin.close()


@pytest.mark.parametrize("auto_created", [False, True], ids=["relay-creates", "auto-created"])
async def test_a_broker_killed_and_restarted_empty_loses_no_acknowledged_proposal(
    settings: Settings, own_broker: EmbeddedBroker, auto_created: bool
) -> None:
    """`auto_created`: after the restart, the topics come back with more partitions than
    declared before the relay sees the broker again (as when a consumer's metadata request
    makes the broker auto-create them)."""
    settings = settings.model_copy(update={"kafka_bootstrap_servers": own_broker.bootstrap})
    sut = System(settings)
    await sut.start("relay", "projection:proposals", "api")
    try:
        process_id = await create_process(sut)
        accepted: set[str] = set()
        failed = unanswered = 0
        limits = httpx.Limits(max_connections=64)
        async with httpx.AsyncClient(
            base_url=sut.base_url,
            limits=limits,
            timeout=60,
            headers={"Authorization": f"Bearer {sut.token(Role.CITIZEN, 'bo')}"},
        ) as citizen:

            async def submit(i: int) -> None:
                nonlocal failed, unanswered
                body = {**PROPOSAL, "title": f"Forslag {i}"}
                try:
                    response = await citizen.post(
                        f"/api/v1/processes/{process_id}/proposals", json=body
                    )
                except httpx.TransportError:
                    # No answer is no acknowledgement: the proposal may or may not be stored.
                    unanswered += 1
                    return
                if response.status_code == 201:
                    accepted.add(response.json()["id"])
                    if len(accepted) >= 300:
                        enough.set()
                else:
                    failed += 1

            enough = asyncio.Event()

            async def crash_broker_midway() -> None:
                await enough.wait()
                relay = sut.services["relay"].process
                assert relay is not None
                if auto_created:
                    relay.send_signal(signal.SIGSTOP)
                own_broker.kill()
                await asyncio.sleep(0.5)
                await asyncio.to_thread(own_broker.start)
                if auto_created:
                    await create_event_topics(settings, settings.partitions + 1)
                    relay.send_signal(signal.SIGCONT)

            await asyncio.gather(crash_broker_midway(), *(submit(i) for i in range(1000)))
            assert len(accepted) + failed + unanswered == 1000
            assert unanswered < 100, f"{unanswered} requests got no answer"
            stored = await submitted_count(settings)
            items = await listed(citizen, process_id, stored)
        ids = [item["id"] for item in items]
        assert len(ids) == len(set(ids)) == stored, "a proposal is listed twice"
        assert accepted <= set(ids), "an acknowledged proposal is lost"
        assert len(set(ids) - accepted) <= unanswered, "a refused proposal is listed"
        rows, distinct, seen, events = await read_model_counts(settings)
        assert rows == distinct == len(ids)
        assert seen == events  # every event applied exactly once
    finally:
        await sut.stop()


async def test_a_projection_killed_mid_stream_resumes_without_gaps_or_doubles(
    settings: Settings,
) -> None:
    # Small batches (one transaction each), so that a kill lands between two of them.
    sut = System(settings.model_copy(update={"projection_batch": 50}))
    await sut.start("relay", "api")
    try:
        process_id = await create_process(sut)
        async with sut.client(Role.CITIZEN, "bo") as citizen:
            gate = asyncio.Semaphore(64)

            async def submit(i: int) -> int:
                async with gate:
                    response = await citizen.post(
                        f"/api/v1/processes/{process_id}/proposals",
                        json={**PROPOSAL, "title": f"Forslag {i}"},
                    )
                return response.status_code

            assert set(await asyncio.gather(*(submit(i) for i in range(1500)))) == {201}
        await sut.start("projection:proposals")
        for _ in range(600):
            rows, *_ = await read_model_counts(settings)
            if rows >= 100:
                break
            await asyncio.sleep(0.005)
        sut.services["projection:proposals"].kill()
        await sut.services["projection:proposals"].process.wait()  # type: ignore[union-attr]
        killed_at, *_ = await read_model_counts(settings)
        await sut.start("projection:proposals")
        async with sut.client(Role.CITIZEN, "bo") as citizen:
            await listed(citizen, process_id, 1500)
        await sut.wait_ready()
        rows, distinct, seen, events = await read_model_counts(settings)
        assert 0 < killed_at < 1500, "the projection was not killed mid-stream"
        assert rows == distinct == 1500
        assert seen == events == 1501
    finally:
        await sut.stop()


async def test_a_malformed_record_goes_to_the_dead_letter_topic_and_later_events_apply(
    settings: Settings,
) -> None:
    sut = System(settings)
    await sut.start("relay", "projection:proposals", "api")
    topology = settings.topology
    try:
        process_id = await create_process(sut)
        async with sut.client(Role.CITIZEN, "bo") as citizen:
            await citizen.post(f"/api/v1/processes/{process_id}/proposals", json=PROPOSAL)
            await listed(citizen, process_id, 1)
            producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
            await producer.start()
            marker = secrets.token_hex(8)
            try:
                await producer.send_and_wait(
                    topology.events_topic("budgeting"),
                    key=process_id.encode(),
                    value=b"{not json " + marker.encode(),
                    headers=[("ce_specversion", b"1.0"), ("ce_type", b"dk.samskab.Nope.v1")],
                    partition=0,
                )
            finally:
                await producer.stop()
            after = await citizen.post(
                f"/api/v1/processes/{process_id}/proposals", json={**PROPOSAL, "title": "Efter"}
            )
            assert after.status_code == 201
            items = await listed(citizen, process_id, 2)
        assert {i["title"] for i in items} == {PROPOSAL["title"], "Efter"}
        consumer = AIOKafkaConsumer(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            dlq = TopicPartition(topology.dead_letter_topic("proposals"), 0)
            consumer.assign([dlq])
            await consumer.seek_to_beginning(dlq)
            records = []
            for _ in range(50):
                records += (await consumer.getmany(dlq, timeout_ms=200)).get(dlq, [])
                if records:
                    break
        finally:
            await consumer.stop()
        (record,) = records
        assert marker.encode() in record.value
        headers = dict(record.headers)
        assert b"MalformedRecord" in headers["dlq_reason"]
        assert headers["dlq_source_topic"] == topology.events_topic("budgeting").encode()
    finally:
        await sut.stop()
