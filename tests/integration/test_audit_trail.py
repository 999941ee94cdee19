"""The audit trail through the real system: every event an entry, edits with before/after,
only auditors and administrators may read it, keyset pages."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from events.base import Role
from services.platform.settings import Settings
from tests.flows import PROPOSAL
from tests.system import System


@pytest.fixture
async def system(settings: Settings) -> AsyncIterator[System]:
    sut = System(settings)
    await sut.start()
    yield sut
    await sut.stop()


async def trail(client: httpx.AsyncClient, count: int, **params: Any) -> list[dict[str, Any]]:
    """Poll the audit trail until it holds `count` entries for `params` (or fail after 30 s)."""
    for _ in range(300):
        response = await client.get("/api/v1/audit", params=params)
        assert response.status_code == 200, response.text
        items = list(response.json()["items"])
        if len(items) >= count:
            return items
        await asyncio.sleep(0.1)
    raise AssertionError(f"the audit trail never held {count} entries: {response.text}")


async def test_every_event_is_an_entry_and_an_edit_shows_each_field_before_and_after(
    system: System,
) -> None:
    async with system.client(Role.ADMIN, "anna") as admin:
        created = await admin.post(
            "/api/v1/processes", json={"title": "Borgerbudget", "municipality": "Hedensted"}
        )
        assert created.status_code == 201, created.text
    process_id = created.json()["id"]
    async with system.client(Role.CITIZEN, "bo") as citizen:
        url = f"/api/v1/processes/{process_id}/proposals"
        submitted = await citizen.post(url, json=PROPOSAL)
        assert submitted.status_code == 201, submitted.text
        edited = await citizen.patch(
            f"{url}/{submitted.json()['id']}",
            json={"title": "Fire bænke ved åen", "estimated_cost": "50000.50"},
            headers={"If-Match": "1"},
        )
        assert edited.status_code == 200, edited.text
        forbidden = await citizen.get("/api/v1/audit")
        assert forbidden.status_code == 403
    async with system.client(Role.AUDITOR, "revisor") as auditor:
        (edit,) = await trail(auditor, 1, type="ProposalEdited")
        history = await trail(auditor, 2, stream=edit["stream_id"])
        everything = await trail(auditor, 3)
        first_page = (await auditor.get("/api/v1/audit", params={"limit": 2})).json()
        second_page = (
            await auditor.get(
                "/api/v1/audit", params={"limit": 2, "cursor": first_page["next_cursor"]}
            )
        ).json()
        bad_cursor = await auditor.get("/api/v1/audit", params={"cursor": "nope"})
        bad_range = await auditor.get(
            "/api/v1/audit", params={"from": "2030-01-01T00:00:00Z", "to": "2029-01-01T00:00:00Z"}
        )
        future = await auditor.get("/api/v1/audit", params={"from": "2999-01-01T00:00:00Z"})
    assert edit["changes"] == {
        "title": {"before": "Bænke ved åen", "after": "Fire bænke ved åen"},
        "estimated_cost_ore": {"before": 4_500_000, "after": 5_000_050},
    }
    assert "ændret: title, estimated_cost_ore" in edit["summary_da"]
    assert edit["summary_en"].startswith("Proposal edited")
    assert edit["actor_role"] == "citizen" and edit["actor"] != "bo"  # a pseudonym, never a name
    assert len(edit["hash"]) == 64 and edit["stream_version"] == 2
    assert [e["type"] for e in history] == ["ProposalSubmitted", "ProposalEdited"]
    assert history[0]["summary_da"].startswith("Forslag indsendt: «Bænke ved åen» (45")
    assert [e["seq"] for e in everything] == [1, 2, 3]
    assert everything[0]["type"] == "ProcessCreated" and everything[0]["actor_role"] == "admin"
    assert [e["seq"] for e in first_page["items"]] == [1, 2]
    assert [e["seq"] for e in second_page["items"]] == [3]
    assert second_page["next_cursor"] is None
    assert bad_cursor.status_code == 422 and bad_cursor.json()["code"] == "fields_invalid"
    assert bad_cursor.json()["fields"] == [
        {
            "field": "query.cursor",
            "code": "cursor_invalid",
            "detail": "er ikke en markør, som API'et har givet (brug next_cursor, som den er)",
        }
    ]
    assert bad_range.status_code == 422
    assert bad_range.json()["fields"] == [
        {"field": "query.to", "code": "not_after_from", "detail": "skal ligge efter 'from'"}
    ]
    assert future.json()["items"] == []
