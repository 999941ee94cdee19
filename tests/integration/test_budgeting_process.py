"""A whole participatory-budgeting process through HTTP against the real system (PostgreSQL,
broker, relay, every projection, API as child processes), and every budgeting read model
compared with a fresh replay of the topic from offset 0 into new schemas."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Iterable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from events.base import Role
from projections.catalog import PROJECTIONS
from services import readiness
from services.audit.replay import replay
from services.auth import create_token, load_keys
from services.platform.settings import Settings
from tests.flows import import_census, ok
from tests.system import Service, System

AREAS = {"Tørring": 1_000_000, "Juelsminde": 600_000, "Hedensted by": 800_000}
CORE_TASKS = ["Fritid og fællesskab", "Læring", "Beskæftigelse", "Social omsorg"]
BUDGETING_READ_MODELS = ("processes", "proposals", "ballots", "ledger", "participation")
TRACKING = ("applied", "offsets", "checkpoint", "instances", "dead_letters")


@pytest.fixture
async def system(settings: Settings) -> AsyncIterator[System]:
    sut = System(settings)
    await sut.start()
    yield sut
    await sut.stop()


class Flow:
    """Clients for each role against one running system, and the steps of a process."""

    def __init__(self, sut: System) -> None:
        self.sut = sut
        self.keys = load_keys(sut.settings)
        # idle connections are dropped before the server's 5 s keep-alive timeout closes them
        limits = httpx.Limits(max_connections=48, keepalive_expiry=1)
        self.http = httpx.AsyncClient(base_url=sut.base_url, timeout=60, limits=limits)
        self.process_id = ""

    def auth(self, role: Role, subject: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {create_token(self.keys, subject, role, 3600)}"}

    @property
    def admin(self) -> dict[str, str]:
        return self.auth(Role.ADMIN, "anna")

    @property
    def staff(self) -> dict[str, str]:
        return self.auth(Role.STAFF, "sif")

    def url(self, path: str = "") -> str:
        return f"/api/v1/processes/{self.process_id}{path}"

    async def create(self, areas: dict[str, int], **extra: Any) -> str:
        body = {
            "title": "Borgerbudget 2026",
            "title_en": "Participatory budget 2026",
            "municipality": "Hedensted",
            "budgets": [{"local_area": a, "amount": kr} for a, kr in areas.items()],
            **extra,
        }
        created = ok(await self.http.post("/api/v1/processes", json=body, headers=self.admin), 201)
        self.process_id = created["id"]
        return self.process_id

    async def phase(self, to_phase: str) -> None:
        ok(
            await self.http.post(
                self.url("/phase"), json={"to_phase": to_phase}, headers=self.admin
            )
        )

    async def submit(self, author: str, area: str, core_task: str, cost: int) -> str:
        body = {
            "title": f"Forslag fra {author}",
            "description": f"Et bedre {area} for alle: legeplads og bænke ({core_task})",
            "estimated_cost": cost,
            "local_area": area,
            "core_task": core_task,
        }
        headers = self.auth(Role.CITIZEN, author)
        return str(
            ok(await self.http.post(self.url("/proposals"), json=body, headers=headers), 201)["id"]
        )

    async def approve(self, proposal_id: str, price: int) -> None:
        p = self.url(f"/proposals/{proposal_id}")
        ok(await self.http.post(f"{p}/review", json={"feasible": True}, headers=self.staff))
        ok(await self.http.post(f"{p}/cost-estimate", json={"cost": price}, headers=self.staff))
        ok(await self.http.post(f"{p}/price", json={}, headers=self.staff))

    async def ballot(self, proposal_id: str) -> None:
        p = self.url(f"/proposals/{proposal_id}/ballot")
        ok(await self.http.post(p, headers=self.staff))

    async def close(self) -> None:
        await self.http.aclose()


async def bounded(jobs: Iterable[Awaitable[Any]], limit: int = 32) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def run(job: Awaitable[Any]) -> Any:
        async with gate:
            return await job

    return list(await asyncio.gather(*(run(j) for j in jobs)))


async def event_count(settings: Settings) -> int:
    conn = await asyncpg.connect(settings.require_database_url())
    try:
        return int(await conn.fetchval("select count(*) from eventstore.events"))
    finally:
        await conn.close()


async def read_model(conn: asyncpg.Connection[Any], schema: str) -> dict[str, list[str]]:
    """Every read-model table of a schema (not the tracking tables), rows as sorted JSON."""
    tables = [
        r["table_name"]
        for r in await conn.fetch(
            "select table_name from information_schema.tables where table_schema = $1",
            schema,
        )
        if r["table_name"] not in TRACKING
    ]
    return {
        t: [
            r["row"]
            for r in await conn.fetch(
                f"select row_to_json(t)::text as row from {schema}.{t} t order by 1"
            )
        ]
        for t in sorted(tables)
    }


async def replay_and_compare(sut: System, names: Iterable[str], within: float = 90) -> None:
    """Build each projection again from offset 0 into a fresh schema; it must equal the live
    one table by table."""
    replicas = []
    names = list(names)
    for name, port in zip(names, sut.ports(len(names)), strict=True):
        schema = f"replay_{name}"
        args = ["serve", "projection", name, "--schema", schema, "--ops-port", str(port)]
        service = Service(f"replay:{name}", args, sut.env())
        await service.start()
        replicas.append((name, schema, service))
    conn = await asyncpg.connect(sut.settings.require_database_url())
    try:
        deadline = asyncio.get_running_loop().time() + within
        for name, schema, _ in replicas:
            while True:
                try:
                    lag, alive = await readiness.projection_lag(conn, PROJECTIONS[name], schema)
                    if alive and lag == 0:
                        break
                except asyncpg.UndefinedTableError:
                    pass
                assert asyncio.get_running_loop().time() < deadline, f"{name} never caught up"
                await asyncio.sleep(0.2)
        for name, schema, _ in replicas:
            live = await read_model(conn, PROJECTIONS[name].default_schema)
            fresh = await read_model(conn, schema)
            assert live.keys() == fresh.keys()
            for table in live:
                assert live[table] == fresh[table], f"{name}.{table} differs from its replay"
            # `samskab replay` with its partitions split between two worker processes, each
            # far ahead of or behind the other, builds the same read model.
            parallel = await replay(sut.settings, PROJECTIONS[name], name=f"w2_{name}", workers=2)
            assert parallel.events == await conn.fetchval(
                f"select sum(seen) from {schema}.checkpoint"
            )
            split = await read_model(conn, f"w2_{name}")
            for table in live:
                assert live[table] == split[table], f"{name}.{table} differs from 2 workers"
    finally:
        await conn.close()
        await asyncio.gather(*(s.stop() for _, _, s in replicas))


def knapsack_choice(rng: random.Random, items: list[tuple[str, int]], budget: int) -> list[str]:
    chosen, spent = [], 0
    for proposal_id, price in rng.sample(items, len(items)):
        if spent + price <= budget and (not chosen or rng.random() < 0.6):
            chosen.append(proposal_id)
            spent += price
    return chosen


async def test_a_whole_process_runs_through_http_and_every_read_model_equals_its_replay(
    system: System, tmp_path: Path
) -> None:
    rng = random.Random(20260501)
    flow = Flow(system)
    try:
        pid = await flow.create(AREAS)
        rules = {"rules": {"format": "knapsack", "min_projects": 1}, "budget_scope": "own_area"}
        ok(await flow.http.put(flow.url("/ballot-rules"), json=rules, headers=flow.admin))
        ok(await flow.http.put(flow.url("/tally-rule"), json={"rule": "mes"}, headers=flow.admin))

        # 40 proposals from 40 citizens across the three areas and four core tasks
        areas = list(AREAS)
        plan = [
            (f"author{i}", areas[i % 3], CORE_TASKS[i % 4], 40_000 + 5_000 * i) for i in range(40)
        ]
        ids = await bounded(flow.submit(*p) for p in plan)
        area_of = {pid_: p[1] for pid_, p in zip(ids, plan, strict=True)}

        await flow.phase("review")
        # staff review: 4 not feasible, 1 merged into another, the rest priced and on the ballot
        not_feasible = ids[:4]
        for p in not_feasible:
            body = {"feasible": False, "reason": "Kræver kommunal jord"}
            ok(
                await flow.http.post(
                    flow.url(f"/proposals/{p}/review"), json=body, headers=flow.staff
                )
            )
        duplicate, survivor = ids[4], ids[7]  # both in the same area
        assert area_of[duplicate] == area_of[survivor]
        body = {"into_proposal_id": survivor, "reason": "Samme idé"}
        ok(
            await flow.http.post(
                flow.url(f"/proposals/{duplicate}/merge"), json=body, headers=flow.staff
            )
        )
        on_ballot = [p for p in ids[5:]]
        prices = {p: 50_000 + 10_000 * (i % 12) for i, p in enumerate(on_ballot)}
        await bounded((flow.approve(p, prices[p]) for p in on_ballot), limit=8)
        body = {"other_proposal_id": on_ballot[1], "reason": "Samme grund"}
        ok(
            await flow.http.post(
                flow.url(f"/proposals/{on_ballot[4]}/incompatible"), json=body, headers=flow.staff
            )
        )
        for p in on_ballot:  # the process stream is one writer: one at a time
            await flow.ballot(p)

        # census: 2,100 residents, 60 of them under 15 → 2,040 eligible
        voters = [(f"cpr-{i:05d}", areas[i % 3]) for i in range(2_100)]
        rows = [
            f"{v},{a},{'2015-06-01' if i % 35 == 0 else '1980-01-01'}"
            for i, (v, a) in enumerate(voters)
        ]
        summary = await import_census(system, pid, rows, tmp_path)
        assert "2040 eligible" in summary
        of_age = [(v, a) for i, (v, a) in enumerate(voters) if i % 35 != 0]

        await flow.phase("voting")
        items = {a: [(p, prices[p]) for p in on_ballot if area_of[p] == a] for a in areas}
        budget_ore = {a: kr * 100 for a, kr in AREAS.items()}
        for a in areas:
            items[a] = [(p, kr * 100) for p, kr in items[a]]
        before_refusals = await event_count(system.settings)

        async def cast(i: int, voter: str, area: str) -> str:
            choice = knapsack_choice(rng, items[area], budget_ore[area])
            body: dict[str, Any] = {"local_area": area, "approvals": choice}
            if i % 10 == 0:  # paper, entered by staff
                body |= {"voter": voter, "channel": "paper"}
                r = await flow.http.post(flow.url("/ballots/paper"), json=body, headers=flow.staff)
            elif i % 10 == 1:
                body |= {"voter": voter, "channel": "assisted"}
                r = await flow.http.post(flow.url("/ballots/paper"), json=body, headers=flow.staff)
            else:
                headers = flow.auth(Role.CITIZEN, voter)
                r = await flow.http.post(flow.url("/ballots"), json=body, headers=headers)
            return str(ok(r)["receipt"])

        receipts = await bounded(cast(i, v, a) for i, (v, a) in enumerate(of_age[:2_000]))
        assert len(set(receipts)) == 2_000
        # 100 web voters change their mind, 20 withdraw
        changers = [(v, a) for i, (v, a) in enumerate(of_age[:2_000]) if i % 10 >= 2][:120]
        replaced = await bounded(cast(5, v, a) for v, a in changers[:100])
        for v, a in changers[100:]:
            r = await flow.http.post(
                flow.url("/ballots/withdraw"),
                json={"local_area": a},
                headers=flow.auth(Role.CITIZEN, v),
            )
            ok(r)
        assert await event_count(system.settings) == before_refusals + 2_000 + 100 + 20

        await flow.phase("tallying")
        decided: dict[str, Any] = {}
        for a in areas:
            proposed = ok(
                await flow.http.post(flow.url(f"/allocations/{a}/propose"), headers=flow.admin)
            )
            assert proposed["ballots_counted"] == sum(1 for _, x in of_age[:2_000] if x == a) - sum(
                1 for _, x in changers[100:] if x == a
            )
            assert proposed["funded"], f"nothing funded in {a}"
            decided[a] = proposed
        first, second, third = areas
        for a in (first, second):
            ok(
                await flow.http.post(
                    flow.url(f"/allocations/{a}/decide"), json={"confirm": True}, headers=flow.admin
                )
            )
        partial = [
            {"proposal_id": f["proposal_id"], "amount": f["amount_ore"] // 200}
            for f in decided[third]["funded"]
        ]
        body = {
            "funded": partial,
            "reason": "Byrådet finansierer halvdelen; resten søges fra fonde",
        }
        ok(
            await flow.http.post(
                flow.url(f"/allocations/{third}/decide"), json=body, headers=flow.admin
            )
        )
        await flow.phase("results_published")
        funded_one = decided[first]["funded"][0]
        body = {"proposal_id": funded_one["proposal_id"], "amount": 10_000, "reference": "ERP-1"}
        ok(
            await flow.http.post(
                flow.url(f"/ledger/{first}/disbursements"), json=body, headers=flow.admin
            )
        )

        await system.wait_ready(within=120)
        participation = {
            p["local_area"]: p for p in ok(await flow.http.get(flow.url("/participation")))
        }
        assert sum(p["ballots"] for p in participation.values()) == 2_000 - 20
        assert sum(p["eligible"] for p in participation.values()) == 2_040
        assert sum(p["by_channel"].get("paper", 0) for p in participation.values()) == 200
        ledger = {row["local_area"]: row for row in ok(await flow.http.get(flow.url("/ledger")))}
        for row in ledger.values():
            assert (
                row["remaining_ore"] + row["disbursed_ore"] + row["outstanding_ore"]
                == row["budget_ore"]
            )
        assert ledger[first]["disbursed_ore"] == 1_000_000
        voter, area = changers[0]
        mine = ok(
            await flow.http.get(flow.url("/ballots/mine"), headers=flow.auth(Role.CITIZEN, voter))
        )
        assert [b["times_cast"] for b in mine] == [2]
        assert mine[0]["receipt"] == replaced[0]
        check = ok(await flow.http.get(flow.url(f"/receipts/{replaced[0]}")))
        assert check["counted"] is True
        old_receipt = receipts[of_age.index((voter, area))]
        assert ok(await flow.http.get(flow.url(f"/receipts/{old_receipt}")))["status"] == "replaced"
        funded = ok(await flow.http.get(flow.url("/proposals"), params={"status": "funded"}))
        assert {p["local_area"] for p in funded} == set(areas)

        await replay_and_compare(system, BUDGETING_READ_MODELS)
    finally:
        await flow.close()
