"""Dead letters, kept in PostgreSQL: listed with their reason, retried after a fix.

A projection whose apply fails for chosen events (a "poison" row names them) runs as a real
runner; the fix is deleting the poison row; the retry then applies them exactly once.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg
from aiokafka.admin import NewTopic

from events.base import Event
from events.budgeting import ProposalSubmitted
from events.envelope import Envelope
from projections.runner import ProjectionRunner
from projections.spec import ProjectionSpec, migrate_projection
from services.audit.dead_letters import list_dead_letters, retry
from services.platform import db
from services.platform.kafka import clients
from services.platform.settings import Settings
from tests.integration.test_audit_verify import record_events, relayed
from tests.system import System

MIGRATION = """
create table {schema}.titles (seq bigint primary key, title text not null);
create table {schema}.poison (title text primary key);
"""


async def apply(conn: asyncpg.Connection[Any], schema: str, env: Envelope, event: Event) -> None:
    if isinstance(event, ProposalSubmitted):
        if await conn.fetchval(f"select 1 from {schema}.poison where title = $1", event.title):
            raise RuntimeError(f"poisoned title {event.title!r}")
        await conn.execute(f"insert into {schema}.titles values ($1, $2)", env.seq, event.title)


def flaky_spec(tmp_path: Path) -> ProjectionSpec:
    folder = tmp_path / f"flaky_{uuid4().hex[:6]}"
    folder.mkdir()
    (folder / "0001_titles.sql").write_text(MIGRATION)
    return ProjectionSpec(name="flaky", topics=("budgeting",), migrations=folder, apply=apply)


async def run_until(runner: ProjectionRunner, pool: asyncpg.Pool[Any], seen: int) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    try:
        for _ in range(300):
            got = await pool.fetchval(
                f"select coalesce(sum(next_offset), 0) from {runner.schema}.offsets"
            )
            if got >= seen:
                return
            await asyncio.sleep(0.1)
        raise AssertionError("the projection never reached the end of the topic")
    finally:
        stop.set()
        await task


async def test_a_record_that_failed_is_applied_by_a_retry_after_the_fix_and_the_rest_stay(
    settings: Settings, tmp_path: Path
) -> None:
    dsn = settings.require_database_url()
    spec = flaky_spec(tmp_path)
    conn = await db.connect(dsn)
    await migrate_projection(conn, spec)
    await conn.execute(
        "insert into proj_flaky.poison values ('Forslag 1'), ('Forslag 2'), ('Forslag 3')"
    )
    await conn.close()
    admin = clients.admin(settings)
    await admin.start()
    await admin.create_topics([NewTopic(settings.topology.dead_letter_topic("flaky"), 1, 1)])
    await admin.close()
    sut = System(settings)
    await sut.start("relay")
    pool = await db.create_pool(dsn)
    try:
        await record_events(dsn, 5)  # seq 1 process, seq 2..6 "Forslag 0".."Forslag 4"
        await relayed(dsn)
        producer = clients.producer(settings)
        await producer.start()
        await producer.send_and_wait(
            settings.topology.events_topic("budgeting"),
            value=b"not json",
            key=b"k",
            partition=0,
            headers=[("ce_specversion", b"1.0")],
        )
        await producer.stop()
        runner = ProjectionRunner(pool, settings, spec)
        await run_until(runner, pool, 7)
        assert await pool.fetchval("select count(*) from proj_flaky.titles") == 2

        letters = await list_dead_letters(pool, spec)
        assert [(d.seq, d.status, d.attempts) for d in letters if d.seq] == [
            (3, "waiting", 3),
            (4, "waiting", 3),
            (5, "waiting", 3),
        ]
        assert all("poisoned title" in d.reason for d in letters if d.seq)
        assert [d.event_type for d in letters if d.seq] == ["ProposalSubmitted"] * 3
        (bad,) = [d for d in letters if d.seq is None]
        assert bad.status == "waiting" and "MalformedRecord" in bad.reason
        assert bad.value == b"not json" and bad.attempts == 0

        await pool.execute("delete from proj_flaky.poison where title <> 'Forslag 2'")  # the fix
        outcome = await retry(pool, settings, spec)
        assert [d.seq for d in outcome.applied] == [3, 5]
        ((still, why),) = outcome.still_failing
        assert still.seq == 4 and "Forslag 2" in why
        assert [d.id for d in outcome.malformed] == [bad.id]

        again = await retry(pool, settings, spec)  # nothing is applied twice
        assert again.applied == [] and again.already_resolved == 0
        assert [d.seq for d, _ in again.still_failing] == [4]
        statuses = {d.seq: d.status for d in await list_dead_letters(pool, spec)}
        assert statuses == {3: "retried", 4: "waiting", 5: "retried", None: "waiting"}
        titles = await pool.fetch("select title from proj_flaky.titles order by seq")
        assert [r["title"] for r in titles] == ["Forslag 0", "Forslag 1", "Forslag 3", "Forslag 4"]
        seen = await pool.fetchval("select sum(seen) from proj_flaky.checkpoint")
        assert seen == 5  # every applied event counted once; seq 4 still missing
    finally:
        await pool.close()
        await sut.stop()


async def test_dlq_list_on_the_command_line_names_every_projection(settings: Settings) -> None:
    sut = System(settings)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.cli.main",
        "dlq",
        "list",
        env={**sut.env(), "COLUMNS": "200"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await proc.communicate()
    assert proc.returncode == 0, output.decode()
    assert "0 dead letters, 0 waiting, 0 set aside" in output.decode()
