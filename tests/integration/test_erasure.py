"""`samskab erase`: after a realistic story, one helper's personal data is gone for good, the
erasure is an event in the log and the audit trail, the chain still verifies, and every roster
count, participation figure and allocation is what it was."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from events.base import Role
from services.auth import load_keys, pseudonym
from services.platform import db
from tests.flows import HELPERS, Story, run_story
from tests.system import System

SERVICES = (
    "relay",
    "projection:volunteering",
    "projection:participation",
    "projection:processes",
    "projection:audit",
    "api",
)


@pytest.fixture
async def system(settings: Any) -> AsyncIterator[System]:
    sut = System(settings)
    await sut.start(*SERVICES)
    yield sut
    await sut.stop()


async def cli(sut: System, *args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.cli.main",
        *args,
        env={**sut.env(), "COLUMNS": "200"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, output.decode()


async def observed(sut: System, story: Story) -> dict[str, Any]:
    """What the administration reads: roster (without contacts), participation, allocations."""
    async with sut.client(Role.STAFF, "sif.staff") as staff:
        roster = (await staff.get(f"/api/v1/shifts/{story.shift_id}/roster")).json()
        url = f"/api/v1/processes/{story.process_id}"
        participation = (await staff.get(f"{url}/participation")).json()
        allocations = (await staff.get(f"{url}/allocations")).json()
    return {"roster": roster, "participation": participation, "allocations": allocations}


def without_contacts(roster: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in e.items() if k not in ("contact", "contact_erased")}
        for e in roster["entries"]
    ]


async def database_text(sut: System) -> str:
    """Every row of every table in the database, as text."""
    conn = await db.connect(sut.settings.require_database_url())
    try:
        tables = await conn.fetch(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema not in ('pg_catalog', 'information_schema') "
            "and table_type = 'BASE TABLE'"
        )
        parts = []
        for t in tables:
            rows = await conn.fetch(f'select t::text from "{t[0]}"."{t[1]}" t')
            parts += [r[0] for r in rows]
        return "\n".join(parts)
    finally:
        await conn.close()


async def test_an_erased_helper_reads_as_erased_and_nothing_else_changes(
    system: System, tmp_path: Path
) -> None:
    story = await run_story(system, tmp_path)
    await system.wait_ready(within=120)
    before = await observed(system, story)
    contacts = {e["participant"]: e["contact"] for e in before["roster"]["entries"]}
    erased = pseudonym(load_keys(system.settings).pseudonym, "helper1")
    name, phone, email = HELPERS[1]
    assert contacts[erased] == {"name": name, "phone": phone, "email": email}

    code, output = await cli(system, "erase", "helper1", "--by", "anna.admin")
    assert code == 0, output
    assert "1 key destroyed" in output

    await system.wait_ready(within=60)
    after = await observed(system, story)
    # the erased helper reads as erased; the others are still readable
    entries = {e["participant"]: e for e in after["roster"]["entries"]}
    assert entries[erased]["contact"] is None and entries[erased]["contact_erased"] is True
    for other, contact in contacts.items():
        if other != erased:
            assert entries[other]["contact"] == contact
    # every count is what it was
    assert without_contacts(after["roster"]) == without_contacts(before["roster"])
    assert after["participation"] == before["participation"]
    assert after["allocations"] == before["allocations"]
    # nothing left to decrypt: no sealed row under the destroyed key, no wrapped key
    conn = await db.connect(system.settings.require_database_url())
    try:
        keys = await conn.fetch(
            "select wrapped_key, erased_at from vault.keys where subject = $1", erased
        )
        assert len(keys) == 1 and keys[0]["wrapped_key"] is None and keys[0]["erased_at"]
        left = await conn.fetchval(
            "select count(*) from vault.sealed s join vault.keys k using (key_id) "
            "where k.subject = $1",
            erased,
        )
        assert left == 0
        recorded = await conn.fetch(
            "select data, actor_role from eventstore.events where type = 'SubjectErased'"
        )
    finally:
        await conn.close()
    assert [(r["data"]["subject"], r["data"]["keys_destroyed"]) for r in recorded] == [(erased, 1)]
    assert recorded[0]["actor_role"] == "admin"
    text = await database_text(system)
    assert not [s for s in (name, phone, email) if s in text]

    # the erasure is in the audit trail, and the chain over store and topics still holds
    async with system.client(Role.AUDITOR, "revisor") as auditor:
        for _ in range(100):
            page = (await auditor.get("/api/v1/audit", params={"type": "SubjectErased"})).json()
            if page["items"]:
                break
            await asyncio.sleep(0.2)
    assert [i["summary_en"] for i in page["items"]] == ["Personal data erased (keys destroyed: 1)"]
    code, output = await cli(system, "audit", "verify")
    assert code == 0, output


async def test_erasing_twice_records_the_second_request_with_nothing_destroyed(
    system: System,
) -> None:
    code, output = await cli(system, "erase", "nobody.known", "--by", "anna.admin")
    assert code == 0, output
    assert "no personal data left to erase" in output
    code, output = await cli(system, "erase", "nobody.known", "--by", "anna.admin")
    assert code == 0, output
    conn = await db.connect(system.settings.require_database_url())
    try:
        rows = await conn.fetch(
            "select stream_version, data from eventstore.events where type = 'SubjectErased' "
            "order by seq"
        )
    finally:
        await conn.close()
    assert [(r["stream_version"], r["data"]["keys_destroyed"]) for r in rows] == [(1, 0), (2, 0)]


async def test_a_malformed_pseudonym_is_refused_and_records_nothing(system: System) -> None:
    code, output = await cli(system, "erase", "--pseudonym", "not-a-pseudonym")
    assert code == 2
    assert "is not a pseudonym" in output and "nothing was erased" in output
    conn = await db.connect(system.settings.require_database_url())
    try:
        assert await conn.fetchval("select count(*) from eventstore.events") == 0
    finally:
        await conn.close()
