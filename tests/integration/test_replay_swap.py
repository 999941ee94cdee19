"""Replay through the real system: a rebuilt read model equals the live one table by table, the
swap keeps the live service working, and a point-in-time copy stops where it is told."""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from collections.abc import AsyncIterator

import asyncpg
import pytest

from events.base import Role
from projections.catalog import PROJECTIONS
from services.audit.replay import replay, tables_differ
from services.platform.settings import Settings
from tests.flows import PROPOSAL, create_process
from tests.integration.test_proposals_system import listed
from tests.system import System


@pytest.fixture
async def system(settings: Settings) -> AsyncIterator[System]:
    sut = System(settings)
    await sut.start("relay", "projection:proposals", "projection:audit", "api")
    yield sut
    await sut.stop()


async def caught_up(conn: asyncpg.Connection, schema: str) -> None:
    for _ in range(300):
        seen = await conn.fetchval(f"select coalesce(sum(seen), 0) from {schema}.checkpoint")
        if seen == await conn.fetchval("select count(*) from eventstore.events"):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{schema} never caught up")


async def indexes(conn: asyncpg.Connection, schema: str) -> set[tuple[str, str]]:
    """Each index of `schema` by name and definition, the schema's name left out."""
    rows = await conn.fetch(
        "select indexname, indexdef from pg_indexes where schemaname = $1", schema
    )
    return {(r["indexname"], r["indexdef"].replace(f"{schema}.", "")) for r in rows}


async def test_a_replay_equals_the_live_read_model_and_the_swap_keeps_the_service_working(
    system: System, settings: Settings
) -> None:
    process_id = await create_process(system)
    async with system.client(Role.CITIZEN, "bo") as citizen:
        url = f"/api/v1/processes/{process_id}/proposals"
        ids = []
        for i in range(6):
            created = await citizen.post(url, json={**PROPOSAL, "title": f"Forslag {i}"})
            assert created.status_code == 201, created.text
            ids.append(created.json()["id"])
        edited = await citizen.patch(f"{url}/{ids[0]}", json={"estimated_cost": 1000})
        assert edited.status_code == 200, edited.text
        withdrawn = await citizen.post(f"{url}/{ids[1]}/withdraw", json={"reason": "dublet"})
        assert withdrawn.status_code == 200, withdrawn.text
    conn = await asyncpg.connect(settings.require_database_url())
    try:
        for schema in ("proj_proposals", "proj_audit"):
            await caught_up(conn, schema)
        cut = await conn.fetchval("select occurred_at from eventstore.events where seq = 4")

        for name in ("proposals", "audit"):
            copy = await replay(settings, PROJECTIONS[name], name=f"copy_{name}")
            assert not copy.swapped and copy.events == 9
            differ = await tables_differ(conn, f"proj_{name}", f"copy_{name}")
            assert differ and set(differ.values()) == {0}, differ
            assert await indexes(conn, f"copy_{name}") == await indexes(conn, f"proj_{name}")

        # the swap after a replay split between two worker processes
        swapped = await replay(settings, PROJECTIONS["proposals"], workers=2)
        assert swapped.swapped and swapped.schema == "proj_proposals" and swapped.events == 9
        assert set((await tables_differ(conn, "proj_proposals", "copy_proposals")).values()) == {0}
        leftovers = await conn.fetch(
            "select schema_name from information_schema.schemata "
            "where schema_name like 'proj_proposals__%'"
        )
        assert leftovers == []

        async with system.client(Role.CITIZEN, "bo") as citizen:  # the live service goes on
            after = await citizen.post(url, json={**PROPOSAL, "title": "Efter skiftet"})
            assert after.status_code == 201
            items = await listed(citizen, process_id, 6)
        assert "Efter skiftet" in {i["title"] for i in items}
        await caught_up(conn, "proj_proposals")

        pit = await replay(settings, PROJECTIONS["proposals"], until=cut, name="pit_proposals")
        assert pit.events == 4 and pit.schema == "pit_proposals"
        titles = await conn.fetch("select title from pit_proposals.proposals order by title")
        assert [r["title"] for r in titles] == ["Forslag 0", "Forslag 1", "Forslag 2"]
        assert await conn.fetchval("select count(*) from proj_proposals.proposals") == 7
    finally:
        await conn.close()


async def samskab(system: System, *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.cli.main",
        *args,
        env=system.env(),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_the_replay_command_splits_partitions_between_workers_and_refuses_bad_input(
    system: System, settings: Settings
) -> None:
    process_id = await create_process(system)
    async with system.client(Role.CITIZEN, "bo") as citizen:
        for i in range(5):
            created = await citizen.post(
                f"/api/v1/processes/{process_id}/proposals",
                json={**PROPOSAL, "title": f"Forslag {i}"},
            )
            assert created.status_code == 201, created.text
    conn = await asyncpg.connect(settings.require_database_url())
    try:
        await caught_up(conn, "proj_proposals")
        status, out, err = await samskab(
            system, "replay", "proposals", "--as", "cli_copy", "--workers", "2"
        )
        assert status == 0, err
        assert "proposals: 6 events" in out and "built in cli_copy" in out
        assert set((await tables_differ(conn, "proj_proposals", "cli_copy")).values()) == {0}

        for args, says in (
            (["replay", "proposals", "--as", "other", "--workers", "0"], "--workers"),
            (["replay", "proposals", "--as", "cli_copy"], "already exists"),
            (["replay", "nosuch"], "unknown projection"),
        ):
            status, out, err = await samskab(system, *args)
            assert status != 0 and says in err, (args, status, err)
        assert not await conn.fetchval(
            "select 1 from information_schema.schemata where schema_name = 'other'"
        )
    finally:
        await conn.close()


async def test_a_replay_that_fails_leaves_no_half_built_copy(
    system: System, settings: Settings
) -> None:
    process_id = await create_process(system)
    async with system.client(Role.CITIZEN, "bo") as citizen:
        created = await citizen.post(f"/api/v1/processes/{process_id}/proposals", json=PROPOSAL)
        assert created.status_code == 201, created.text

    async def failing(*_args: object) -> None:
        # A record that cannot be applied is dead-lettered; losing the database stops a replay.
        raise ConnectionResetError("the database went away")

    broken = dataclasses.replace(PROJECTIONS["proposals"], apply_batch=failing)
    with pytest.raises(ConnectionResetError, match="went away"):
        await replay(settings, broken, name="half_copy")
    conn = await asyncpg.connect(settings.require_database_url())
    try:
        assert not await conn.fetchval(
            "select count(*) from information_schema.schemata where schema_name = 'half_copy'"
        )
        assert not await conn.fetchval(
            "select count(*) from public.samskab_migrations where component like '%half_copy'"
        )
    finally:
        await conn.close()
    again = await replay(settings, PROJECTIONS["proposals"], name="half_copy")  # name is free
    assert again.events == 2
