"""Live tallies through the real system: the projection equals the tally engine over the active
ballots, the SSE stream sends snapshots (coalesced, resumable with Last-Event-ID), and the
embargo keeps citizens and anonymous callers out until results are published."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from events.base import Role
from events.registry import decode
from projections.catalog import PROJECTIONS
from services.api.budgeting.tally.hub import TallyHub
from services.audit.replay import replay, tables_differ
from services.domain import budgeting as domain
from services.domain.budgeting.ballots import BALLOT_INITIAL, BallotState, evolve_ballot
from services.domain.budgeting.tally_input import election_for, tally_compatible
from services.platform import db
from services.platform.settings import Settings
from services.tally import Rule
from services.tally.profile import support_profile
from tests.flows import eventually
from tests.integration.test_budgeting_ballots import AREA, to_voting
from tests.integration.test_budgeting_process import Flow, ok
from tests.system import System

BALLOT_TYPES = ["BallotCast", "BallotReplaced", "BallotWithdrawn"]


@pytest.fixture
async def system(settings: Settings) -> AsyncIterator[System]:
    sut = System(settings)
    await sut.start("relay", "projection:tallies", "projection:proposals", "api")
    yield sut
    await sut.stop()


async def engine_scores(settings: Settings, process_id: str) -> tuple[int, dict[str, int]]:
    """Ballots counted and each proposal's score by the tally engine, from the event store."""
    process, ballots = await from_events(settings, process_id)
    assert process.rules is not None
    election = election_for(
        process.rules, AREA, process.budgets[AREA], process.ballot[AREA], ballots.values()
    )
    profile = support_profile(election)
    return election.voter_count, {s.project.id: int(s.score) for s in profile.supports}


async def engine_winners(settings: Settings, process_id: str) -> list[str]:
    """What the allocation would select now, counted from the event store."""
    process, ballots = await from_events(settings, process_id)
    assert process.rules is not None
    counted = tally_compatible(
        process.rules,
        AREA,
        process.budgets[AREA],
        process.ballot[AREA],
        list(ballots.values()),
        Rule(process.tally_rule.value),
        frozenset(),
    )
    return list(counted.result.selected_ids)


async def from_events(
    settings: Settings, process_id: str
) -> tuple[domain.ProcessState, dict[str, BallotState]]:
    conn = await db.connect(settings.require_database_url())
    try:
        rows = await conn.fetch(
            "select stream_id, type, version, data from eventstore.events where key = $1 "
            "order by seq",
            process_id,
        )
    finally:
        await conn.close()
    process = domain.PROCESS_INITIAL
    ballots: dict[str, BallotState] = {}
    for r in rows:
        event = decode(r["type"], r["version"], r["data"])
        if r["stream_id"] == domain.process_stream(UUID(process_id)):
            process = domain.evolve_process(process, event)
        elif r["type"] in BALLOT_TYPES:
            ballots[r["stream_id"]] = evolve_ballot(
                ballots.get(r["stream_id"], BALLOT_INITIAL), event
            )
    return process, ballots


def tally_of(snapshot: dict[str, Any]) -> tuple[int, dict[str, int]]:
    (budget,) = snapshot["budgets"]
    return budget["ballots"], {p["id"]: p["score"] for p in budget["proposals"]}


async def caught_up(flow: Flow) -> dict[str, Any]:
    await flow.sut.wait_ready()
    return dict(ok(await flow.http.get(flow.url("/tally"), headers=flow.admin)))


async def cast(flow: Flow, voter: str, choice: dict[str, Any]) -> None:
    body = {"local_area": AREA, **choice}
    headers = flow.auth(Role.CITIZEN, voter)
    ok(await flow.http.post(flow.url("/ballots"), json=body, headers=headers))


async def withdraw(flow: Flow, voter: str) -> None:
    headers = flow.auth(Role.CITIZEN, voter)
    body = {"local_area": AREA}
    ok(await flow.http.post(flow.url("/ballots/withdraw"), json=body, headers=headers))


async def test_the_live_tally_equals_the_engine_after_casts_replacements_and_withdrawals(
    system: System, tmp_path: Path
) -> None:
    flow = Flow(system)
    try:
        for rules, choose in (
            ({"format": "approval"}, lambda ids, i: {"approvals": ids[i % 3 : i % 3 + 2]}),
            (
                {"format": "cumulative", "points": 10, "max_per_project": 7},
                lambda ids, i: {"points": {ids[i % 3]: 7, ids[(i + 1) % 3]: 3}},
            ),
            ({"format": "ranked", "top_k": 3}, lambda ids, i: {"ranking": ids[i % 3 :]}),
        ):
            voters = [f"{rules['format']}-{i}" for i in range(8)]
            ids = await to_voting(flow, tmp_path, rules, [100_000, 200_000, 300_000], voters)
            for i, voter in enumerate(voters):
                await cast(flow, voter, choose(ids, i))
            for i, voter in enumerate(voters[:3]):  # replacements move the votes
                await cast(flow, voter, choose(ids, i + 1))
            await cast(flow, voters[0], choose(ids, 2))  # and a second replacement
            for voter in voters[5:7]:
                await withdraw(flow, voter)
            await cast(flow, voters[5], choose(ids, 0))  # back after a withdrawal

            snapshot = await caught_up(flow)
            ballots, scores = tally_of(snapshot)
            expected_ballots, expected = await engine_scores(system.settings, flow.process_id)
            assert (ballots, scores) == (expected_ballots, expected)
            assert ballots == 7
            assert snapshot["ballot_format"] == rules["format"]
            titles = {p["title"] for p in snapshot["budgets"][0]["proposals"]}
            assert titles == {f"Forslag fra author{i}" for i in range(3)}
    finally:
        await flow.close()


async def test_citizens_and_anonymous_see_no_tally_or_outcome_until_results_are_published(
    system: System, tmp_path: Path
) -> None:
    flow = Flow(system)
    try:
        ids = await to_voting(flow, tmp_path, {"format": "approval"}, [100_000], ["v-1"])
        await cast(flow, "v-1", {"approvals": ids})
        await caught_up(flow)
        citizen = flow.auth(Role.CITIZEN, "v-1") | {"Accept-Language": "en"}
        for path in ("/tally", "/tally/stream"):
            for headers in (citizen, {"Accept-Language": "en"}):
                refused = await flow.http.get(flow.url(path), headers=headers)
                assert refused.status_code == 403, refused.text
                assert refused.json()["code"] == "results_embargoed"
                assert "embargoed" in refused.json()["detail"]
            staff = await flow.http.get(flow.url(path), headers=flow.auth(Role.STAFF, "s"))
            assert staff.status_code == 403 and staff.json()["code"] == "results_embargoed"
            for role in (Role.ADMIN, Role.AUDITOR):
                if path == "/tally":
                    seen = ok(await flow.http.get(flow.url(path), headers=flow.auth(role, "x")))
                    assert tally_of(seen) == (1, {ids[0]: 1})
        danish = await flow.http.get(flow.url("/tally"))
        assert "embargo" in danish.json()["detail"] and "optællingen" in danish.json()["detail"]

        public = {"public": True}
        ok(await flow.http.put(flow.url("/live-results"), json=public, headers=flow.admin))
        await caught_up(flow)
        assert tally_of(ok(await flow.http.get(flow.url("/tally"), headers=citizen))) == (
            1,
            {ids[0]: 1},
        )
        hidden = {"public": False}
        ok(await flow.http.put(flow.url("/live-results"), json=hidden, headers=flow.admin))
        await flow.phase("tallying")
        await caught_up(flow)
        assert (await flow.http.get(flow.url("/tally"))).status_code == 403
        ok(await flow.http.post(flow.url(f"/allocations/{AREA}/propose"), headers=flow.admin))
        confirm = {"confirm": True}
        decide = flow.url(f"/allocations/{AREA}/decide")
        ok(await flow.http.post(decide, json=confirm, headers=flow.admin))
        await caught_up(flow)
        catalog, funded = flow.url("/proposals"), flow.url("/proposals?status=funded")
        (listed,) = ok(await flow.http.get(catalog, headers=citizen))  # the outcome stays hidden
        assert (listed["status"], listed["funded"]) == ("on_ballot", None)
        assert ok(await flow.http.get(funded)) == []
        (one,) = ok(await flow.http.get(flow.url("/proposals?status=on_ballot")))
        assert one["status"] == "on_ballot"
        assert ok(await flow.http.get(flow.url(f"/proposals/{ids[0]}")))["funded"] is None
        assert ok(await flow.http.get(funded, headers=flow.staff)) == []  # staff wait too
        (admin_view,) = ok(await flow.http.get(funded, headers=flow.admin))
        assert admin_view["funded"] == "100000.00"

        await flow.phase("results_published")
        await caught_up(flow)
        assert tally_of(ok(await flow.http.get(flow.url("/tally")))) == (1, {ids[0]: 1})
        (published,) = ok(await flow.http.get(funded))
        assert (published["status"], published["funded"]) == ("funded", "100000.00")
    finally:
        await flow.close()


async def voting_under(
    flow: Flow, tmp: Path, rule: str, budget: int, prices: list[int], voters: list[str]
) -> list[str]:
    """A process with one area of `budget` kroner counted by `rule`, approval ballots of
    `prices` (kroner), `voters` eligible, voting, its live results public."""
    settings = {"/tally-rule": {"rule": rule}, "/live-results": {"public": True}}
    rules = {"format": "approval"}
    return await to_voting(flow, tmp, rules, prices, voters, budget=budget, settings=settings)


async def test_the_snapshot_and_the_stream_carry_the_current_winners_under_the_process_rule(
    system: System, tmp_path: Path
) -> None:
    """Greedy by approvals: A (5) and B (4) fit, C (3) no longer does. Equal shares gives the
    two C voters their share: A and C. Both equal the allocation's count from the events."""
    flow = Flow(system)
    try:
        for rule, winners in (("greedy", "AB"), ("mes", "AC")):
            voters = [f"{rule}-{i}" for i in range(7)]
            ids = await voting_under(flow, tmp_path, rule, 1_000, [500, 400, 450], voters)
            a, b, c = ids
            named = dict(zip("ABC", ids, strict=True))
            opening = await caught_up(flow)
            assert opening["budgets"][0]["selected"] == []  # no ballots, no winners
            async with stream(flow) as events:
                first = json.loads((await events.next())["data"])
                assert first["budgets"][0]["selected"] == []
                choices = [[a, b]] * 4 + [[a, c]] + [[c]] * 2
                for voter, approvals in zip(voters, choices, strict=True):
                    await cast(flow, voter, {"approvals": approvals})
                while True:  # until the stream shows every ballot, its winners counted
                    pushed = json.loads((await asyncio.wait_for(events.next(), 60))["data"])
                    if pushed["budgets"][0]["ballots"] == 7 and (
                        pushed["outcome_version"] == pushed["version"]
                    ):
                        break
            expected = [named[w] for w in winners]
            assert sorted(pushed["budgets"][0]["selected"]) == sorted(expected)
            snapshot = await caught_up(flow)
            assert snapshot["outcome_version"] == snapshot["version"]
            assert snapshot["budgets"][0]["selected"] == pushed["budgets"][0]["selected"]
            assert snapshot["budgets"][0]["selected"] == await engine_winners(
                system.settings, flow.process_id
            )
    finally:
        await flow.close()


class Events:
    """The events of one SSE response, read as they arrive."""

    def __init__(self, response: httpx.Response) -> None:
        self._lines = response.aiter_lines()

    async def next(self) -> dict[str, Any]:
        event: dict[str, Any] = {}
        async for line in self._lines:
            if not line:
                if "data" in event:
                    return event
                event = {}
                continue
            name, _, value = line.partition(":")
            if name:
                event[name] = value.removeprefix(" ")
        raise EOFError("stream ended")


@contextlib.asynccontextmanager
async def stream(flow: Flow, last_event_id: int | None = None) -> AsyncIterator[Events]:
    headers = dict(flow.admin)
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    async with flow.http.stream("GET", flow.url("/tally/stream"), headers=headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        yield Events(response)


async def until_ballots(events: Events, ballots: int) -> tuple[dict[str, Any], int]:
    """Read events until one shows `ballots`; that event and how many were read."""
    seen = 0
    while True:
        event = await asyncio.wait_for(events.next(), 60)
        seen += 1
        if tally_of(json.loads(event["data"]))[0] == ballots:
            return event, seen


async def test_the_stream_sends_the_snapshot_then_changes_and_resumes_after_last_event_id(
    system: System, tmp_path: Path
) -> None:
    flow = Flow(system)
    try:
        voters = [f"s-{i}" for i in range(41)]
        ids = await to_voting(flow, tmp_path, {"format": "approval"}, [100_000, 100_000], voters)
        first = await caught_up(flow)
        async with stream(flow) as events:
            opening = await events.next()
            assert opening["event"] == "tally" and int(opening["id"]) == first["version"]
            assert tally_of(json.loads(opening["data"])) == (0, {ids[0]: 0, ids[1]: 0})

            await asyncio.gather(
                *(cast(flow, v, {"approvals": [ids[i % 2]]}) for i, v in enumerate(voters[:40]))
            )
            last, read = await until_ballots(events, 40)
            assert tally_of(json.loads(last["data"])) == (40, {ids[0]: 20, ids[1]: 20})
            assert read < 40  # forty ballots, fewer events: coalesced
        version = int(last["id"])

        async with stream(flow, last_event_id=version) as events:
            await cast(flow, voters[40], {"approvals": [ids[0]]})
            resumed = await asyncio.wait_for(events.next(), 60)
            assert int(resumed["id"]) > version  # nothing already seen is sent again
            assert tally_of(json.loads(resumed["data"])) == (41, {ids[0]: 21, ids[1]: 20})
        async with stream(flow, last_event_id=version) as events:
            newer = await asyncio.wait_for(events.next(), 60)
            assert int(newer["id"]) > version
    finally:
        await flow.close()


async def test_one_poll_serves_every_subscriber_with_the_newest_snapshot_only(
    database: str,
) -> None:
    pool = await db.create_pool(database, max_size=4)
    hub = TallyHub(pool, interval=3600)  # polled by hand below
    process_id = uuid4()
    try:
        await pool.execute(
            "insert into proj_tallies.processes (process_id, phase, version, updated_at) "
            "values ($1, 'voting', 1, now())",
            process_id,
        )
        subscribers = [hub.updates(process_id, after=0) for _ in range(5)]
        firsts = [await anext(s) for s in subscribers]
        assert [f.version for f in firsts] == [1] * 5
        assert hub.reads == 1
        for _ in range(50):
            await pool.execute(
                "update proj_tallies.processes set version = version + 1 where process_id = $1",
                process_id,
            )
        await hub.poll()
        seconds = [await asyncio.wait_for(anext(s), 5) for s in subscribers]
        assert [s.version for s in seconds] == [51] * 5
        assert hub.reads == 2
        await hub.poll()  # nothing moved: nothing read
        assert hub.reads == 2
        for s in subscribers:
            await s.aclose()
    finally:
        await hub.stop()
        await pool.close()


async def test_the_hub_is_woken_by_the_projection_and_listens_again_after_a_drop(
    system: System, tmp_path: Path
) -> None:
    """A hub whose timed poll is a minute away still sees each ballot within seconds: the
    tallies projection notifies on commit. After its LISTEN connection is killed it opens
    another, and is woken again."""
    flow = Flow(system)
    dsn = system.settings.require_database_url()
    pool = await db.create_pool(dsn, max_size=4)
    hub = TallyHub(pool, dsn=dsn, interval=60)
    try:
        voters = ["w-1", "w-2"]
        ids = await to_voting(flow, tmp_path, {"format": "approval"}, [100_000], voters)
        await caught_up(flow)
        updates = hub.updates(UUID(flow.process_id), after=0)
        assert (await anext(updates)).budgets[0].ballots == 0

        async def listening(other_than: int | None = None) -> int | None:
            return hub.listen_pid if hub.listen_pid != other_than else None

        async def until_counted(ballots: int) -> None:
            while (await asyncio.wait_for(anext(updates), 20)).budgets[0].ballots != ballots:
                pass  # 20 s at most, where the timed poll alone would take 60

        first = await eventually(listening, "the hub listens")
        await cast(flow, voters[0], {"approvals": ids})
        await until_counted(1)

        await pool.execute("select pg_terminate_backend($1)", first)
        await eventually(lambda: listening(other_than=first), "the hub listens again")
        await cast(flow, voters[1], {"approvals": ids})
        await until_counted(2)
        await updates.aclose()
    finally:
        await hub.stop()
        await pool.close()
        await flow.close()


async def test_a_replayed_tally_equals_the_live_one_and_counts_on_after_the_swap(
    system: System, tmp_path: Path
) -> None:
    flow = Flow(system)
    try:
        voters = [f"r-{i}" for i in range(6)]
        ids = await to_voting(flow, tmp_path, {"format": "approval"}, [100_000, 200_000], voters)
        for i, voter in enumerate(voters[:5]):
            await cast(flow, voter, {"approvals": ids[: 1 + i % 2]})
        await cast(flow, voters[0], {"approvals": [ids[1]]})
        await withdraw(flow, voters[1])
        before = await caught_up(flow)
        settings = system.settings
        copy = await replay(settings, PROJECTIONS["tallies"], name="copy_tallies")
        assert not copy.swapped
        conn = await db.connect(settings.require_database_url())
        try:
            differ = await tables_differ(conn, "proj_tallies", "copy_tallies")
            assert set(differ) >= {"processes", "budgets", "scores", "streams"}
            assert set(differ.values()) == {0}, differ
            swapped = await replay(settings, PROJECTIONS["tallies"])
            assert swapped.swapped and swapped.schema == "proj_tallies"
        finally:
            await conn.close()
        await cast(flow, voters[5], {"approvals": ids})
        after = await caught_up(flow)
        assert tally_of(before) == (4, {ids[0]: 3, ids[1]: 2})
        assert tally_of(after) == (5, {ids[0]: 4, ids[1]: 3})
    finally:
        await flow.close()


async def test_a_stream_whose_results_go_back_under_embargo_ends_saying_why_in_its_language(
    system: System, tmp_path: Path
) -> None:
    flow = Flow(system)
    try:
        await to_voting(flow, tmp_path, {"format": "approval"}, [100_000], ["e-1"])
        ok(
            await flow.http.put(
                flow.url("/live-results"), json={"public": True}, headers=flow.admin
            )
        )
        await caught_up(flow)
        headers = flow.auth(Role.CITIZEN, "e-1") | {"Accept-Language": "en"}
        async with flow.http.stream("GET", flow.url("/tally/stream"), headers=headers) as response:
            assert response.status_code == 200
            events = Events(response)
            assert (await asyncio.wait_for(events.next(), 60))["event"] == "tally"
            private = {"public": False}
            ok(await flow.http.put(flow.url("/live-results"), json=private, headers=flow.admin))
            while (last := await asyncio.wait_for(events.next(), 60))["event"] == "tally":
                pass
        assert last["event"] == "embargoed"
        assert json.loads(last["data"]) == {
            "error": "forbidden",
            "detail": "Live results are embargoed: the tally is shown once the results are "
            "published.",
            "code": "results_embargoed",
        }
    finally:
        await flow.close()
