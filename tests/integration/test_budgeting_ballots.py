"""Ballots under real concurrency and in every format, through the real system."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import asyncpg

from events.base import Role
from tests.integration.test_budgeting_process import (
    Flow,
    event_count,
    import_census,
    ok,
    system,
)
from tests.system import System

__all__ = ["system"]

AREA = "Tørring"


async def to_voting(
    flow: Flow,
    tmp: Path,
    rules: dict[str, Any],
    prices: list[int],
    voters: list[str],
    *,
    budget: int = 1_000_000,
    settings: dict[str, Any] | None = None,
) -> list[str]:
    """A process with one area of `budget` kroner, `prices` (kroner) on its ballot, `voters`
    eligible, voting; `settings` are further PUTs on the process first (path → body)."""
    pid = await flow.create({AREA: budget})
    ok(await flow.http.put(flow.url("/ballot-rules"), json={"rules": rules}, headers=flow.admin))
    for path, body in (settings or {}).items():
        ok(await flow.http.put(flow.url(path), json=body, headers=flow.admin))
    ids = [await flow.submit(f"author{i}", AREA, "Læring", price) for i, price in enumerate(prices)]
    await flow.phase("review")
    for proposal_id, price in zip(ids, prices, strict=True):
        await flow.approve(proposal_id, price)
        await flow.ballot(proposal_id)
    await import_census(flow.sut, pid, [f"{v},{AREA},1970-01-01" for v in voters], tmp)
    await flow.phase("voting")
    return ids


async def ballot_events(settings: Any, process_id: str) -> list[str]:
    conn = await asyncpg.connect(settings.require_database_url())
    try:
        rows = await conn.fetch(
            "select type from eventstore.events where key = $1 and type like 'Ballot%' "
            "order by seq",
            process_id,
        )
        return [r["type"] for r in rows]
    finally:
        await conn.close()


async def test_a_hundred_simultaneous_ballots_from_one_voter_leave_exactly_one_counted(
    system: System, tmp_path: Path
) -> None:
    flow = Flow(system)
    try:
        rules = {"format": "knapsack"}
        ids = await to_voting(flow, tmp_path, rules, [400_000, 400_000, 400_000], ["cpr-1"])
        citizen = flow.auth(Role.CITIZEN, "cpr-1")
        before = await event_count(system.settings)

        over = await flow.http.post(
            flow.url("/ballots"),
            json={"local_area": AREA, "approvals": ids},
            headers=citizen | {"Accept-Language": "en"},
        )
        assert over.status_code == 422
        assert "spends 1,200,000 kr. of a 1,000,000 kr. budget" in over.json()["detail"]
        assert over.json()["code"] == "over_budget"

        async def cast(i: int) -> Any:
            body = {"local_area": AREA, "approvals": [ids[i % 3]]}
            return await flow.http.post(flow.url("/ballots"), json=body, headers=citizen)

        responses = await asyncio.gather(*(cast(i) for i in range(100)))
        statuses = [r.status_code for r in responses]
        accepted = [r.json() for r in responses if r.status_code == 200]
        refused = [r.json() for r in responses if r.status_code != 200]
        assert set(statuses) <= {200, 409}, statuses
        assert all(r["detail"] for r in refused)
        assert len(accepted) + len(refused) == 100

        types = await ballot_events(system.settings, flow.process_id)
        assert types.count("BallotCast") == 1
        assert types.count("BallotReplaced") == len(accepted) - 1
        assert await event_count(system.settings) == before + len(accepted)
        assert sorted(a["replaced"] for a in accepted) == [False] + [True] * (len(accepted) - 1)

        await system.wait_ready()
        statuses_of = [
            ok(await flow.http.get(flow.url(f"/receipts/{a['receipt']}")))["status"]
            for a in accepted
        ]
        assert statuses_of.count("counted") == 1
        participation = ok(await flow.http.get(flow.url("/participation")))
        assert [(p["ballots"], p["eligible"]) for p in participation] == [(1, 1)]
        (mine,) = ok(await flow.http.get(flow.url("/ballots/mine"), headers=citizen))
        assert mine["times_cast"] == len(accepted) and mine["active"] is True
        counted = accepted[statuses_of.index("counted")]
        assert mine["receipt"] == counted["receipt"]
    finally:
        await flow.close()


async def test_cumulative_and_ranked_ballots_are_checked_counted_and_allocated(
    system: System, tmp_path: Path
) -> None:
    flow = Flow(system)
    try:
        for rules, choices, wrong, message in (
            (
                {"format": "cumulative", "points": 10, "max_per_project": 6},
                lambda ids, i: {"points": {ids[i % 3]: 6, ids[(i + 1) % 3]: 4}},
                lambda ids: {"points": {ids[0]: 7}},
                "gives one project 7 points",
            ),
            (
                {"format": "ranked", "top_k": 2},
                lambda ids, i: {"ranking": [ids[i % 3], ids[(i + 1) % 3]]},
                lambda ids: {"ranking": ids},
                "ranks 3 projects",
            ),
        ):
            voters = [f"{rules['format']}-{i}" for i in range(6)]
            ids = await to_voting(flow, tmp_path, rules, [300_000, 300_000, 300_000], voters)
            for i, voter in enumerate(voters):
                body = {"local_area": AREA, **choices(ids, i)}
                headers = flow.auth(Role.CITIZEN, voter)
                ok(await flow.http.post(flow.url("/ballots"), json=body, headers=headers))
            bad = await flow.http.post(
                flow.url("/ballots"),
                json={"local_area": AREA, **wrong(ids)},
                headers=flow.auth(Role.CITIZEN, voters[0]) | {"Accept-Language": "en"},
            )
            assert bad.status_code == 422 and message in bad.json()["detail"], bad.text
            await flow.phase("tallying")
            proposed = ok(
                await flow.http.post(flow.url(f"/allocations/{AREA}/propose"), headers=flow.admin)
            )
            assert proposed["ballots_counted"] == 6
            assert 1 <= len(proposed["funded"]) <= 3
    finally:
        await flow.close()


async def test_staff_entering_a_paper_ballot_for_someone_not_in_the_census_are_told_so(
    system: System, tmp_path: Path
) -> None:
    flow = Flow(system)
    try:
        rules = {"format": "approval", "max_selections": 3}
        ids = await to_voting(flow, tmp_path, rules, [300_000], ["010170-1234"])
        before = await event_count(system.settings)
        ballot = {"voter": "020280-4321", "local_area": AREA, "approvals": ids}
        for lang, text in (
            ("da", "Vælgeren findes ikke i valglisten for dette forløb."),
            ("en", "The voter is not in this process's census."),
        ):
            refused = await flow.http.post(
                flow.url("/ballots/paper"),
                json=ballot,
                headers=flow.staff | {"Accept-Language": lang},
            )
            assert refused.status_code == 404, refused.text
            assert refused.headers["Content-Language"] == lang
            assert refused.json() == {
                "error": "not_found",
                "detail": text,
                "code": "voter_not_in_census",
            }
        citizen = flow.auth(Role.CITIZEN, "020280-4321")
        own = await flow.http.post(
            flow.url("/ballots"), json={"local_area": AREA, "approvals": ids}, headers=citizen
        )
        assert own.status_code == 403 and own.json()["code"] == "voter_not_eligible"
        assert own.json()["detail"].startswith("Du er ikke registreret")
        assert await event_count(system.settings) == before
    finally:
        await flow.close()
