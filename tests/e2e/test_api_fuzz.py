"""Every operation of the OpenAPI document, fuzzed through the running system with a token of
each role (and none): no 5xx, every answer as documented, and afterwards every projection caught
up, no dead letter, and no log line holding a value the fuzzer sent."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from events.base import Role
from projections.catalog import PROJECTIONS
from services import readiness
from services.audit.dead_letters import list_dead_letters
from services.platform.settings import Settings
from tests.flows import create_process
from tests.integration.test_volunteering_system import published_task, scheduled_shift
from tests.system import System

EXAMPLES = 6  # per operation: ~450 requests, well under a minute here
BUDGET_SECONDS = 150  # the fuzzing stops taking new operations after this
NOT_FUZZED = {
    "GET /api/v1/processes/{process_id}/tally/stream": "an event stream that never ends",
}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
PERSON = {"name": "Karen Bjerregaard-Holm", "phone": "+45 71 82 93 04"}


@pytest.fixture
async def system(settings: Settings, tmp_path: Path) -> AsyncIterator[System]:
    sut = System(settings, log_dir=tmp_path / "logs")
    await sut.start()
    yield sut
    await sut.stop()


async def seed(sut: System) -> dict[str, str]:
    """A process with a budget and a proposal, a published task with a shift and a sign-up:
    ids the fuzzer puts in paths, so that operations reach past "not found"."""
    process_id = await create_process(sut, budgets=[{"local_area": "Tørring", "amount": 1_500_000}])
    async with sut.client(Role.CITIZEN, "bo") as citizen:
        proposal = await citizen.post(
            f"/api/v1/processes/{process_id}/proposals",
            json={
                "title": "Bænke",
                "description": "Tre bænke",
                "estimated_cost": 45000,
                "local_area": "Tørring",
                "core_task": "Fritid og fællesskab",
            },
        )
        assert proposal.status_code == 201, proposal.text
    task_id = await published_task(sut)
    shift_id = await scheduled_shift(sut, task_id, capacity=50, waiting_list_limit=0)
    async with sut.client(Role.CITIZEN, "karen") as citizen:
        signup = await citizen.post(
            f"/api/v1/shifts/{shift_id}/signups", json={**PERSON, "birth_date": "1970-03-04"}
        )
        assert signup.status_code == 201, signup.text
    return {
        "process_id": process_id,
        "proposal_id": proposal.json()["id"],
        "task_id": task_id,
        "shift_id": shift_id,
        "signup_id": signup.json()["signup_id"],
        "local_area": "Tørring",
    }


_NOT_PERSONAL = re.compile(
    r"^[0-9a-fA-F-]{32,36}$|^\d{4}-\d\d-\d\d|^[\d\s.,:+-]*$"  # ids, dates, numbers
)


def sent_texts(value: Any, into: set[str]) -> None:
    """The texts of a request long enough to be told apart in a log (a name, a phone)."""
    if isinstance(value, str):
        text = value.strip()
        if len(text) >= 10 and not _NOT_PERSONAL.match(text) and text.isprintable():
            into.add(text)
    elif isinstance(value, dict):
        for item in value.values():
            sent_texts(item, into)
    elif isinstance(value, list):
        for item in value:
            sent_texts(item, into)


def fuzz(
    schema: Any, base_url: str, tokens: dict[str, str | None], ids: dict[str, str]
) -> tuple[list[str], set[str], int]:
    """Run every operation's examples; (failures, texts sent, requests made)."""
    failures: list[str] = []
    sent: set[str] = set()
    made = 0
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.label in NOT_FUZZED:
            continue
        if time.monotonic() - started > BUDGET_SECONDS:
            failures.append(f"out of time before {operation.label}")
            break

        @settings(
            max_examples=EXAMPLES,
            phases=[Phase.generate],
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(
            case=st.one_of(
                operation.as_strategy(),
                operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
            ),
            role=st.sampled_from(sorted(tokens)),
            known=st.booleans(),
        )
        def run(case: Any, role: str, known: bool) -> None:
            nonlocal made
            if known:
                for name in list(case.path_parameters or {}):
                    if name in ids:
                        case.path_parameters[name] = ids[name]
            token = tokens[role]
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            sent_texts(case.body, sent)
            sent_texts(case.query, sent)
            made += 1
            response = case.call(base_url=base_url, headers=headers, timeout=30)
            case.validate_response(response, checks=CHECKS, headers=headers)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:
            failures.append(f"{operation.label}: {type(exc).__name__}: {str(exc)[:2000]}")
    return failures, sent, made


async def settled(sut: System) -> tuple[dict[str, int], dict[str, int]]:
    """Per projection: events behind, and dead letters. (The one place this test reads the
    projections' state; where they report it is for the projection service to say.)"""
    settings_ = sut.settings
    pool = await asyncpg.create_pool(settings_.require_database_url(), min_size=1, max_size=2)
    assert pool is not None
    try:
        behind: dict[str, int] = {}
        for _ in range(600):
            for name, spec in PROJECTIONS.items():
                lag, _alive = await readiness.projection_lag(pool, spec, spec.default_schema)
                behind[name] = lag
            if not any(behind.values()):
                break
            await asyncio.sleep(0.1)
        letters = {
            name: len(await list_dead_letters(pool, spec)) for name, spec in PROJECTIONS.items()
        }
        return behind, letters
    finally:
        await pool.close()


async def test_every_operation_fuzzed_with_each_role_answers_as_documented(
    system: System, tmp_path: Path
) -> None:
    ids = await seed(system)
    async with httpx.AsyncClient(base_url=system.base_url) as client:
        document = (await client.get("/openapi.json")).json()
    schema = schemathesis.openapi.from_dict(document)
    tokens: dict[str, str | None] = {"none": None}
    for role in (Role.CITIZEN, Role.STAFF, Role.ADMIN, Role.AUDITOR):
        tokens[role.value] = system.token(role, f"fuzz-{role.value}")
    failures, sent, made = await asyncio.to_thread(fuzz, schema, system.base_url, tokens, ids)
    assert made >= 200, made
    assert not failures, "\n\n".join(failures)

    behind, letters = await settled(system)
    assert not any(behind.values()), behind
    assert not any(letters.values()), letters

    await system.stop()
    secrets = sent | set(PERSON.values())
    for path in (tmp_path / "logs").glob("*.log"):
        text = path.read_text(errors="replace")
        leaked = sorted(s for s in secrets if s in text)
        assert not leaked, f"{path.name} holds values a request sent: {leaked[:5]}"
