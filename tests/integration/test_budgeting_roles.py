"""Every budgeting endpoint called by every role (and by nobody): the role checks hold, an
auditor changes nothing, and no refused request leaves an event."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import asyncpg

from events.base import Role
from tests.integration.test_budgeting_process import AREAS, Flow, ok, system
from tests.system import System

__all__ = ["system"]

C, S, A, AU = Role.CITIZEN, Role.STAFF, Role.ADMIN, Role.AUDITOR
EVERYONE = (None, C, S, AU, A)
STAFF = (S, A)
NOBODY_ELSE: tuple[Role, ...] = ()
PUBLIC = "public"
ROLE_REFUSALS = ("wrong_role", "read_only_role")


def matrix(
    x: str, area: str
) -> list[tuple[str, str, dict[str, Any] | None, tuple[Any, ...] | str]]:
    """(method, path under the process, body, roles allowed or PUBLIC)."""
    other = str(uuid4())
    receipt = "0" * 64
    return [
        ("PATCH", "", {"title_en": "Budget"}, (A,)),
        ("PUT", f"/budgets/{area}", {"amount": 900_000}, (A,)),
        ("DELETE", "/budgets/Nowhere", None, (A,)),
        ("PUT", "/core-tasks", {"core_tasks": ["Læring", "Fritid og fællesskab"]}, (A,)),
        ("PUT", "/schedule/voting", {"starts_at": "2026-06-01T00:00:00Z"}, (A,)),
        ("POST", "/phase", {"to_phase": "voting"}, (A,)),
        ("PUT", "/ballot-rules", {"rules": {"format": "approval", "max_selections": 3}}, (A,)),
        ("PUT", "/tally-rule", {"rule": "greedy"}, (A,)),
        ("PUT", "/live-results", {"public": True}, (A,)),
        ("PUT", "/support-threshold", {"min_supports": 0}, (A,)),
        (
            "POST",
            "/proposals",
            {
                "title": "T",
                "description": "D",
                "estimated_cost": 1,
                "local_area": area,
                "core_task": "Læring",
            },
            (C,),
        ),
        ("PATCH", f"/proposals/{x}", {"title": "Ny titel"}, (C,)),
        ("POST", f"/proposals/{x}/withdraw", {}, (C,)),
        ("POST", f"/proposals/{x}/support", None, (C,)),
        ("POST", f"/proposals/{x}/merge", {"into_proposal_id": other}, STAFF),
        ("POST", f"/proposals/{x}/review", {"feasible": False}, STAFF),
        ("POST", f"/proposals/{x}/cost-estimate", {"cost": -1}, STAFF),
        ("POST", f"/proposals/{x}/incompatible", {"other_proposal_id": x}, STAFF),
        ("POST", f"/proposals/{x}/price", {}, STAFF),
        ("POST", f"/proposals/{x}/ballot", None, STAFF),
        ("DELETE", f"/proposals/{x}/ballot", None, STAFF),
        ("POST", "/ballots", {"local_area": area, "approvals": [x]}, (C,)),
        ("POST", "/ballots/paper", {"voter": "v1", "local_area": area, "approvals": [x]}, STAFF),
        ("POST", "/ballots/withdraw", {"local_area": area}, (C,)),
        ("POST", "/ballots/paper/withdraw", {"voter": "v1", "local_area": area}, STAFF),
        ("POST", f"/allocations/{area}/propose", None, (A,)),
        ("POST", f"/allocations/{area}/decide", {"confirm": True}, (A,)),
        ("POST", f"/ledger/{area}/disbursements", {"proposal_id": x, "amount": 5}, (A,)),
        ("POST", f"/ledger/{area}/returns", {"proposal_id": x, "amount": 5}, (A,)),
        (
            "PUT",
            f"/proposals/{x}/implementation",
            {"status": "in_progress", "progress_percent": 10},
            STAFF,
        ),
        ("POST", f"/proposals/{x}/milestones", {"title": "Bænke leveret"}, STAFF),
        (
            "POST",
            f"/proposals/{x}/milestones/{other}/complete",
            {"completed_on": "2026-09-01"},
            STAFF,
        ),
        ("GET", "", None, PUBLIC),
        ("GET", "/proposals", None, PUBLIC),
        ("GET", f"/proposals/{x}", None, PUBLIC),
        ("GET", f"/proposals/{x}/history", None, PUBLIC),
        ("GET", f"/proposals/{x}/implementation", None, PUBLIC),
        ("GET", "/ledger", None, PUBLIC),
        ("GET", "/participation", None, PUBLIC),
        ("GET", f"/receipts/{receipt}", None, PUBLIC),
        ("GET", "/ballots/mine", None, (C,)),
        ("GET", "/ballots/mine/receipt", None, (C,)),
        ("GET", "/allocations", None, (S, A, AU)),
    ]


async def count(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval("select count(*) from eventstore.events"))
    finally:
        await conn.close()


async def test_every_role_meets_every_endpoint_and_no_refusal_leaves_an_event(
    system: System,
) -> None:
    flow = Flow(system)
    dsn = system.settings.require_database_url()
    area = next(iter(AREAS))
    try:
        await flow.create(AREAS)
        x = await flow.submit("author", area, "Læring", 10_000)
        await system.wait_ready()
        seen: list[str] = []
        for method, path, body, allowed in matrix(x, area):
            for role in EVERYONE:
                headers = {} if role is None else flow.auth(role, "someone-else")
                before = await count(dsn)
                response = await flow.http.request(
                    method, flow.url(path), json=body, headers=headers
                )
                where = f"{method} {path} as {role}: {response.status_code} {response.text}"
                seen.append(where)
                status = response.status_code
                if allowed == PUBLIC:
                    assert status in (200, 404), where
                    if status == 404:
                        assert response.json()["detail"], where
                    continue
                if role is None:
                    assert status == 401 and response.json()["code"] == "token_required", where
                elif role not in allowed:
                    role_refusal = "read_only_role" if role is AU else "wrong_role"
                    assert status == 403 and response.json()["code"] == role_refusal, where
                else:
                    assert status not in (401, 500), where
                    if status == 403:  # a domain "no", not the role
                        assert response.json()["code"] not in ROLE_REFUSALS, where
                if status >= 400:
                    assert response.json()["detail"], where
                    assert await count(dsn) == before, f"a refusal left an event: {where}"
        assert len(seen) == 43 * 5
        # the auditor reads everything a citizen cannot see either
        assert ok(await flow.http.get(flow.url("/allocations"), headers=flow.auth(AU, "ida"))) == []
    finally:
        await flow.close()


async def test_a_refusal_answers_in_the_language_asked_for_and_names_its_code(
    system: System,
) -> None:
    flow = Flow(system)
    try:
        await flow.create(AREAS)
        body = {
            "title": "T",
            "description": "D",
            "estimated_cost": 1,
            "local_area": "Atlantis",
            "core_task": "Læring",
        }
        answers = {}
        for language in ("en-GB,en;q=0.9", "da", None, "de, en;q=0.5"):
            headers = flow.auth(C, "bo") | ({"Accept-Language": language} if language else {})
            response = await flow.http.post(flow.url("/proposals"), json=body, headers=headers)
            assert response.status_code == 422, response.text
            answers[language] = response.json()
        assert answers["da"] == answers[None]
        assert answers["en-GB,en;q=0.9"] == answers["de, en;q=0.5"]
        assert (
            "Atlantis" in answers["da"]["detail"]
            and "Atlantis" in answers["en-GB,en;q=0.9"]["detail"]
        )
        assert answers["da"]["detail"] != answers["en-GB,en;q=0.9"]["detail"]
        assert answers["da"]["code"] == "local_area_unknown"
        assert answers["da"]["error"] == "invalid"
    finally:
        await flow.close()
