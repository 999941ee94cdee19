"""The embargo on every read path, through the real system: a process whose live results are not
public goes through voting, a proposed and a decided allocation, and the publication of its
results. As a citizen and anonymously, no endpoint shows scores, amounts allocated or winners
before the results are published (403 for the tally, the embargoed shape elsewhere), and the
public topic holds no allocation, also after the feed is killed and restarted; afterwards the
endpoints show them and the topic carries each once, in its original order. A process whose live
results are public keeps publishing its allocations at once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from events.base import Role
from events.budgeting_followup import ImplementationStatus
from projections.catalog import PROJECTIONS
from services.audit.replay import replay, tables_differ
from services.platform import db
from services.platform.settings import Settings
from tests.integration.test_budgeting_ballots import AREA, to_voting
from tests.integration.test_budgeting_process import Flow, ok
from tests.integration.test_feed_public import public_records
from tests.system import System

READ_MODELS = ("processes", "proposals", "ballots", "ledger", "participation", "tallies", "feed")
PRICES = [400_000, 500_000, 300_000]  # kroner, budget 1,000,000: the first two win, 900,000
OUTCOME = ("AllocationProposed", "AllocationDecided")
# Reads that have nothing to do with a budgeting process's outcome (volunteering).
ELSEWHERE = ("/api/v1/tasks", "/api/v1/shifts/", "/api/v1/me/", "/api/v1/reports/")
# Keys that tell a count or the outcome: present at all, or (second set) not null.
NEVER = {"score", "ballots_counted", "proposed", "decided", "skipped", "selected"}
NULL = {"funded", "allocated", "allocated_ore", "remaining", "remaining_ore"}
NULL |= {"outstanding", "outstanding_ore", "implementation_status", "progress_percent"}
TELLING = {"funded", "not_funded", *ImplementationStatus}  # a status only a winner gets


@pytest.fixture
async def system(settings: Settings) -> AsyncIterator[System]:
    sut = System(settings)
    await sut.start("relay", *(f"projection:{m}" for m in READ_MODELS), "api")
    yield sut
    await sut.stop()


def outcome_in(body: Any, where: str = "") -> list[str]:
    """Where a JSON body tells a score, a count of the tally, an amount allocated or a winner."""
    found: list[str] = []
    if isinstance(body, list):
        for i, item in enumerate(body):
            found += outcome_in(item, f"{where}[{i}]")
    elif isinstance(body, dict):
        for key, value in body.items():
            at = f"{where}.{key}"
            if key in NEVER or (key in NULL and value is not None):
                found.append(f"{at}={value!r}")
            elif key == "status" and value in TELLING:
                found.append(f"{at}={value!r}")
            elif key == "projects" and value:
                found.append(f"{at} not empty")
            else:
                found += outcome_in(value, at)
    return found


class Paths:
    """Every read of one process, with the ids it needs."""

    def __init__(self, flow: Flow, ids: list[str], receipt: str) -> None:
        self.flow, self.ids, self.receipt = flow, ids, receipt

    def shown(self) -> dict[str, str]:
        """OpenAPI path → a URL to read, for every read that a citizen or anonymous may call."""
        p, one = self.flow.url(), self.flow.url(f"/proposals/{self.ids[0]}")
        base = "/api/v1/processes/{process_id}"
        return {
            "/api/v1/processes": "/api/v1/processes",
            base: p,
            f"{base}/proposals": f"{p}/proposals",
            f"{base}/proposals/{{proposal_id}}": one,
            f"{base}/proposals/{{proposal_id}}/implementation": f"{one}/implementation",
            f"{base}/proposals/{{proposal_id}}/history": f"{one}/history",
            f"{base}/ledger": f"{p}/ledger",
            f"{base}/participation": f"{p}/participation",
            f"{base}/ballots/mine": f"{p}/ballots/mine",
            f"{base}/ballots/mine/receipt": f"{p}/ballots/mine/receipt",
            f"{base}/receipts/{{receipt}}": f"{p}/receipts/{self.receipt}",
        }

    def refused(self) -> dict[str, str]:
        """Reads refused to a citizen or anonymous caller: the tally under embargo, and what
        only staff, administrators and auditors may read."""
        p, base = self.flow.url(), "/api/v1/processes/{process_id}"
        return {
            f"{base}/tally": f"{p}/tally",
            f"{base}/tally/stream": f"{p}/tally/stream",
            f"{base}/allocations": f"{p}/allocations",
            "/api/v1/audit": f"/api/v1/audit?stream=process-{self.flow.process_id}",
        }

    async def every_read_is_covered(self) -> None:
        spec = ok(await self.flow.http.get("/openapi.json"))
        reads = {path for path, ops in spec["paths"].items() if "get" in ops}
        api = {r for r in reads if r.startswith("/api/v1") and not r.startswith(ELSEWHERE)}
        assert api == set(self.shown()) | set(self.refused()), "a read is not checked here"

    async def nothing_told(self, voter: str) -> None:
        """As the voter and anonymously: every read either refuses or hides the outcome."""
        flow = self.flow
        citizen = flow.auth(Role.CITIZEN, voter)
        for headers in (citizen, {}):
            for path, url in self.shown().items():
                response = await flow.http.get(url, headers=headers)
                if "/mine" in path and not headers:
                    assert response.status_code == 401, f"{url}: {response.text}"
                    continue
                leaked = outcome_in(ok(response))
                assert not leaked, f"{url} as {'citizen' if headers else 'anonymous'}: {leaked}"
            for path, url in self.refused().items():
                response = await flow.http.get(url, headers=headers)
                if path.endswith(("/tally", "/tally/stream")):
                    assert response.status_code == 403, f"{url}: {response.text}"
                    assert response.json()["code"] == "results_embargoed"
                else:
                    assert response.status_code == (403 if headers else 401), response.text
        page = await flow.http.get(f"/live/{flow.process_id}")
        assert page.status_code == 200 and not any(i in page.text for i in self.ids)
        # staff are under the embargo too; the outcome itself is recorded and administrators
        # and auditors see it
        staff = flow.auth(Role.STAFF, "s")
        for url in (flow.url("/tally"), flow.url("/allocations")):
            refused = await flow.http.get(url, headers=staff)
            assert refused.status_code == 403, f"{url}: {refused.text}"
            assert refused.json()["code"] == "results_embargoed"
        (area,) = ok(await flow.http.get(flow.url("/ledger"), headers=staff))
        assert area["allocated"] is None
        (area,) = ok(await flow.http.get(flow.url("/ledger"), headers=flow.admin))
        assert area["allocated"] == "900000.00"
        # each project named by its title, as the catalog names it
        catalog = ok(await flow.http.get(flow.url("/proposals")))
        titles = {p["id"]: p["title"] for p in catalog}
        assert all(titles.values())
        named = {p["proposal_id"]: p["title"] for p in area["projects"]}
        assert named == {i: titles[i] for i in self.ids[:2]}
        (allocation,) = ok(await flow.http.get(flow.url("/allocations"), headers=flow.admin))
        for funded in (*allocation["proposed"], *allocation["decided"]):
            assert funded["title"] == titles[funded["proposal_id"]]
        assert ok(await flow.http.get(flow.url("/tally"), headers=flow.auth(Role.AUDITOR, "a")))

    async def outcome_told(self, voter: str) -> None:
        flow = self.flow
        for headers in (flow.auth(Role.CITIZEN, voter), {}):
            tally = ok(await flow.http.get(flow.url("/tally"), headers=headers))
            scores = {p["id"]: p["score"] for p in tally["budgets"][0]["proposals"]}
            assert scores == {self.ids[0]: 3, self.ids[1]: 3, self.ids[2]: 2}
            funded = ok(await flow.http.get(flow.url("/proposals?status=funded"), headers=headers))
            assert {(p["id"], p["funded"]) for p in funded} == {
                (self.ids[0], "400000.00"),
                (self.ids[1], "500000.00"),
            }
            (lost,) = ok(await flow.http.get(flow.url("/proposals?status=not_funded")))
            assert lost["id"] == self.ids[2]
            one = flow.url(f"/proposals/{self.ids[0]}/implementation")
            work = ok(await flow.http.get(one, headers=headers))
            assert (work["status"], work["progress_percent"]) == ("not_started", 0)
            (area,) = ok(await flow.http.get(flow.url("/ledger"), headers=headers))
            assert (area["allocated"], area["remaining"]) == ("900000.00", "100000.00")
            assert {p["proposal_id"] for p in area["projects"]} == set(self.ids[:2])


async def public_budgeting(settings: Settings, process_id: str) -> list[tuple[str, Any, str]]:
    """(type, payload, ce_id) of the process's records on the public budgeting topic, in order."""
    out = []
    for record in await public_records(settings):
        headers = {k: v.decode() for k, v in record.headers}
        payload = json.loads(record.value)
        if record.topic.endswith(".budgeting") and payload.get("process_id") == process_id:
            kind = headers["ce_type"].removeprefix("dk.samskab.public.").removesuffix(".v1")
            out.append((kind, payload, headers["ce_id"]))
    return out


async def event_ids(settings: Settings, process_id: str) -> dict[str, str]:
    conn = await db.connect(settings.require_database_url())
    try:
        rows = await conn.fetch(
            "select type, event_id from eventstore.events where key = $1 "
            "and type = any($2::text[]) order by seq",
            process_id,
            list(OUTCOME),
        )
    finally:
        await conn.close()
    return {r["type"]: str(r["event_id"]) for r in rows}


async def restart_feed(sut: System) -> None:
    """Kill the feed mid-life (no clean shutdown) and start it again."""
    feed = sut.services["projection:feed"]
    feed.kill()
    assert feed.process is not None
    await feed.process.wait()
    await feed.start()


async def allocate(flow: Flow) -> None:
    ok(await flow.http.post(flow.url(f"/allocations/{AREA}/propose"), headers=flow.admin))
    decide = flow.url(f"/allocations/{AREA}/decide")
    ok(await flow.http.post(decide, json={"confirm": True}, headers=flow.admin))


async def vote(flow: Flow, tmp: Path, voters: list[str]) -> tuple[list[str], str]:
    """A process voting on PRICES: three ballots for the first two, two for the third. The
    proposal ids and the last ballot's receipt."""
    ids = await to_voting(flow, tmp, {"format": "approval"}, PRICES, voters)
    receipt = ""
    for i, voter in enumerate(voters):
        choice = {"local_area": AREA, "approvals": ids[:2] if i < 3 else ids[2:]}
        headers = flow.auth(Role.CITIZEN, voter)
        cast = ok(await flow.http.post(flow.url("/ballots"), json=choice, headers=headers))
        receipt = cast["receipt"]
    return ids, receipt


async def test_no_read_path_tells_the_outcome_under_embargo_until_results_are_published(
    system: System, tmp_path: Path
) -> None:
    settings = system.settings
    flow, open_flow = Flow(system), Flow(system)
    voters = [f"v-{i}" for i in range(5)]
    try:
        ids, receipt = await vote(flow, tmp_path, voters)
        # a second process with public live results: its outcome goes out as it happens
        await to_voting(open_flow, tmp_path, {"format": "approval"}, [100_000], ["w-0"])
        public = {"public": True}
        ok(
            await open_flow.http.put(
                open_flow.url("/live-results"), json=public, headers=flow.admin
            )
        )

        paths = Paths(flow, ids, receipt)
        await paths.every_read_is_covered()
        await system.wait_ready()
        voting = await public_budgeting(settings, flow.process_id)
        assert voting and not {t for t, _, _ in voting} & set(OUTCOME)

        await flow.phase("tallying")
        await allocate(flow)
        await open_flow.phase("tallying")
        await allocate(open_flow)
        await system.wait_ready()
        await paths.nothing_told(voters[-1])
        open_types = [t for t, _, _ in await public_budgeting(settings, open_flow.process_id)]
        assert [t for t in open_types if t in OUTCOME] == list(OUTCOME)
        held = [t for t, _, _ in await public_budgeting(settings, flow.process_id)]
        assert held[-1] == "PhaseChanged" and not set(held) & set(OUTCOME)

        # a replay of the feed holds the same records as the live feed
        await replay(settings, PROJECTIONS["feed"], name="copy_feed")
        conn = await db.connect(settings.require_database_url())
        try:
            assert await conn.fetchval("select count(*) from proj_feed.held") == 2
            differ = await tables_differ(conn, "proj_feed", "copy_feed")
        finally:
            await conn.close()
        assert {"held", "processes", "tasks", "shifts"} <= set(differ)
        assert {t: n for t, n in differ.items() if n and t != "published"} == {}

        await restart_feed(system)  # what is held survives the feed's crash
        await system.wait_ready()
        assert not {t for t, _, _ in await public_budgeting(settings, flow.process_id)} & set(
            OUTCOME
        )

        await flow.phase("results_published")
        await system.wait_ready()
        records: list[tuple[str, Any, str]] = []
        for _ in range(30):
            records = await public_budgeting(settings, flow.process_id)
            if (
                records
                and records[-1][0] == "PhaseChanged"
                and records[-2][0] == "AllocationDecided"
            ):
                break
            await asyncio.sleep(0.5)
        tail = [(t, p.get("to_phase")) for t, p, _ in records[-4:]]
        assert tail == [
            ("PhaseChanged", "tallying"),
            ("AllocationProposed", None),
            ("AllocationDecided", None),
            ("PhaseChanged", "results_published"),
        ]
        assert len({c for _, _, c in records}) == len(records)  # each once
        sent = {t: c for t, _, c in records if t in OUTCOME}
        assert sent == await event_ids(settings, flow.process_id)  # the ce_id of its event
        decided = next(p for t, p, _ in records if t == "AllocationDecided")
        assert {f["proposal_id"] for f in decided["funded"]} == set(ids[:2])
        assert "decided_by" not in decided
        await paths.outcome_told(voters[-1])

        await restart_feed(system)  # and nothing is sent again after another restart
        renamed = {"title": "Borgerbudget 2026, resultater"}
        ok(await flow.http.patch(flow.url(), json=renamed, headers=flow.admin))
        await system.wait_ready()
        after: list[tuple[str, Any, str]] = []
        for _ in range(30):
            after = await public_budgeting(settings, flow.process_id)
            if len(after) > len(records):
                break
            await asyncio.sleep(0.5)
        assert after[:-1] == records and after[-1][0] == "ProcessDetailsChanged"
    finally:
        await flow.close()
        await open_flow.close()


async def test_the_outcome_stays_hidden_while_the_tallies_read_model_is_not_running(
    settings: Settings, tmp_path: Path
) -> None:
    sut = System(settings)  # no tallies projection: the overview's phase and embargo decide
    await sut.start("relay", "projection:processes", "projection:proposals", "projection:ledger")
    await sut.start("api")
    flow = Flow(sut)
    try:
        ids, _ = await vote(flow, tmp_path, [f"v-{i}" for i in range(5)])
        await flow.phase("tallying")
        await allocate(flow)
        await sut.wait_ready()
        for headers in (flow.auth(Role.CITIZEN, "v-0"), {}):
            for path in ("/proposals", f"/proposals/{ids[0]}", "/ledger"):
                body = ok(await flow.http.get(flow.url(path), headers=headers))
                assert not outcome_in(body), f"{path}: {outcome_in(body)}"
        await flow.phase("results_published")
        await sut.wait_ready()
        (area,) = ok(await flow.http.get(flow.url("/ledger")))
        assert area["allocated"] == "900000.00"
    finally:
        await flow.close()
        await sut.stop()
