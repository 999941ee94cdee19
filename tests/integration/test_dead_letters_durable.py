"""Dead letters outlive restarts, are retried once after a fix or set aside with a reason,
and show in /status as dead letters, never as lag or as an API that is not ready.

The poison is real: a trigger on the proposals read model refuses one title, so the live
projection service's apply fails for that event; the fix is dropping the trigger.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from events.base import Event, Role
from events.budgeting import ProposalSubmitted
from events.envelope import Envelope
from projections.catalog import PROJECTIONS
from services import readiness
from services.audit.replay import replay
from services.platform.settings import Settings
from services.runtime.embedded import EmbeddedBroker
from tests.flows import PROPOSAL, create_process
from tests.integration.test_proposals_system import listed
from tests.system import System

POISON = "Forgiftet forslag"


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    """A broker this test may kill and restart (empty, on the same port)."""
    b = EmbeddedBroker(log_path=tmp_path / "broker.log")
    b.start()
    yield b
    b.stop()


@pytest.fixture
async def sut(settings: Settings, own_broker: EmbeddedBroker) -> AsyncIterator[System]:
    settings = settings.model_copy(update={"kafka_bootstrap_servers": own_broker.bootstrap})
    system = System(settings)
    await system.start("relay", "projection:proposals", "api")
    yield system
    await system.stop()


async def sql(sut: System, query: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(sut.settings.require_database_url())
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


async def poison_the_read_model(sut: System) -> None:
    conn = await asyncpg.connect(sut.settings.require_database_url())
    try:
        await conn.execute(
            f"""create function proj_proposals.refuse() returns trigger language plpgsql as $$
            begin
              if new.title = '{POISON}' then raise exception 'refused title'; end if;
              return new;
            end $$;
            create trigger refuse before insert on proj_proposals.proposals
              for each row execute function proj_proposals.refuse();"""
        )
    finally:
        await conn.close()


async def fix_the_read_model(sut: System) -> None:
    await sql(sut, "drop trigger refuse on proj_proposals.proposals")


async def samskab(sut: System, *args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.cli.main",
        *args,
        env={**sut.env(), "COLUMNS": "250"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, output.decode()


async def proposals_status(sut: System) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=sut.base_url) as client:
        response = await client.get("/status")
    assert response.status_code == 200, response.text
    return dict(response.json()["projections"]["proposals"])


async def dead_lettered(sut: System) -> list[asyncpg.Record]:
    """Wait until the poison event is dead-lettered; its rows."""
    for _ in range(300):
        rows = await sql(sut, "select * from proj_proposals.dead_letters order by id")
        if rows:
            return rows
        await asyncio.sleep(0.1)
    raise AssertionError("the poison event was never dead-lettered")


async def submit_poison_and_one_after(sut: System) -> str:
    await poison_the_read_model(sut)
    process_id = await create_process(sut)
    async with sut.client(Role.CITIZEN, "bo") as citizen:
        for title in (POISON, "Efter giften"):
            response = await citizen.post(
                f"/api/v1/processes/{process_id}/proposals", json={**PROPOSAL, "title": title}
            )
            assert response.status_code == 201, response.text
        (after,) = await listed(citizen, process_id, 1)
    assert after["title"] == "Efter giften"
    return process_id


async def test_a_poison_event_is_kept_in_postgresql_across_restarts_and_a_retry_applies_it_once(
    sut: System, own_broker: EmbeddedBroker
) -> None:
    process_id = await submit_poison_and_one_after(sut)
    (row,) = await dead_lettered(sut)
    assert row["status"] == "waiting" and row["event_type"] == "ProposalSubmitted"
    assert row["attempts"] == 3 and "refused title" in row["reason"]
    assert row["seq"] is not None and row["record_value"]

    await sut.wait_ready()  # the API accepts commands; the dead letter is not lag
    status = await proposals_status(sut)
    assert status["state"] == "dead_lettered"
    assert (status["lag_events"], status["dead_letters"], status["caught_up"]) == (0, 1, False)
    pool = await asyncpg.create_pool(sut.settings.require_database_url(), min_size=1)
    try:
        assert not await readiness.caught_up(pool, ["proposals"])
    finally:
        await pool.close()

    # The broker loses everything (its dead-letter topic included) and the projection
    # restarts; the relay republishes. The dead letter is still there, still one row.
    projection = sut.services["projection:proposals"]
    await projection.stop()
    own_broker.kill()
    await asyncio.to_thread(own_broker.start)
    await projection.start()
    await sut.wait_ready()
    (again,) = await dead_lettered(sut)
    assert again["id"] == row["id"] and again["status"] == "waiting"

    code, output = await samskab(sut, "dlq", "list", "--projection", "proposals")
    assert code == 0, output
    assert "1 dead letters, 1 waiting, 0 set aside" in output and "refused title" in output

    await fix_the_read_model(sut)
    code, output = await samskab(sut, "dlq", "retry", "--projection", "proposals")
    assert code == 0, output
    assert "applied 1, still failing 0" in output
    code, output = await samskab(sut, "dlq", "retry", "--projection", "proposals")
    assert code == 0 and "applied 0, still failing 0" in output, output

    async with sut.client(Role.CITIZEN, "bo") as citizen:
        titles = sorted(p["title"] for p in await listed(citizen, process_id, 2))
    assert titles == sorted([POISON, "Efter giften"])
    (applied_once,) = await sql(
        sut, "select count(*) as n from proj_proposals.proposals where title = $1", POISON
    )
    assert applied_once["n"] == 1
    status = await proposals_status(sut)
    assert (status["state"], status["caught_up"], status["dead_letters"]) == ("ok", True, 0)
    (retried,) = await sql(sut, "select status, retried_at from proj_proposals.dead_letters")
    assert retried["status"] == "retried" and retried["retried_at"] is not None


async def test_a_dead_letter_set_aside_with_a_reason_no_longer_counts_against_the_projection(
    sut: System,
) -> None:
    await submit_poison_and_one_after(sut)
    (row,) = await dead_lettered(sut)
    args = ["dlq", "set-aside", "--projection", "proposals", "--id", str(row["id"])]

    code, output = await samskab(sut, *args, "--reason", "  ")
    assert code == 2 and "--reason" in output
    code, output = await samskab(sut, *args[:-1], str(row["id"] + 99), "--reason", "x")
    assert code == 2 and "no waiting dead letter" in output
    assert (await proposals_status(sut))["state"] == "dead_lettered"  # nothing changed

    code, output = await samskab(sut, *args, "--reason", "duplicate of 12", "--by", "anna")
    assert code == 0, output
    (aside,) = await sql(sut, "select * from proj_proposals.dead_letters")
    assert (aside["status"], aside["set_aside_reason"], aside["set_aside_by"]) == (
        "set_aside",
        "duplicate of 12",
        "anna",
    )
    assert aside["set_aside_at"] is not None
    status = await proposals_status(sut)
    assert (status["state"], status["dead_letters"], status["set_aside"]) == ("ok", 0, 1)
    assert status["lag_events"] == 0 and status["caught_up"] is True

    code, output = await samskab(sut, "dlq", "list", "--projection", "proposals")
    assert "set aside: duplicate of 12" in output and "0 waiting, 1 set aside" in output
    code, output = await samskab(sut, *args, "--reason", "again")
    assert code == 2  # only a waiting dead letter can be set aside


async def test_a_replay_records_what_it_cannot_apply_and_keeps_a_dead_letter_set_aside(
    sut: System,
) -> None:
    await submit_poison_and_one_after(sut)
    (row,) = await dead_lettered(sut)
    set_aside = ["dlq", "set-aside", "--projection", "proposals", "--id", str(row["id"])]
    code, output = await samskab(sut, *set_aside, "--reason", "test data", "--by", "anna")
    assert code == 0, output
    live = PROJECTIONS["proposals"]

    async def refusing(conn: Any, schema: str, env: Envelope, event: Event) -> None:
        if isinstance(event, ProposalSubmitted) and event.title == POISON:
            raise RuntimeError("refused title")
        await live.apply(conn, schema, env, event)

    result = await replay(sut.settings, dataclasses.replace(live, apply=refusing, apply_batch=None))
    assert result.swapped  # the rebuild went through the poison event instead of failing
    rows = await sql(sut, "select seq, status, set_aside_reason from proj_proposals.dead_letters")
    assert [tuple(r) for r in rows] == [(row["seq"], "set_aside", "test data")]
    titles = await sql(sut, "select title from proj_proposals.proposals")
    assert [r["title"] for r in titles] == ["Efter giften"]
    status = await proposals_status(sut)
    assert (status["state"], status["set_aside"], status["caught_up"]) == ("ok", 1, True)
