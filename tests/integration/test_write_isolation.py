"""One bad request fails alone: through the real API, event store, relay and projection."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from events.base import Role
from services.platform.settings import Settings
from tests.flows import PROPOSAL, create_process
from tests.integration.test_volunteering_system import published_task, scheduled_shift
from tests.system import System


@pytest.fixture
async def system(settings: Settings, tmp_path: Path) -> AsyncIterator[System]:
    sut = System(settings, log_dir=tmp_path / "logs")
    await sut.start("relay", "projection:proposals", "api")
    yield sut
    await sut.stop()


async def event_count(sut: System) -> int:
    conn = await asyncpg.connect(sut.settings.require_database_url())
    try:
        return int(await conn.fetchval("select count(*) from eventstore.events"))
    finally:
        await conn.close()


def malformed(i: int) -> dict[str, Any]:
    """Every 20th request: a cost of 10^100 or 10^17, a NUL or a lone surrogate in a text."""
    kind = (i // 20) % 4
    if kind == 0:
        return {**PROPOSAL, "estimated_cost": 10**100}
    if kind == 1:
        return {**PROPOSAL, "estimated_cost": 10**17}
    if kind == 2:
        return {**PROPOSAL, "description": "med \x00 i"}
    return {**PROPOSAL, "title": "bænk \ud800"}


async def test_600_concurrent_submissions_with_5_percent_malformed_all_well_formed_succeed(
    system: System,
) -> None:
    process_id = await create_process(system)
    before = await event_count(system)
    bodies = [
        malformed(i) if i % 20 == 0 else {**PROPOSAL, "title": f"Bænk {i}"} for i in range(600)
    ]
    limits = httpx.Limits(max_connections=200)
    async with httpx.AsyncClient(base_url=system.base_url, timeout=120, limits=limits) as client:

        async def submit(i: int) -> httpx.Response:
            token = system.token(Role.CITIZEN, f"borger-{i}")
            return await client.post(
                f"/api/v1/processes/{process_id}/proposals",
                # json= would refuse to encode a lone surrogate; the wire carries its escape.
                content=_json(bodies[i]),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )

        responses = await asyncio.gather(*(submit(i) for i in range(600)))
    well_formed = [r for i, r in enumerate(responses) if i % 20 != 0]
    refused = [r for i, r in enumerate(responses) if i % 20 == 0]
    assert len(well_formed) == 570 and len(refused) == 30
    assert [r.status_code for r in well_formed] == [201] * 570, {r.status_code for r in well_formed}
    for response in refused:
        assert response.status_code == 422, response.text
        body = response.json()
        assert body["error"] == "invalid" and body["code"] == "fields_invalid"
        assert {f["field"] for f in body["fields"]} <= {"estimated_cost", "description", "title"}
    assert await event_count(system) == before + 570
    async with system.client(Role.CITIZEN, "læser") as reader:
        for _ in range(600):
            listed = await reader.get(f"/api/v1/processes/{process_id}/proposals")
            if listed.status_code == 200 and len(listed.json()) == 570:
                break
            await asyncio.sleep(0.1)
        assert len(listed.json()) == 570


def _json(body: dict[str, Any]) -> bytes:
    import json

    return json.dumps(body).encode()  # ensure_ascii: a lone surrogate travels as "\ud800"


async def test_a_body_over_the_limit_is_refused_at_once_and_the_api_stays_responsive(
    system: System,
) -> None:
    limit = system.settings.max_body_bytes
    token = system.token(Role.CITIZEN, "bo")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    process_id = await create_process(system)
    url = f"/api/v1/processes/{process_id}/proposals"
    big = b'{"title": "' + b"x" * (60 * 1024 * 1024) + b'"}'
    async with httpx.AsyncClient(base_url=system.base_url, timeout=60) as client:
        started = time.monotonic()
        declared = await client.post(url, content=big, headers=headers)
        assert declared.status_code == 413, declared.text
        assert declared.json()["error"] == "too_large"
        assert declared.json()["code"] == "too_large"
        assert f"grænsen på {limit:,} bytes".replace(",", ".") in declared.json()["detail"]
        assert declared.headers["Content-Language"] == "da"

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it comes
            for _ in range(limit // 65536 + 2):
                yield b" " * 65536

        streamed = await client.post(url, content=chunks(), headers=headers)
        assert streamed.status_code == 413, streamed.text
        health = await client.get("/healthz")
        assert health.status_code == 200
        assert time.monotonic() - started < 10
    assert await event_count(system) == 1


SECRETS = ("Birthe Sørensen-Lykke", "+45 61 72 83 94", "birthe.lykke@example.dk")


async def test_no_log_line_of_any_service_holds_the_personal_data_a_request_sent(
    system: System, tmp_path: Path
) -> None:
    """Sign-ups with a name, phone and e-mail — valid, and made invalid in every way the edge
    refuses — and a proposal whose text the store cannot hold: not one log holds them."""
    name, phone, email = SECRETS
    task_id = await published_task(system)
    shift_id = await scheduled_shift(system, task_id, capacity=5, waiting_list_limit=0)
    contact = {"name": name, "phone": phone, "email": email, "birth_date": "1980-05-17"}
    bodies = [
        contact,
        {**contact, "name": name + " \ud800"},
        {**contact, "name": name + " \x00"},
        {**contact, "phone": phone + " \ud800"},
        {**contact, "birth_date": float("nan")},
        {**contact, "extra": name},
        {**contact, "phone": name},
    ]
    codes = []
    async with httpx.AsyncClient(base_url=system.base_url, timeout=30) as client:
        for i, body in enumerate(bodies):
            token = system.token(Role.CITIZEN, f"borger-{i}")
            response = await client.post(
                f"/api/v1/shifts/{shift_id}/signups",
                content=_json(body),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            codes.append(response.status_code)
            assert response.status_code < 500, response.text
    assert codes[0] == 201 and set(codes[1:]) == {422}, codes
    await system.stop()
    logs = list((tmp_path / "logs").glob("*.log"))
    assert {p.name for p in logs} >= {"api.log", "relay.log"}
    for path in logs:
        text = path.read_text(errors="replace")
        for secret in (name, phone, email, name.split()[0], "Lykke"):
            assert secret not in text, f"{path.name} holds personal data"


async def test_each_smaller_refusal_is_a_specific_4xx_that_records_nothing(system: System) -> None:
    process_id = await create_process(system)
    other_id = await create_process(system)
    base = f"/api/v1/processes/{process_id}"
    async with system.client(Role.CITIZEN, "bo") as citizen:
        submitted = await citizen.post(f"{base}/proposals", json=PROPOSAL)
        assert submitted.status_code == 201, submitted.text
        proposal_id = submitted.json()["id"]
        before = await event_count(system)
        nul = await citizen.post(f"{base}/proposals", json={**PROPOSAL, "description": "a\x00b"})
        assert (nul.status_code, nul.json()["fields"][0]["field"]) == (422, "description")
        bogus = await citizen.get(f"{base}/proposals", params={"status": "bogus"})
        assert bogus.status_code == 422 and bogus.json()["fields"][0]["field"] == "query.status[0]"
        elsewhere = await citizen.post(
            f"/api/v1/processes/{other_id}/proposals/{proposal_id}/support"
        )
        assert elsewhere.status_code == 404, elsewhere.text
        free = await citizen.post(f"{base}/proposals", json={**PROPOSAL, "estimated_cost": 0})
        assert free.status_code == 422 and free.json()["fields"][0]["field"] == "estimated_cost"
    async with system.client(Role.ADMIN, "anna") as admin:
        naive = await admin.put(
            f"{base}/schedule/voting", json={"starts_at": "2026-06-01T00:00:00"}
        )
        assert naive.status_code == 422 and naive.json()["fields"][0]["field"] == "starts_at"
        flag = await admin.put(f"{base}/support-threshold", json={"min_supports": True})
        assert flag.status_code == 422 and flag.json()["fields"][0]["field"] == "min_supports"
    assert await event_count(system) == before
