"""The whole path of a proposal through the real system: API → event store → relay → Kafka →
projection → read model, with real PostgreSQL and the real broker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from events.base import Role
from services.auth import create_token, load_keys
from services.platform.settings import Settings
from tests.flows import PROPOSAL, create_process
from tests.system import System


@pytest.fixture
async def system(settings: Settings) -> AsyncIterator[System]:
    sut = System(settings)
    await sut.start("relay", "projection:proposals", "api")
    yield sut
    await sut.stop()


async def listed(client: httpx.AsyncClient, process_id: str, count: int) -> list[dict[str, Any]]:
    """Poll the read model until it lists `count` proposals (or fail after 30 s)."""
    for _ in range(300):
        response = await client.get(f"/api/v1/processes/{process_id}/proposals")
        if response.status_code == 200 and len(response.json()) >= count:
            return list(response.json())
        await asyncio.sleep(0.1)
    raise AssertionError(f"read model never listed {count} proposals: {response.text}")


async def event_count(settings: Settings) -> int:
    conn = await asyncpg.connect(settings.require_database_url())
    try:
        return int(await conn.fetchval("select count(*) from eventstore.events"))
    finally:
        await conn.close()


async def test_a_submitted_proposal_is_listed_in_kroner_with_its_fields(system: System) -> None:
    process_id = await create_process(system)
    async with system.client(Role.CITIZEN, "bo") as citizen:
        response = await citizen.post(f"/api/v1/processes/{process_id}/proposals", json=PROPOSAL)
        assert response.status_code == 201, response.text
        (item,) = await listed(citizen, process_id, 1)
    assert item["id"] == response.json()["id"]
    assert item["estimated_cost"] == "45000.00"
    assert item["estimated_cost_ore"] == 4_500_000
    assert item["status"] == "submitted"
    ready = await system.wait_ready()
    assert ready["projections"]["proposals"]["caught_up"] is True
    assert ready["projections"]["proposals"]["state"] == "ok"


async def test_the_author_edits_with_the_current_version_and_a_stale_one_is_refused(
    system: System,
) -> None:
    process_id = await create_process(system)
    async with system.client(Role.CITIZEN, "bo") as citizen:
        created = await citizen.post(f"/api/v1/processes/{process_id}/proposals", json=PROPOSAL)
        url = f"/api/v1/processes/{process_id}/proposals/{created.json()['id']}"
        edited = await citizen.patch(
            url, json={"estimated_cost": "50000.50"}, headers={"If-Match": "1"}
        )
        assert edited.status_code == 200, edited.text
        assert edited.json()["version"] == 2
        stale = await citizen.patch(url, json={"title": "Fire bænke"}, headers={"If-Match": "1"})
        assert stale.status_code == 409
        assert stale.json()["code"] == "stale_version"
        assert stale.json()["current_version"] == 2
        assert "den nuværende version er 2" in stale.json()["detail"]
        withdrawn = await citizen.post(url + "/withdraw", json={"reason": "dublet"})
        assert withdrawn.status_code == 200
        for _ in range(100):
            item = (await citizen.get(url)).json()
            if item.get("version") == 3:
                break
            await asyncio.sleep(0.1)
    assert item["estimated_cost_ore"] == 5_000_050
    assert item["status"] == "withdrawn"


async def test_refused_requests_say_why_and_record_nothing(system: System) -> None:
    process_id = await create_process(system)
    before = await event_count(system.settings)
    url = f"/api/v1/processes/{process_id}/proposals"
    keys = load_keys(system.settings)
    expired = create_token(keys, "bo", Role.CITIZEN, 60, now=0)
    forged = system.token(Role.CITIZEN, "bo")[:-4] + "AAAA"
    async with httpx.AsyncClient(base_url=system.base_url) as anon:
        assert (await anon.post(url, json=PROPOSAL)).status_code == 401
        for token, code in (
            (expired, "token_expired"),
            (forged, "token_invalid"),
            ("garbage", "token_invalid"),
        ):
            response = await anon.post(
                url, json=PROPOSAL, headers={"Authorization": f"Bearer {token}"}
            )
            assert response.status_code == 401, token
            assert response.json()["code"] == code, response.text
        late = await anon.post(url, json=PROPOSAL, headers={"Authorization": f"Bearer {expired}"})
        assert late.json()["detail"] == "Tokenet er udløbet; log ind igen."
    async with system.client(Role.STAFF, "sif") as staff:
        response = await staff.post(url, json=PROPOSAL)
        assert response.status_code == 403
        assert response.json()["code"] == "wrong_role"
        assert "(det må: medborger)" in response.json()["detail"]
    async with system.client(Role.CITIZEN, "bo") as citizen:
        bad = await citizen.post(url, json={**PROPOSAL, "estimated_cost": 12.5, "title": ""})
        assert bad.status_code == 422
        fields = {e["field"] for e in bad.json()["fields"]}
        assert {"title", "estimated_cost"} <= fields
        unknown = await citizen.post(
            "/api/v1/processes/00000000-0000-0000-0000-000000000000/proposals", json=PROPOSAL
        )
        assert unknown.status_code == 404
        assert unknown.json()["code"] == "process_not_found"
        assert unknown.json()["detail"] == "Forløbet findes ikke."
        other = await citizen.post(url, json=PROPOSAL)
        assert other.status_code == 201
    async with system.client(Role.CITIZEN, "ea") as someone_else:
        response = await someone_else.patch(
            f"{url}/{other.json()['id']}", json={"title": "Mit forslag nu"}
        )
        assert response.status_code == 403
    assert await event_count(system.settings) == before + 1  # only the one valid proposal


async def test_health_readiness_and_metrics_answer(system: System) -> None:
    async with httpx.AsyncClient(base_url=system.base_url) as client:
        assert (await client.get("/healthz")).json() == {"status": "alive", "service": "api"}
        await system.wait_ready()
        metrics = await client.get("/metrics")
        assert "samskab_api_commands_rejected_total" in metrics.text
        assert (await client.get("/docs")).status_code == 200
