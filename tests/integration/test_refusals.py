"""Every kind of refusal, for every role, in budgeting and in volunteering, in Danish and in
English: one body `{"error", "detail", "code"}`, the text in the language asked for, and
`Content-Language` saying which."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

import httpx
import pytest

from events.base import Role
from services.api.field_words import FIELD_WORDS
from services.platform.settings import Settings
from services.texts.budgeting import TEXTS
from services.texts.request import REQUEST_TEXTS, RequestMsg
from services.texts.volunteering import TEXTS as VOLUNTEERING_TEXTS
from tests.flows import create_process
from tests.integration.test_volunteering_system import TASK
from tests.system import System

C, S, A, AU = Role.CITIZEN, Role.STAFF, Role.ADMIN, Role.AUDITOR
EVERYONE = (None, C, S, A, AU)
LANGUAGES = {"da": "da", "en": "en-GB,en;q=0.9,da;q=0.5"}
PROPOSAL = {
    "title": "Bænke ved søen",
    "description": "Tre bænke",
    "estimated_cost": 45000,
    "local_area": "Tørring",
    "core_task": "Fritid og fællesskab",
}


@pytest.fixture
async def system(settings: Settings) -> AsyncIterator[System]:
    sut = System(settings)
    await sut.start("api")  # every refusal here is decided without a read model
    yield sut
    await sut.stop()


@dataclass
class Case:
    """One request and the refusal it must meet."""

    name: str
    role: Role | None
    method: str
    path: str
    status: int
    code: str
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    token: str | None = None
    fields: dict[str, str] | None = None  # field -> code, for a 422 about fields


def words(code: str) -> tuple[str, str] | None:
    """The (Danish, English) text of a code without params, as the catalogue has it."""
    for catalogue in (REQUEST_TEXTS, TEXTS, VOLUNTEERING_TEXTS):
        for key, (_, da, en) in catalogue.items():
            if key == code and "{" not in da:
                return da, en
    return None


async def ids(sut: System) -> dict[str, str]:
    """A process (ideas phase) with a proposal, and a draft task."""
    process_id = await create_process(sut, budgets=[{"local_area": "Tørring", "amount": 1_500_000}])
    async with sut.client(C, "bo") as citizen:
        proposal = await citizen.post(f"/api/v1/processes/{process_id}/proposals", json=PROPOSAL)
        assert proposal.status_code == 201, proposal.text
    async with sut.client(S, "sif") as staff:
        task = await staff.post("/api/v1/tasks", json=TASK)
        assert task.status_code == 201, task.text
    return {"process": process_id, "proposal": proposal.json()["id"], "task": task.json()["id"]}


def budgeting_cases(known: dict[str, str], limit: int) -> list[Case]:
    base = f"/api/v1/processes/{known['process']}"
    proposal = f"{base}/proposals/{known['proposal']}"
    nowhere = f"{base}/proposals/{uuid4()}"
    big = b'{"title": "' + b"x" * (limit + 10) + b'"}'
    cases = [
        Case("no token", None, "POST", f"{base}/proposals", 401, "token_required", PROPOSAL),
        Case(
            "bad token",
            None,
            "POST",
            f"{base}/proposals",
            401,
            "token_invalid",
            PROPOSAL,
            token="garbage",
        ),
        Case("auditor changes", AU, "POST", f"{base}/proposals", 403, "read_only_role", PROPOSAL),
    ]
    for role in (S, A):
        cases.append(
            Case("wrong role", role, "POST", f"{base}/proposals", 403, "wrong_role", PROPOSAL)
        )
    for role in (C, S):
        live = f"{base}/live-results"
        cases.append(Case("wrong role", role, "PUT", live, 403, "wrong_role", {"public": True}))
    for role in (C, S, A, AU):
        cases += [
            Case("no proposal", role, "GET", nowhere, 404, "proposal_not_found"),
            Case("no route", role, "GET", f"{base}/nothing-here", 404, "route_not_found"),
        ]
    cases.append(
        Case(
            "correlation id",
            C,
            "POST",
            f"{base}/proposals",
            422,
            "correlation_id_invalid",
            PROPOSAL,
            headers={"X-Correlation-ID": "not-a-uuid"},
        )
    )
    for anyone in EVERYONE:
        cases += [
            Case(
                "no such method", anyone, "DELETE", "/api/v1/processes", 405, "method_not_allowed"
            ),
            Case("too large", anyone, "POST", f"{base}/proposals", 413, "too_large", content=big),
        ]
    cases += [
        Case(
            "stale",
            C,
            "PATCH",
            proposal,
            409,
            "stale_version",
            {"title": "Fire bænke"},
            headers={"If-Match": "0"},
        ),
        Case("wrong phase", C, "POST", f"{proposal}/support", 409, "wrong_phase"),
        Case(
            "fields",
            C,
            "POST",
            f"{base}/proposals",
            422,
            "fields_invalid",
            {**PROPOSAL, "title": "", "estimated_cost": -5, "colour": "red"},
            fields={
                "title": "string_too_short",
                "estimated_cost": "amount_negative",
                "colour": "extra_forbidden",
            },
        ),
        Case(
            "fields",
            A,
            "PUT",
            f"{base}/support-threshold",
            422,
            "fields_invalid",
            {"min_supports": "5"},
            fields={"min_supports": "int_type"},
        ),
        Case(
            "nul in a query",
            None,
            "GET",
            f"{base}/proposals?local_area=a%00b",
            422,
            "fields_invalid",
            fields={"query.local_area": "text_nul"},
        ),
        Case(
            "nul in a path",
            A,
            "PUT",
            f"{base}/budgets/a%00b",
            422,
            "fields_invalid",
            {"amount": 5},
            fields={"path.local_area": "text_nul"},
        ),
        Case(
            "if-match",
            C,
            "PATCH",
            proposal,
            422,
            "if_match_invalid",
            {"title": "Ny"},
            headers={"If-Match": "version one"},
        ),
    ]
    return cases


def volunteering_cases(known: dict[str, str], limit: int) -> list[Case]:
    task = f"/api/v1/tasks/{known['task']}"
    big = b'{"title": "' + b"x" * (limit + 10) + b'"}'
    cases = [
        Case("no token", None, "POST", "/api/v1/tasks", 401, "token_required", TASK),
        Case("bad token", None, "POST", "/api/v1/tasks", 401, "token_invalid", TASK, token="x.y.z"),
        Case("auditor changes", AU, "POST", "/api/v1/tasks", 403, "read_only_role", TASK),
        Case("wrong role", C, "GET", "/api/v1/reports/participation", 403, "wrong_role"),
        Case("wrong role", S, "GET", "/api/v1/me/shifts", 403, "wrong_role"),
        Case("wrong role", A, "GET", "/api/v1/me/shifts", 403, "wrong_role"),
    ]
    for role in (C, S, A, AU):
        nowhere = f"/api/v1/tasks/{uuid4()}"
        cases.append(Case("no task", role, "GET", nowhere, 404, "task_not_found"))
    cases.append(
        Case(
            "correlation id",
            C,
            "POST",
            "/api/v1/tasks",
            422,
            "correlation_id_invalid",
            TASK,
            headers={"X-Correlation-ID": "not-a-uuid"},
        )
    )
    for anyone in EVERYONE:
        cases += [
            Case("no such method", anyone, "DELETE", task, 405, "method_not_allowed"),
            Case("too large", anyone, "POST", "/api/v1/tasks", 413, "too_large", content=big),
        ]
    cases += [
        Case(
            "stale",
            S,
            "PATCH",
            task,
            409,
            "stale_version",
            {"title": TASK["title"]},
            headers={"If-Match": "99"},
        ),
        Case("not attested", A, "POST", f"{task}/publish", 409, "task_not_attested"),
        Case("not organizer", C, "POST", f"{task}/publish", 403, "not_organizer"),
        Case(
            "fields",
            S,
            "POST",
            f"{task}/shifts",
            422,
            "fields_invalid",
            {"starts_at": "2030-05-01T10:00:00", "ends_at": "soon", "capacity": "5"},
            fields={
                "starts_at": "timezone_aware",
                "ends_at": "datetime_from_date_parsing",
                "capacity": "int_type",
            },
        ),
        Case(
            "nul in a query",
            None,
            "GET",
            "/api/v1/tasks?core_task=x%00",
            422,
            "fields_invalid",
            fields={"query.core_task": "text_nul"},
        ),
        Case(
            "if-match",
            S,
            "PATCH",
            task,
            422,
            "if_match_invalid",
            {"title": TASK["title"]},
            headers={"If-Match": "W/x"},
        ),
    ]
    return cases


async def meet(sut: System, case: Case, lang: str) -> None:
    headers = {"Accept-Language": LANGUAGES[lang], **case.headers}
    if case.token is not None:
        headers["Authorization"] = f"Bearer {case.token}"
    elif case.role is not None:
        headers["Authorization"] = f"Bearer {sut.token(case.role, 'someone')}"
    if case.content is not None:
        headers["Content-Type"] = "application/json"
    async with httpx.AsyncClient(base_url=sut.base_url, timeout=30) as client:
        response = await client.request(
            case.method, case.path, json=case.json, content=case.content, headers=headers
        )
    where = f"{case.name} as {case.role} in {lang}: {case.method} {case.path} → {response.text}"
    assert response.status_code == case.status, where
    assert response.headers["Content-Language"] == lang, where
    body = response.json()
    assert {"error", "detail", "code"} <= set(body), where
    assert body["code"] == case.code, where
    assert body["detail"] and isinstance(body["detail"], str), where
    known = words(case.code)
    if known is not None:
        assert body["detail"] == known[0 if lang == "da" else 1], where
    if case.code == "stale_version":
        expected = "den nuværende version er" if lang == "da" else "the current version is"
        assert expected in body["detail"] and isinstance(body["current_version"], int), where
    if case.code == "wrong_role":
        expected = "Rollen " if lang == "da" else "The role "
        assert body["detail"].startswith(expected), where
    if case.fields is not None:
        assert body["error"] == "invalid", where
        got = {f["field"]: f for f in body["fields"]}
        assert {name: got[name]["code"] for name in case.fields} == case.fields, where
        for name, code in case.fields.items():
            template = FIELD_WORDS[code][0 if lang == "da" else 1]
            detail = got[name]["detail"]
            assert detail.startswith(template.split("{")[0]) and "{" not in detail, where
            assert name in body["detail"], where
    if case.status == 401:
        assert response.headers["WWW-Authenticate"] == "Bearer", where


async def test_every_refusal_has_one_body_in_the_language_asked_for(system: System) -> None:
    known = await ids(system)
    limit = system.settings.max_body_bytes
    cases = budgeting_cases(known, limit) + volunteering_cases(known, limit)
    for case in cases:
        for lang in LANGUAGES:
            await meet(system, case, lang)
    kinds = {(c.status, c.path.startswith("/api/v1/tasks")) for c in cases}
    assert {s for s, _ in kinds} == {401, 403, 404, 405, 409, 413, 422}


async def test_without_accept_language_a_refusal_is_in_danish(system: System) -> None:
    async with httpx.AsyncClient(base_url=system.base_url) as anon:
        for path in ("/api/v1/tasks", "/api/v1/processes"):
            response = await anon.post(path, json={})
            assert response.status_code == 401
            assert response.headers["Content-Language"] == "da"
            assert response.json() == {
                "error": "unauthenticated",
                "detail": REQUEST_TEXTS[RequestMsg.TOKEN_REQUIRED][1],
                "code": "token_required",
            }
