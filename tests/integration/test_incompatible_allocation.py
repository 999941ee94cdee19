"""Incompatible proposals cannot both win, through HTTP against the real PostgreSQL and API:
the allocation proposal skips the later one and says why, and a decision funding both is
refused in Danish and English without recording anything."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from events.base import Role
from services.platform.settings import Settings
from tests.flows import import_census, ok
from tests.system import System

AREA = "Tørring"


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[System]:
    sut = System(settings)
    await sut.start("api")  # proposing and deciding read the event store, not a read model
    yield sut
    await sut.stop()


async def process_events(settings: Settings, process_id: str) -> int:
    conn = await asyncpg.connect(settings.require_database_url())
    try:
        count: int = await conn.fetchval(
            "select count(*) from eventstore.events where stream_id = $1", f"process-{process_id}"
        )
        return count
    finally:
        await conn.close()


async def test_incompatible_proposals_never_both_win(api: System, tmp_path: Path) -> None:
    async with api.client(Role.ADMIN, "anna") as admin, api.client(Role.STAFF, "sif") as staff:
        body = {
            "title": "Borgerbudget 2026",
            "municipality": "Hedensted",
            "budgets": [{"local_area": AREA, "amount": 1_000_000}],
        }
        pid = ok(await admin.post("/api/v1/processes", json=body), 201)["id"]
        url = f"/api/v1/processes/{pid}"
        ok(await admin.put(f"{url}/ballot-rules", json={"rules": {"format": "approval"}}))
        ok(await admin.put(f"{url}/tally-rule", json={"rule": "greedy"}))
        prices = {"skatepark": 500_000, "p-plads": 400_000, "legeplads": 450_000}
        ids: dict[str, str] = {}
        async with api.client(Role.CITIZEN, "karen") as citizen:
            for name, kr in prices.items():
                proposal = {
                    "title": name,
                    "description": "På den gamle boldbane",
                    "estimated_cost": kr,
                    "local_area": AREA,
                    "core_task": "Fritid og fællesskab",
                }
                ids[name] = ok(await citizen.post(f"{url}/proposals", json=proposal), 201)["id"]
        ok(await admin.post(f"{url}/phase", json={"to_phase": "review"}))
        for name, kr in prices.items():
            p = f"{url}/proposals/{ids[name]}"
            ok(await staff.post(f"{p}/review", json={"feasible": True}))
            ok(await staff.post(f"{p}/cost-estimate", json={"cost": kr}))
            ok(await staff.post(f"{p}/price", json={}))
            ok(await staff.post(f"{p}/ballot"))
        marked = {"other_proposal_id": ids["skatepark"], "reason": "Samme boldbane"}
        ok(await staff.post(f"{url}/proposals/{ids['p-plads']}/incompatible", json=marked))
        voters = [f"0101{i:02d}-{1000 + i}" for i in range(7)]
        await import_census(api, pid, [f"{v},{AREA},1980-01-01" for v in voters], tmp_path)
        ok(await admin.post(f"{url}/phase", json={"to_phase": "voting"}))
        # skatepark 5 approvals, p-plads 4, legeplads 3: greedy alone picks skatepark + p-plads
        choices = [["skatepark", "p-plads"]] * 4 + [["skatepark", "legeplads"]]
        choices += [["legeplads"]] * 2
        for voter, chosen in zip(voters, choices, strict=True):
            ballot = {"local_area": AREA, "approvals": [ids[c] for c in chosen]}
            async with api.client(Role.CITIZEN, voter) as citizen:
                ok(await citizen.post(f"{url}/ballots", json=ballot))
        ok(await admin.post(f"{url}/phase", json={"to_phase": "tallying"}))

        proposed = ok(await admin.post(f"{url}/allocations/{AREA}/propose"))
        assert {f["proposal_id"] for f in proposed["funded"]} == {
            ids["skatepark"],
            ids["legeplads"],
        }
        assert proposed["skipped"] == [
            {
                "proposal_id": ids["p-plads"],
                "incompatible_with": ids["skatepark"],
                "reason": "incompatible",
            }
        ]
        assert proposed["ballots_counted"] == 7

        before = await process_events(api.settings, pid)
        both: dict[str, Any] = {
            "funded": [
                {"proposal_id": ids["skatepark"], "amount": 500_000},
                {"proposal_id": ids["p-plads"], "amount": 400_000},
            ],
            "reason": "Byrådet ønsker begge",
        }
        decide = f"{url}/allocations/{AREA}/decide"
        refused = await admin.post(decide, json=both)
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "incompatible_funded"
        assert "uforenelige" in refused.json()["detail"]
        in_english = await admin.post(decide, json=both, headers={"Accept-Language": "en"})
        assert "cannot both be funded" in in_english.json()["detail"]
        assert await process_events(api.settings, pid) == before

        decided = ok(await admin.post(decide, json={"confirm": True}))
        assert {f["proposal_id"] for f in decided["funded"]} == {
            ids["skatepark"],
            ids["legeplads"],
        }
