"""The public feed after a realistic flow: what may be public is there, once, with CloudEvents
headers; no pseudonym, voter, name, e-mail or phone number is anywhere in it."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka import TopicPartition

from services.auth import load_keys, pseudonym
from services.platform import db
from services.platform.kafka import clients
from services.platform.settings import Settings
from tests.flows import CITIZENS, HELPERS, run_story
from tests.system import System

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
async def system(settings: Settings) -> AsyncIterator[System]:
    sut = System(settings)
    await sut.start("relay", "projection:feed", "api")
    yield sut
    await sut.stop()


async def public_records(settings: Settings) -> list[Any]:
    consumer = clients.consumer(settings)
    await consumer.start()
    try:
        tps = [
            TopicPartition(settings.topology.public_topic(logical), p)
            for logical in ("budgeting", "volunteering")
            for p in range(settings.partitions)
        ]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        records: list[Any] = []
        for tp in tps:
            while await consumer.position(tp) < ends[tp]:
                records += (await consumer.getmany(tp, timeout_ms=1000)).get(tp, [])
        return records
    finally:
        await consumer.stop()


async def forbidden_strings(settings: Settings) -> set[str]:
    """Every pseudonym the store holds (actors, voters, supporters, participants), and every
    name, voter id, e-mail and phone number the flow used."""
    keys = load_keys(settings)
    conn = await db.connect(settings.require_database_url())
    try:
        found = {
            r[0] for r in await conn.fetch("select distinct actor_subject from eventstore.events")
        }
        for row in await conn.fetch("select data from eventstore.events"):
            data = row["data"]
            for name in (
                "voter",
                "supporter",
                "participant",
                "author",
                "decided_by",
                "drafted_by",
                "attested_by",
                "removed_by",
                "recorded_by",
                "entered_by",
            ):
                if isinstance(data.get(name), str) and data[name]:
                    found.add(data[name])
    finally:
        await conn.close()
    people = [
        *CITIZENS,
        "anna.admin",
        "sif.staff",
        "olga.organizer",
        "helper0",
        "helper1",
        "helper2",
    ]
    found |= {pseudonym(keys.pseudonym, p) for p in people} | set(people)
    for name, phone, email in HELPERS:
        found |= {name, *name.split(), phone, phone.replace(" ", ""), email}
    return {s for s in found if s and s != "system"}


def readme_consumer() -> str:
    """The downstream consumer the README shows, as it stands there."""
    text = README.read_text()
    after = text[text.index("A downstream consumer") :]
    return after.split("```python\n", 1)[1].split("```", 1)[0]


async def consumed_by_readme_consumer(settings: Settings, expected: int) -> list[str]:
    """Run the README's consumer against this test's public topic; the ce_ids it printed."""
    shown = readme_consumer()
    code = shown.replace(
        '"samskab.public.v1.budgeting"', repr(settings.topology.public_topic("budgeting"))
    )
    assert code != shown, "the README's consumer no longer reads samskab.public.v1.budgeting"
    env = {**os.environ, "KAFKA_BOOTSTRAP": settings.require_bootstrap(), "PYTHONUNBUFFERED": "1"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, env=env, stdout=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None
    printed: list[str] = []
    try:
        async with asyncio.timeout(90):
            while len(printed) < expected:
                line = await proc.stdout.readline()
                if not line:
                    break
                printed.append(line.decode().split()[0])
    finally:
        proc.kill()
        await proc.wait()
    return printed


async def eventually_caught_up(sut: System) -> None:
    await sut.wait_ready(within=120)


async def test_the_public_feed_carries_what_may_be_public_once_and_no_personal_data(
    system: System, tmp_path: Path
) -> None:
    story = await run_story(system, tmp_path)
    await eventually_caught_up(system)
    records: list[Any] = []
    for _ in range(60):  # the feed publishes after it has applied: poll for the last record
        records = await public_records(system.settings)
        if any(
            dict(r.headers)["ce_type"].endswith(b"ShiftAvailabilityChanged.v1")
            and json.loads(r.value)["change"] == "signups"
            and json.loads(r.value)["waiting"] == 0
            for r in records
        ):
            break
        await asyncio.sleep(1)
    headers = [dict((k, v.decode()) for k, v in r.headers) for r in records]
    types = [h["ce_type"].removeprefix("dk.samskab.public.").removesuffix(".v1") for h in headers]

    # what may be public is there
    assert types.count("ProposalSubmitted") == len(story.proposals)
    assert types.count("AllocationDecided") == 2
    assert "PhaseChanged" in types and "ProcessCreated" in types
    assert "TaskPublished" in types and "ShiftAvailabilityChanged" in types
    last_shift = [
        json.loads(r.value)
        for r, t in zip(records, types, strict=True)
        if t == "ShiftAvailabilityChanged"
    ][-1]
    assert (last_shift["capacity"], last_shift["confirmed"], last_shift["waiting"]) == (2, 2, 0)
    # never a ballot, a voter, the census
    assert not {
        "BallotCast",
        "BallotReplaced",
        "BallotWithdrawn",
        "VoterRegistered",
        "CensusImported",
    } & set(types)
    # once, with CloudEvents headers
    assert len({h["ce_id"] for h in headers}) == len(records)
    for h in headers:
        assert h["ce_specversion"] == "1.0" and h["ce_source"].startswith("/samskab/public/")
        assert {"ce_time", "ce_subject", "content-type"} <= set(h)

    # and nothing personal anywhere: key, value or headers
    forbidden = await forbidden_strings(system.settings)
    assert len(forbidden) > 30
    for record in records:
        blob = b"\n".join(
            [
                record.key or b"",
                record.value or b"",
                *(k.encode() + b"=" + v for k, v in record.headers),
            ]
        )
        text = blob.decode()
        leaked = sorted(s for s in forbidden if s in text)
        assert not leaked, f"{leaked} in {text}"

    # the README's downstream consumer reads the budgeting feed as it is
    budgeting = [h["ce_id"] for h in headers if h["ce_source"].endswith("/budgeting")]
    printed = await consumed_by_readme_consumer(system.settings, len(budgeting))
    assert sorted(printed) == sorted(budgeting)
