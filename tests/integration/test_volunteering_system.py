"""Volunteer tasks through the real system: HTTP API → event store → relay → Kafka → projection
→ read models, with the real PostgreSQL and the real broker."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest

from events.base import Role
from events.registry import decode
from services.auth import load_keys, pseudonym
from services.personal_data import Vault, master_key_from
from services.platform import db
from services.platform.settings import Settings
from services.store.eventstore import envelope_from_row
from tests.flows import eventually
from tests.system import Service, System
from tests.volunteering_report import participation_report

TASK = {
    "organizer": {"kind": "association", "name": "Grønt Team Tørring", "managers": ["olga"]},
    "local_area": "Tørring",
    "core_task": "Fritid og fællesskab",
    "title": {"da": "Affaldsindsamling ved åen", "en": "Litter picking by the river"},
    "description": {"da": "Vi samler affald langs Gudenåen", "en": "We pick litter by the river"},
    "work": {"da": "Saml affald i sække", "en": "Pick litter into bags"},
    "provided": {"da": "Handsker, griber og kaffe", "en": "Gloves, grabbers and coffee"},
    "place": {"address": "Torvet 1, 7160 Tørring", "latitude": 55.85, "longitude": 9.48},
    "minimum_age": 15,
    "signup_closes_minutes_before": 60,
}
ADULT = "1980-05-17"


@pytest.fixture
async def system(settings: Settings) -> AsyncIterator[System]:
    sut = System(settings)
    await sut.start("relay", "projection:volunteering", "api")  # only what these tests read
    yield sut
    await sut.stop()


def contact(name: str) -> dict[str, Any]:
    return {"name": name, "phone": "+45 20 30 40 50", "email": f"{name}@example.dk"}


async def count_events(sut: System) -> int:
    conn = await asyncpg.connect(sut.settings.require_database_url())
    try:
        return int(await conn.fetchval("select count(*) from eventstore.events"))
    finally:
        await conn.close()


async def events_of_type(sut: System, type_name: str) -> list[dict[str, Any]]:
    conn = await db.connect(sut.settings.require_database_url())
    try:
        rows = await conn.fetch(
            "select data from eventstore.events where type = $1 order by seq", type_name
        )
        return [dict(r["data"]) for r in rows]
    finally:
        await conn.close()


async def published_task(sut: System, **changes: Any) -> str:
    async with sut.client(Role.STAFF, "sif") as staff:
        drafted = await staff.post("/api/v1/tasks", json={**TASK, **changes})
        assert drafted.status_code == 201, drafted.text
        task_id = str(drafted.json()["id"])
        attested = await staff.post(
            f"/api/v1/tasks/{task_id}/attest", json={"statement": "Oven i driften"}
        )
        assert attested.status_code == 200, attested.text
        published = await staff.post(f"/api/v1/tasks/{task_id}/publish")
        assert published.status_code == 200, published.text
    return task_id


async def scheduled_shift(
    sut: System,
    task_id: str,
    capacity: int,
    waiting_list_limit: int,
    starts_in: timedelta = timedelta(days=7),
) -> str:
    starts = datetime.now(UTC) + starts_in
    async with sut.client(Role.STAFF, "sif") as staff:
        response = await staff.post(
            f"/api/v1/tasks/{task_id}/shifts",
            json={
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=3)).isoformat(),
                "capacity": capacity,
                "waiting_list_limit": waiting_list_limit,
            },
        )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def roster(sut: System, shift_id: str, size: int, **params: Any) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        async with sut.client(Role.STAFF, "sif") as staff:
            response = await staff.get(f"/api/v1/shifts/{shift_id}/roster", params=params)
        if response.status_code == 200 and len(response.json()["entries"]) == size:
            return dict(response.json())
        return None

    return await eventually(probe, f"roster of {size}")


# --- the race -------------------------------------------------------------------------------


async def test_200_citizens_at_once_for_10_places_and_every_cancellation_promotes_one(
    system: System,
) -> None:
    task_id = await published_task(system)
    shift_id = await scheduled_shift(system, task_id, capacity=10, waiting_list_limit=190)
    names = [f"borger{i:03d}" for i in range(200)]
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=system.base_url, timeout=120, limits=limits) as http:
        go = asyncio.Event()

        async def sign_up(name: str) -> httpx.Response:
            await go.wait()
            return await http.post(
                f"/api/v1/shifts/{shift_id}/signups",
                json={**contact(name), "birth_date": ADULT},
                headers={"Authorization": f"Bearer {system.token(Role.CITIZEN, name)}"},
            )

        tasks = [asyncio.create_task(sign_up(n)) for n in names]
        await asyncio.sleep(0.1)
        go.set()
        responses = await asyncio.gather(*tasks)

    assert [r.status_code for r in responses] == [201] * 200, {r.text for r in responses}
    answers = {name: r.json() for name, r in zip(names, responses, strict=True)}
    confirmed = {n for n, a in answers.items() if a["placement"] == "confirmed"}
    waiting = sorted((a["position"], n) for n, a in answers.items() if a["placement"] == "waiting")
    assert len(confirmed) == 10
    assert [p for p, _ in waiting] == list(range(1, 191))  # a well-defined order, no ties

    # The read model agrees with the answers: the same 10, the same line.
    board = await roster(system, shift_id, 200)
    keys = load_keys(system.settings)
    by_pseudonym = {pseudonym(keys.pseudonym, n): n for n in names}
    seen_confirmed = {by_pseudonym[e["participant"]] for e in board["entries"][:10]}
    seen_line = [(e["position"], by_pseudonym[e["participant"]]) for e in board["entries"][10:]]
    assert seen_confirmed == confirmed
    assert seen_line == waiting
    assert board["shift"]["confirmed"] == 10 and board["shift"]["free_places"] == 0
    assert all(e["contact"]["name"] == by_pseudonym[e["participant"]] for e in board["entries"])

    # Each cancellation of a confirmed place promotes exactly one: the first in line.
    leavers = sorted(confirmed)[:4]
    for name in leavers:
        async with system.client(Role.CITIZEN, name) as citizen:
            signup_id = answers[name]["signup_id"]
            response = await citizen.post(f"/api/v1/shifts/{shift_id}/signups/{signup_id}/cancel")
            assert response.status_code == 200, response.text
    # A waiting citizen leaving promotes nobody.
    quitter = waiting[-1][1]
    async with system.client(Role.CITIZEN, quitter) as citizen:
        url = f"/api/v1/shifts/{shift_id}/signups/{answers[quitter]['signup_id']}/cancel"
        assert (await citizen.post(url)).status_code == 200
    promoted = await events_of_type(system, "SignUpPromoted")
    assert [p["participant"] for p in promoted] == [
        pseudonym(keys.pseudonym, n) for _, n in waiting[: len(leavers)]
    ]
    board = await roster(system, shift_id, 195)
    assert board["shift"]["confirmed"] == 10
    assert [e["position"] for e in board["entries"][10:]] == list(range(1, 186))

    # The roster read model equals a fresh replay of the topic into another schema.
    await assert_replay_equal(system, "proj_volunteering_replay")


TABLES = {
    "tasks": "task_id",
    "shifts": "shift_id",
    "signups": "signup_id",
}


async def assert_replay_equal(sut: System, fresh: str) -> None:
    ops = str(sut.ports(1)[0])
    replay = Service(
        "replay",
        ["serve", "projection", "volunteering", "--schema", fresh, "--ops-port", ops],
        sut.env(),
    )
    await replay.start()
    conn = await asyncpg.connect(sut.settings.require_database_url())
    try:

        async def caught_up() -> bool | None:
            with contextlib.suppress(asyncpg.UndefinedTableError):
                live = await conn.fetchval("select count(*) from proj_volunteering.applied")
                again = await conn.fetchval(f"select count(*) from {fresh}.applied")
                heads = await conn.fetchval(
                    "select count from eventstore.topic_heads where topic = 'volunteering'"
                )
                if live == again == heads:
                    return True
            return None

        await eventually(caught_up, "the replay catches up", within=90)
        for table, key in TABLES.items():
            live_rows = await conn.fetch(f"select * from proj_volunteering.{table} order by {key}")
            fresh_rows = await conn.fetch(f"select * from {fresh}.{table} order by {key}")
            assert [dict(r) for r in fresh_rows] == [dict(r) for r in live_rows], table
    finally:
        await conn.close()
        await replay.stop()


# --- refusals -------------------------------------------------------------------------------


async def test_every_refusal_says_why_in_the_callers_language_and_records_nothing(
    system: System,
) -> None:
    task_id = await published_task(system, minimum_age=18, signup_closes_minutes_before=24 * 60)
    tiny = await scheduled_shift(system, task_id, capacity=1, waiting_list_limit=0)
    soon = await scheduled_shift(
        system, task_id, capacity=5, waiting_list_limit=5, starts_in=timedelta(hours=2)
    )
    async with system.client(Role.CITIZEN, "ada") as ada:
        first = await ada.post(
            f"/api/v1/shifts/{tiny}/signups", json={**contact("ada"), "birth_date": ADULT}
        )
        assert first.status_code == 201, first.text
    vault_rows = await _vault_rows(system)
    before = await count_events(system)
    too_young = (date.today() - timedelta(days=365 * 16)).isoformat()

    cases: list[tuple[Role, str, str, str, dict[str, Any] | None, int, str, str]] = [
        # role, subject, method, path, body, status, code, Danish words
        (Role.CITIZEN, "bo", "post", f"/shifts/{tiny}/signups", {"birth_date": ADULT}, 409,
         "shift_full", "Vagten er fuld"),
        (Role.CITIZEN, "bo", "post", f"/shifts/{soon}/signups", {"birth_date": ADULT}, 409,
         "signup_closed", "Tilmeldingen til denne vagt er lukket"),
        (Role.CITIZEN, "bo", "post", f"/shifts/{tiny}/signups", {"birth_date": too_young}, 403,
         "too_young", "mindst 18 år"),
        (Role.CITIZEN, "ada", "post", f"/shifts/{tiny}/signups", {"birth_date": ADULT}, 409,
         "already_signed_up", "allerede tilmeldt"),
        (Role.STAFF, "sif", "post", f"/shifts/{tiny}/signups", {"birth_date": ADULT}, 403,
         "wrong_role", "Rollen medarbejder må ikke"),
        (Role.AUDITOR, "aud", "post", "/tasks", None, 403, "read_only_role", "revisor"),
        (Role.CITIZEN, "bo", "post", f"/tasks/{task_id}/cancel", {}, 403, "not_organizer",
         "arrangør"),
        (Role.CITIZEN, "bo", "post", f"/shifts/{tiny}/capacity", {"capacity": 3}, 403,
         "not_organizer", "arrangør"),
        (Role.STAFF, "sif", "post", f"/shifts/{tiny}/capacity", {"capacity": 1}, 200, "", ""),
        (Role.CITIZEN, "bo", "get", f"/shifts/{tiny}/roster", None, 403, "not_organizer",
         "arrangør"),
    ]  # fmt: skip
    for role, subject, method, path, body, status, code, danish in cases:
        if body is not None and "birth_date" in body:
            body = {**contact(subject), **body}
        if path == "/tasks":
            body = TASK
        async with system.client(role, subject) as client:
            for lang in ("da", "en"):
                response = await client.request(
                    method,
                    f"/api/v1{path}",
                    json=body,
                    headers={"Accept-Language": f"{lang},en;q=0.5" if lang == "da" else "en"},
                )
                assert response.status_code == status, (path, response.text)
                if status >= 400:
                    answer = response.json()
                    assert answer["code"] == code, answer
                    if lang == "da":
                        assert danish in answer["detail"], answer
                    else:
                        assert answer["detail"] != "" and danish not in answer["detail"], answer
    assert await count_events(system) == before  # no refusal recorded anything
    assert await _vault_rows(system) == vault_rows  # nor kept contact details in the vault


async def _vault_rows(sut: System) -> int:
    conn = await asyncpg.connect(sut.settings.require_database_url())
    try:
        return int(await conn.fetchval("select count(*) from vault.sealed"))
    finally:
        await conn.close()


# --- the whole life of a task ---------------------------------------------------------------


async def test_a_task_from_draft_to_hours_with_rosters_calendars_and_erasure(
    system: System,
) -> None:
    async with system.client(Role.CITIZEN, "olga") as olga:  # an association's organizer
        drafted = await olga.post("/api/v1/tasks", json=TASK)
        assert drafted.status_code == 201, drafted.text
        task_id = drafted.json()["id"]
        early = await olga.post(
            f"/api/v1/tasks/{task_id}/publish", headers={"Accept-Language": "en"}
        )
        assert early.status_code == 409 and early.json()["code"] == "task_not_attested"
        attest = await olga.post(f"/api/v1/tasks/{task_id}/attest", json={})
        assert attest.status_code == 403 and attest.json()["code"] == "staff_only"
    async with system.client(Role.STAFF, "sif") as staff:
        assert (await staff.post(f"/api/v1/tasks/{task_id}/attest", json={})).status_code == 200
    async with system.client(Role.CITIZEN, "olga") as olga:
        assert (await olga.post(f"/api/v1/tasks/{task_id}/publish")).status_code == 200
        revised = await olga.patch(
            f"/api/v1/tasks/{task_id}", json={"signup_closes_minutes_before": 0}
        )
        assert revised.status_code == 200 and revised.json()["version"] == 4, revised.text
        starts = datetime.now(UTC) + timedelta(seconds=12)
        scheduled = await olga.post(
            f"/api/v1/tasks/{task_id}/shifts",
            json={
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=2, minutes=30)).isoformat(),
                "capacity": 2,
                "waiting_list_limit": 5,
            },
        )
        assert scheduled.status_code == 201, scheduled.text
        shift_id = scheduled.json()["id"]
        series = await olga.post(
            f"/api/v1/tasks/{task_id}/shift-series",
            json={
                "recurrence": {"kind": "monthly", "weekday": 5, "nth": 1},
                "first_date": (date.today() + timedelta(days=30)).isoformat(),
                "count": 3,
                "start_time": "10:00",
                "end_time": "13:00",
                "capacity": 8,
            },
        )
        assert series.status_code == 201, series.text
        assert len(series.json()["shifts"]) == 3
    signups = {}
    for name in ("ea", "finn", "gry"):
        async with system.client(Role.CITIZEN, name) as citizen:
            response = await citizen.post(
                f"/api/v1/shifts/{shift_id}/signups", json={**contact(name), "birth_date": ADULT}
            )
            assert response.status_code == 201, response.text
            signups[name] = response.json()
    assert signups["gry"]["placement"] == "waiting" and signups["gry"]["position"] == 1

    # Open tasks list it with its free places; a citizen sees their own shifts and calendar.
    async with httpx.AsyncClient(base_url=system.base_url) as anyone:

        async def listed() -> dict[str, Any] | None:
            response = await anyone.get("/api/v1/tasks", params={"local_area": "Tørring"})
            found = [t for t in response.json() if t["task_id"] == task_id]
            series_ids = {s["id"] for s in series.json()["shifts"]}
            if found and series_ids <= {s["shift_id"] for s in found[0]["shifts"]}:
                return dict(found[0])
            return None

        task = await eventually(listed, "the task listed with its series")
        assert task["free_places"] == sum(s["free_places"] for s in task["shifts"]) >= 3 * 8
        assert {s["free_places"] for s in task["shifts"] if s["shift_id"] != shift_id} == {8}
        ics = await anyone.get(f"/api/v1/tasks/{task_id}/shifts.ics")
        assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
        assert ics.text.count("BEGIN:VEVENT") == 4
        assert "SUMMARY:Affaldsindsamling ved åen" in ics.text
    async with system.client(Role.CITIZEN, "gry") as gry:
        mine = (await gry.get("/api/v1/me/shifts")).json()
        assert [(m["status"], m["position"]) for m in mine] == [("waiting", 1)]
        feed = await gry.get("/api/v1/me/shifts.ics", headers={"Accept-Language": "en"})
        assert (
            "STATUS:TENTATIVE" in feed.text and "SUMMARY:Litter picking by the river" in feed.text
        )
        assert "X-WR-CALNAME:My shifts" in feed.text

    # Organizer removes ea with a reason: gry is promoted. Then ea's contact details are erased.
    async with system.client(Role.CITIZEN, "olga") as olga:
        removed = await olga.post(
            f"/api/v1/shifts/{shift_id}/signups/{signups['ea']['signup_id']}/remove",
            json={"reason": "Dobbelt tilmeldt"},
        )
        assert removed.status_code == 200, removed.text
        below = await olga.post(f"/api/v1/shifts/{shift_id}/capacity", json={"capacity": 1})
        assert below.status_code == 409 and below.json()["code"] == "capacity_below_confirmed"
    keys = load_keys(system.settings)
    pool = await db.create_pool(system.settings.require_database_url(), max_size=2)
    try:
        assert await Vault(pool, master_key_from(keys)).erase(pseudonym(keys.pseudonym, "finn"))
    finally:
        await pool.close()
    board = await roster(system, shift_id, 2)
    by_name = {e["contact"]["name"] if e["contact"] else None: e for e in board["entries"]}
    assert by_name["gry"]["status"] == "confirmed"
    assert by_name[None]["participant"] == pseudonym(keys.pseudonym, "finn")
    assert by_name[None]["contact_erased"] is True
    async with system.client(Role.AUDITOR, "aud") as auditor:
        audited = (await auditor.get(f"/api/v1/shifts/{shift_id}/roster")).json()
        assert all(e["contact"] is None for e in audited["entries"])

    # After the start: attendance, then hours per area, core task and month.
    async def started() -> bool | None:
        return True if datetime.now(UTC) > starts + timedelta(seconds=1) else None

    await eventually(started, "the shift starts")
    async with system.client(Role.STAFF, "sif") as staff:
        attendance = await staff.post(
            f"/api/v1/shifts/{shift_id}/attendance",
            json={
                "entries": [
                    {"signup_id": signups["gry"]["signup_id"], "attended": True},
                    {"signup_id": signups["finn"]["signup_id"], "attended": False},
                ]
            },
        )
        assert attendance.status_code == 200, attendance.text

        async def reported() -> list[dict[str, Any]] | None:
            rows = (await staff.get("/api/v1/reports/participation")).json()
            return list(rows) if rows else None

        rows = await eventually(reported, "the participation report")
    month = starts.astimezone(ZoneInfo("Europe/Copenhagen")).strftime("%Y-%m")
    assert rows == [
        {
            "local_area": "Tørring",
            "core_task": "Fritid og fællesskab",
            "month": month,
            "hours": "2.50",
            "minutes": 150,
            "attended": 1,
            "no_shows": 1,
            "participants": 1,
            "shifts": 1,
        }
    ]
    # The read model agrees with the pure fold over the stored events.
    conn = await db.connect(system.settings.require_database_url())
    try:
        stored = [
            envelope_from_row(r)
            for r in await conn.fetch("select * from eventstore.events order by seq")
        ]
    finally:
        await conn.close()
    report = participation_report(
        decode(e.type, e.version, e.data) for e in stored if e.topic == "volunteering"
    )
    ((key, figures),) = report.items()
    assert (key.local_area, key.core_task, key.month) == ("Tørring", "Fritid og fællesskab", month)
    assert (figures.minutes, figures.attended, figures.no_shows) == (150, 1, 1)
    # No contact detail ever reached an event.
    assert not any(b"example.dk" in repr(e.data).encode() for e in stored)
