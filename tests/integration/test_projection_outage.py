"""A database outage in the middle of a batch: the projection service does not dead-letter the
batch nor skip it; it rewinds, waits and applies every event once when the database answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg

from events.base import Event
from events.budgeting import ProposalSubmitted
from events.envelope import Envelope
from projections.runner import ProjectionRunner
from projections.spec import ProjectionSpec, migrate_projection
from services.audit.dead_letters import list_dead_letters
from services.platform import db
from services.platform.settings import Settings
from tests.integration.test_audit_dead_letters import run_until
from tests.integration.test_audit_verify import record_events, relayed
from tests.system import System

MIGRATION = "create table {schema}.titles (seq bigint primary key, title text not null);"
OUTAGES = {"left": 0}


async def apply(conn: asyncpg.Connection[Any], schema: str, env: Envelope, event: Event) -> None:
    if isinstance(event, ProposalSubmitted):
        if OUTAGES["left"] > 0:
            OUTAGES["left"] -= 1
            raise ConnectionResetError("the database went away")
        await conn.execute(f"insert into {schema}.titles values ($1, $2)", env.seq, event.title)


def outage_spec(tmp_path: Path) -> ProjectionSpec:
    folder = tmp_path / f"outage_{uuid4().hex[:6]}"
    folder.mkdir()
    (folder / "0001_titles.sql").write_text(MIGRATION)
    return ProjectionSpec(name="outage", topics=("budgeting",), migrations=folder, apply=apply)


async def test_a_database_outage_mid_batch_is_waited_out_and_every_event_applies_once(
    settings: Settings, tmp_path: Path
) -> None:
    dsn = settings.require_database_url()
    spec = outage_spec(tmp_path)
    conn = await db.connect(dsn)
    await migrate_projection(conn, spec)
    await conn.close()
    sut = System(settings)
    await sut.start("relay")
    pool = await db.create_pool(dsn)
    try:
        await record_events(dsn, 5)  # seq 1 process, seq 2..6 "Forslag 0".."Forslag 4"
        await relayed(dsn)
        OUTAGES["left"] = 3  # the first three applies find the database gone
        await run_until(ProjectionRunner(pool, settings, spec), pool, 6)

        assert OUTAGES["left"] == 0
        titles = await pool.fetch("select title from proj_outage.titles order by seq")
        assert [r["title"] for r in titles] == [f"Forslag {i}" for i in range(5)]
        assert await pool.fetchval("select sum(seen) from proj_outage.checkpoint") == 6
        assert await list_dead_letters(pool, spec) == []
    finally:
        await pool.close()
        await sut.stop()
