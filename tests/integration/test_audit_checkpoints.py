"""Signed checkpoints catch a store rewrite that re-hashed the chain, even after the broker was
refilled from the rewritten store (when the Kafka comparison says OK)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.audit import checkpoints
from services.audit.verify import verify_all
from services.platform import db
from services.platform.kafka import clients
from services.platform.settings import Settings
from services.runtime.embedded import EmbeddedBroker
from services.store.eventstore import EVENT_COLUMNS, envelope_from_row
from tests.integration.test_audit_verify import record_events, relayed
from tests.system import Service, System


@pytest.fixture
async def own_broker(tmp_path: Path) -> AsyncIterator[EmbeddedBroker]:
    """A broker of this test alone, so that restarting it (empty) touches no other test."""
    broker = EmbeddedBroker(log_path=tmp_path / "broker.log")
    await asyncio.to_thread(broker.start)
    yield broker
    broker.stop()


async def cli(sut: System, *args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.cli.main",
        "audit",
        *args,
        env=sut.env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await proc.communicate()
    return proc.returncode or 0, output.decode()


async def rewrite_and_rehash(dsn: str, seq: int) -> None:
    """What someone with write access to the store can do: change an event and re-hash it and
    every event after it, so that the chain holds again."""
    conn = await db.connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute(
                "update eventstore.events set data = jsonb_set(data, '{title}', '\"Forfalsket\"') "
                "where seq = $1",
                seq,
            )
            prev = await conn.fetchval("select hash from eventstore.events where seq = $1", seq - 1)
            rows = await conn.fetch(
                f"select {EVENT_COLUMNS} from eventstore.events where seq >= $1 order by seq", seq
            )
            for row in rows:
                env = envelope_from_row(row).model_copy(update={"prev_hash": prev})
                prev = env.expected_hash()
                await conn.execute(
                    "update eventstore.events set prev_hash = $2, hash = $3 where seq = $1",
                    env.seq,
                    env.prev_hash,
                    prev,
                )
    finally:
        await conn.close()


async def test_a_rehashed_rewrite_is_found_by_the_checkpoints_after_the_broker_is_refilled(
    settings: Settings, own_broker: EmbeddedBroker, tmp_path: Path
) -> None:
    settings = settings.model_copy(update={"kafka_bootstrap_servers": own_broker.bootstrap})
    dsn = settings.require_database_url()
    key_path = tmp_path / "checkpoint.pem"
    checkpoints.create_key(key_path)
    key = checkpoints.load_private_key(key_path)
    public = tmp_path / "public.pem"
    public.write_text(checkpoints.public_pem(key))
    sut = System(settings)
    await sut.start("relay")
    try:
        stored = await record_events(dsn, 8)
        await relayed(dsn)
        # the checkpoints service's work: check the chain, sign the head, publish it
        checkpointer = checkpoints.Checkpointer(key)
        producer = clients.producer(settings)
        await producer.start()
        conn = await db.connect(dsn)
        try:
            checkpoint = await checkpointer.advance(conn, datetime.now(UTC))
            assert checkpoint is not None and checkpoint.seq == stored[-1].seq
            await checkpoints.publish(settings, producer, checkpoint)
            assert await checkpointer.advance(conn, datetime.now(UTC)) is None  # head unmoved
        finally:
            await conn.close()
            await producer.stop()
        kept = tmp_path / "kept-checkpoints.jsonl"
        code, output = await cli(
            sut, "checkpoints", "--out", str(kept), "--public-key", str(public)
        )
        assert code == 0, output
        assert [c.seq for c in checkpoints.read_file(kept)] == [checkpoint.seq]
        verify = ("verify", "--checkpoints", str(kept), "--public-key", str(public))
        code, output = await cli(sut, *verify)
        assert code == 0, output  # the untouched store passes

        forged = stored[3].seq
        await rewrite_and_rehash(dsn, forged)
        own_broker.kill()  # the broker restarts empty; the relay refills it from the store
        await asyncio.to_thread(own_broker.start)
        report = await _until_refilled(settings)
        assert report.findings == [], [str(f) for f in report.findings]  # Kafka: no witness

        report = await verify_all(settings, checkpoints=checkpoints.read_file(kept))
        found = [(f.where, f.problem, f.seq) for f in report.findings]
        assert found == [("store", "rewritten", checkpoint.seq)]
        code, output = await cli(sut, *verify)
        assert code == 1
        assert f"store: rewritten at seq {checkpoint.seq}" in output
    finally:
        await sut.stop()


async def _until_refilled(settings: Settings, within: float = 60) -> object:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        report = await verify_all(settings)
        if report.ok or asyncio.get_running_loop().time() > deadline:
            return report
        await asyncio.sleep(1)


async def test_checkpoints_signed_by_another_key_are_refused_by_name(
    settings: Settings, own_broker: EmbeddedBroker, tmp_path: Path
) -> None:
    settings = settings.model_copy(update={"kafka_bootstrap_servers": own_broker.bootstrap})
    stored = await record_events(settings.require_database_url(), 2)
    theirs = checkpoints.load_private_key(_key(tmp_path / "theirs.pem"))
    ours = checkpoints.load_private_key(_key(tmp_path / "ours.pem"))
    kept = tmp_path / "kept.jsonl"
    checkpoints.add_to_file(
        kept, [checkpoints.sign(theirs, stored[-1].seq, stored[-1].hash, datetime.now(UTC))]
    )
    public = tmp_path / "ours.pub.pem"
    public.write_text(checkpoints.public_pem(ours))
    code, output = await cli(
        System(settings), "verify", "--checkpoints", str(kept), "--public-key", str(public)
    )
    assert code == 1
    assert f"file: bad-signature at seq {stored[-1].seq}" in output


def _key(path: Path) -> Path:
    checkpoints.create_key(path)
    return path


async def test_the_checkpoints_service_publishes_the_head_and_again_only_when_it_moved(
    settings: Settings, own_broker: EmbeddedBroker, tmp_path: Path
) -> None:
    settings = settings.model_copy(update={"kafka_bootstrap_servers": own_broker.bootstrap})
    dsn = settings.require_database_url()
    key_path = _key(tmp_path / "checkpoint.pem")
    public = checkpoints.load_private_key(key_path).public_key()
    admin = clients.admin(settings)
    await admin.start()
    try:
        await clients.ensure_topics(admin, settings.topology, 1)
    finally:
        await admin.close()
    sut = System(settings)
    env = {
        **sut.env(),
        "SAMSKAB_CHECKPOINT_KEY_FILE": str(key_path),
        "SAMSKAB_CHECKPOINT_INTERVAL_SECONDS": "0.2",
    }
    service = Service(
        "checkpoints", ["serve", "checkpoints", "--ops-port", str(sut.ports(1)[0])], env
    )
    first = await record_events(dsn, 3)
    await service.start()
    try:
        seen = await _published_until(settings, first[-1].seq)
        second = await record_events(dsn, 2)
        seen = await _published_until(settings, second[-1].seq)
    finally:
        await service.stop()
    # one checkpoint per head it saw (the second batch may be signed part-way too), never twice
    seqs = [c.seq for c in seen]
    assert seqs == sorted(set(seqs))
    assert first[-1].seq in seqs and seqs[-1] == second[-1].seq
    hashes = {e.seq: e.hash for e in first + second}
    assert all(c.hash == hashes[c.seq] for c in seen)
    assert all(checkpoints.is_signed_by(c, public) for c in seen)


async def _published_until(settings: Settings, seq: int, within: float = 60) -> list:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        found = await checkpoints.collect(settings)
        if any(c.seq == seq for c in found):
            await asyncio.sleep(1)  # a few more ticks: nothing more may be published
            return await checkpoints.collect(settings)
        assert asyncio.get_running_loop().time() < deadline, f"no checkpoint at seq {seq}"
        await asyncio.sleep(0.3)
