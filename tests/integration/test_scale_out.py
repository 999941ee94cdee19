"""Scale-out by partitions: two API instances and two instances of one projection service in
one consumer group, against one PostgreSQL and the real broker.

10,000 proposals go in through both APIs. Both projection instances do work (the group splits
the partitions between them); one is killed with SIGKILL mid-stream and the other takes over its
partitions; the read model then equals a single-instance replay into a fresh schema, and every
event is applied exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import pytest

from events.base import Role
from services.platform.kafka import clients
from services.platform.kafka.clients import partition_for
from services.platform.settings import Settings
from tests.flows import PROPOSAL
from tests.system import Service, System

PROPOSALS = 10_000
PARTITIONS = 6
KILL_AT = PROPOSALS * 2 // 5  # rows in the read model when one instance is killed
PROJ = "proj_proposals"
REPLAY = "proj_replay"


@dataclass
class ScaledSystem:
    system: System
    api_ports: list[int] = field(default_factory=list)
    services: dict[str, Service] = field(default_factory=dict)

    async def start(self, name: str, *args: str) -> Service:
        service = Service(name, list(args), self.system.env())
        self.services[name] = service
        await service.start()
        return service

    async def start_all(self) -> None:
        self.api_ports = self.system.ports(2)
        await self.start("relay", "serve", "relay", "--ops-port", self.ops_port())
        # The relay creates the topics. A consumer subscribing to a topic that does not exist yet
        # makes this broker auto-create it with its own default partition count (4), as Kafka does
        # with auto.create.topics.enable (the deploy/ configs turn that off): wait for them.
        await wait_for("the relay creating the topics", self.topics_exist, within=30)
        for i in range(len(self.api_ports)):
            await self.start_api(i)
        for i in range(2):
            await self.projection(f"projection-{i}", "--group")

    async def start_api(self, i: int) -> None:
        label = f"api-{i}"
        self.services[label], self.api_ports[i] = await self.system.api_process(
            label, self.api_ports[i]
        )

    def ops_port(self) -> str:
        return str(self.system.ports(1)[0])

    async def topics_exist(self) -> bool:
        settings = self.system.settings
        admin = clients.admin(settings)
        await admin.start()
        try:
            existing = set(await admin.list_topics())
        finally:
            await admin.close()
        return {t.name for t in settings.topology.topics()} <= existing

    async def projection(self, name: str, *args: str) -> Service:
        ops = self.ops_port()
        return await self.start(name, "serve", "projection", "proposals", "--ops-port", ops, *args)

    async def stop(self) -> None:
        await asyncio.gather(*(s.stop() for s in self.services.values()))

    def client(self, port: int, role: Role, subject: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            headers={"Authorization": f"Bearer {self.system.token(role, subject)}"},
            limits=httpx.Limits(max_connections=32),
            timeout=60,
        )


@pytest.fixture
async def scaled(settings: Settings) -> AsyncIterator[ScaledSystem]:
    sut = ScaledSystem(System(settings.model_copy(update={"partitions": PARTITIONS})))
    await sut.start_all()
    yield sut
    await sut.stop()


async def query(settings: Settings, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(settings.require_database_url())
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def instances(settings: Settings) -> dict[str, tuple[frozenset[str], int]]:
    rows = await query(settings, f"select instance, partitions, applied from {PROJ}.instances")
    return {
        r["instance"]: (frozenset(p for p in r["partitions"].split(",") if p), r["applied"])
        for r in rows
    }


async def wait_for(what: str, check: Any, within: float) -> Any:
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {within:.0f} s")
        await asyncio.sleep(0.25)


async def processes_on_every_partition(sut: ScaledSystem) -> list[str]:
    """Create processes until their keys cover every partition (keys decide the partition)."""
    covered: dict[int, str] = {}
    ids: list[str] = []
    async with sut.client(sut.api_ports[0], Role.ADMIN, "anna") as admin:
        while len(covered) < PARTITIONS:
            response = await admin.post(
                "/api/v1/processes", json={"title": "Borgerbudget", "municipality": "Hedensted"}
            )
            assert response.status_code == 201, response.text
            process_id = str(response.json()["id"])
            ids.append(process_id)
            covered.setdefault(partition_for(process_id, PARTITIONS), process_id)
    return ids


@dataclass
class Submitted:
    accepted: set[str] = field(default_factory=set)
    unacknowledged: int = 0  # the connection broke before an answer: maybe recorded, maybe not


async def submit_through_both_apis(sut: ScaledSystem, process_ids: list[str]) -> Submitted:
    """Submit until PROPOSALS are acknowledged, alternating between the two APIs."""
    result = Submitted()
    numbers = itertools.count()
    async with (
        sut.client(sut.api_ports[0], Role.CITIZEN, "bo") as first,
        sut.client(sut.api_ports[1], Role.CITIZEN, "bo") as second,
    ):

        async def worker(client: httpx.AsyncClient) -> None:
            while len(result.accepted) < PROPOSALS:
                i = next(numbers)
                process_id = process_ids[i % len(process_ids)]
                body = {**PROPOSAL, "title": f"Forslag {i}"}
                try:
                    response = await client.post(
                        f"/api/v1/processes/{process_id}/proposals", json=body
                    )
                except httpx.TransportError:
                    result.unacknowledged += 1
                    continue
                assert response.status_code == 201, response.text
                result.accepted.add(str(response.json()["id"]))

        lanes = 48  # concurrent requests, split over the two APIs
        await asyncio.gather(*(worker(first if n % 2 else second) for n in range(lanes)))
    return result


async def read_model_rows(settings: Settings, schema: str = PROJ) -> int:
    (row,) = await query(settings, f"select count(*) as n from {schema}.proposals")
    return int(row["n"])


async def kill_one_instance_mid_stream(sut: ScaledSystem, victim: str) -> int:
    """SIGKILL `victim` once the read model is partly built; the rows it had then."""
    settings = sut.system.settings
    await wait_for("a partly built read model", lambda: _at_least(settings, KILL_AT), within=300)
    service = sut.services[victim]
    assert service.process is not None
    service.kill()
    await service.process.wait()
    return await read_model_rows(settings)


async def _at_least(settings: Settings, rows: int) -> bool:
    return await read_model_rows(settings) >= rows


async def caught_up(settings: Settings, schema: str) -> bool:
    with contextlib.suppress(asyncpg.UndefinedTableError):  # not migrated yet
        (row,) = await query(
            settings,
            f"select (select count(*) from eventstore.events) as events, "
            f"(select count(*) from {schema}.applied) as applied",
        )
        return bool(row["applied"] == row["events"])
    return False


@pytest.mark.slow
async def test_two_projection_instances_share_partitions_and_one_takes_over_when_the_other_dies(
    scaled: ScaledSystem,
) -> None:
    settings = scaled.system.settings
    everything = frozenset(
        f"{topic}:{p}"
        for topic in [settings.topology.events_topic("budgeting")]
        for p in range(PARTITIONS)
    )

    async def split() -> dict[str, tuple[frozenset[str], int]] | None:
        seen = await instances(settings)
        parts = [p for p, _ in seen.values() if p]
        if len(parts) == 2 and not (parts[0] & parts[1]) and (parts[0] | parts[1]) == everything:
            return seen
        return None

    # A member joining a group on this broker can wait ~14 s for its partitions.
    before = await wait_for("the group splitting the partitions", split, within=60)

    process_ids = await processes_on_every_partition(scaled)
    submitting = asyncio.create_task(submit_through_both_apis(scaled, process_ids))
    try:
        rows_at_kill = await kill_one_instance_mid_stream(scaled, "projection-0")
        submitted = await submitting
    finally:
        if not submitting.done():
            submitting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await submitting
    accepted = submitted.accepted
    assert len(accepted) >= PROPOSALS
    assert submitted.unacknowledged < PROPOSALS // 100, submitted
    assert 0 < rows_at_kill < PROPOSALS, "the instance was not killed mid-stream"

    survivor = scaled.services["projection-1"].process
    assert survivor is not None and survivor.returncode is None
    survivor_pid = survivor.pid

    async def taken_over() -> bool:
        seen = await instances(settings)
        mine = [p for name, (p, _) in seen.items() if name.endswith(f"-{survivor_pid}")]
        return bool(mine) and mine[0] == everything

    await wait_for("the survivor taking over every partition", taken_over, within=90)
    await wait_for("the survivor catching up", lambda: caught_up(settings, PROJ), within=90)

    after = await instances(settings)
    worked = {name: applied for name, (_, applied) in after.items()}
    assert len(worked) == 2 and all(n > 0 for n in worked.values()), worked
    assert len(before) == 2

    # Nothing counted twice: one row per proposal, every event applied exactly once.
    (counts,) = await query(
        settings,
        f"""select (select count(*) from {PROJ}.proposals) as rows,
                   (select count(distinct proposal_id) from {PROJ}.proposals) as ids,
                   (select coalesce(sum(seen), 0) from {PROJ}.checkpoint) as seen,
                   (select count(*) from {PROJ}.applied) as applied,
                   (select count(*) from eventstore.events) as events,
                   (select count(*) from eventstore.events
                     where type = 'ProposalSubmitted') as submitted""",
    )
    assert counts["rows"] == counts["ids"] == counts["submitted"] >= PROPOSALS
    assert counts["seen"] == counts["applied"] == counts["events"]

    # The read model equals a single instance's replay into a fresh schema.
    await scaled.projection("replay", "--schema", REPLAY)
    await wait_for("the replay", lambda: caught_up(settings, REPLAY), within=180)
    differences = []
    for table in ("proposals", "processes"):
        differences += await query(
            settings,
            f"""(select * from {PROJ}.{table} except select * from {REPLAY}.{table})
                union all
                (select * from {REPLAY}.{table} except select * from {PROJ}.{table})
                limit 5""",
        )
    assert differences == []
    assert await read_model_rows(settings, REPLAY) == counts["rows"]
    listed = {
        str(r["proposal_id"])
        for r in await query(settings, f"select proposal_id from {PROJ}.proposals")
    }
    assert accepted <= listed, "an acknowledged proposal is missing"
    assert len(listed - accepted) <= submitted.unacknowledged
