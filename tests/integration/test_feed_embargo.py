"""The feed's embargo rule event by event against the real PostgreSQL (no broker): what it holds,
what releases it, in which order, and that a released record is the one that would have been
sent at once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest

from events.base import Actor, Event, Role
from events.budgeting import (
    AllocationDecided,
    AllocationProposed,
    LiveResultsVisibilitySet,
    PhaseChanged,
    ProcessCreated,
)
from events.budgeting_common import Phase, ProjectFunding, TallyRule
from events.envelope import GENESIS_HASH, Envelope
from events.registry import encode
from projections.feed.projection import PublicRecord, derive
from services.platform import db

SCHEMA = "proj_feed"
START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.fixture
async def conn(database: str) -> AsyncIterator[asyncpg.Connection[Any]]:
    c = await db.connect(database)
    yield c
    await c.close()


class Stream:
    """Envelopes of one process in seq order, as the feed receives them."""

    seq = 0

    def __init__(self, conn: asyncpg.Connection[Any], process_id: UUID | None = None) -> None:
        self.conn = conn
        self.process_id = process_id or uuid4()

    async def feed(self, event: Event) -> list[PublicRecord]:
        Stream.seq += 1
        env = Envelope(
            event_id=uuid4(),
            type=event.type_name,
            version=event.version,
            stream_id=f"process-{self.process_id}",
            stream_version=Stream.seq,
            seq=Stream.seq,
            occurred_at=START + timedelta(minutes=Stream.seq),
            actor=Actor(subject="p-1", role=Role.ADMIN),
            correlation_id=uuid4(),
            topic=event.topic,
            key=event.partition_key(),
            data=encode(event),
            prev_hash=GENESIS_HASH,
            hash="",
        )
        async with self.conn.transaction():
            return await derive(self.conn, SCHEMA, env, event)

    async def to_tallying(self, live_results_public: bool = False) -> None:
        pid = self.process_id
        await self.feed(ProcessCreated(process_id=pid, title="Borgerbudget", municipality="H"))
        if live_results_public:
            await self.feed(LiveResultsVisibilitySet(process_id=pid, public=True))
        await self.phase(Phase.VOTING, Phase.TALLYING)

    async def phase(self, from_phase: Phase, to_phase: Phase) -> list[PublicRecord]:
        pid = self.process_id
        return await self.feed(
            PhaseChanged(process_id=pid, from_phase=from_phase, to_phase=to_phase, at=START)
        )

    def allocations(self) -> tuple[AllocationProposed, AllocationDecided]:
        funded = (ProjectFunding(proposal_id=uuid4(), amount_ore=40_000_000),)
        pid = self.process_id
        return (
            AllocationProposed(
                process_id=pid,
                local_area="Tørring",
                rule=TallyRule.GREEDY,
                funded=funded,
                ballots_counted=5,
            ),
            AllocationDecided(
                process_id=pid,
                local_area="Tørring",
                confirmed=True,
                funded=funded,
                decided_by="p-1",
            ),
        )


def kinds(records: list[PublicRecord]) -> list[str]:
    return [r.type_name for r in records]


async def test_an_embargoed_outcome_is_held_until_the_results_are_published(
    conn: asyncpg.Connection[Any],
) -> None:
    stream = Stream(conn)
    await stream.to_tallying()
    proposed, decided = stream.allocations()
    assert await stream.feed(proposed) == [] and await stream.feed(decided) == []
    held = await conn.fetch(f"select * from {SCHEMA}.held order by seq")
    assert [r["type_name"] for r in held] == ["AllocationProposed", "AllocationDecided"]

    released = await stream.phase(Phase.TALLYING, Phase.RESULTS_PUBLISHED)
    assert kinds(released) == ["AllocationProposed", "AllocationDecided", "PhaseChanged"]
    assert [r.ce_id for r in released[:2]] == [str(r["event_id"]) for r in held]
    times = [dict(r.headers())["ce_time"] for r in released]
    assert times == sorted(times) and times[0] != times[-1]  # each keeps its own time
    assert "decided_by" not in released[1].data and released[1].data["funded"]
    assert await conn.fetchval(f"select count(*) from {SCHEMA}.held") == 0


async def test_a_released_record_is_the_one_that_would_have_been_sent_at_once(
    conn: asyncpg.Connection[Any],
) -> None:
    held, open_ = Stream(conn), Stream(conn)
    await held.to_tallying()
    await open_.to_tallying(live_results_public=True)
    proposed, _ = held.allocations()
    assert await held.feed(proposed) == []
    (at_once,) = await open_.feed(proposed.model_copy(update={"process_id": open_.process_id}))
    (later, _) = await held.phase(Phase.TALLYING, Phase.RESULTS_PUBLISHED)
    assert later.value() == at_once.value().replace(
        str(open_.process_id).encode(), str(held.process_id).encode()
    )
    assert (later.key, later.subject) == (str(held.process_id), str(held.process_id))


async def test_making_live_results_public_while_tallying_releases_what_was_held(
    conn: asyncpg.Connection[Any],
) -> None:
    stream = Stream(conn)
    await stream.to_tallying()
    proposed, decided = stream.allocations()
    await stream.feed(proposed)
    released = await stream.feed(
        LiveResultsVisibilitySet(process_id=stream.process_id, public=True)
    )
    assert kinds(released) == ["AllocationProposed", "LiveResultsVisibilitySet"]
    assert kinds(await stream.feed(decided)) == ["AllocationDecided"]  # public now: at once
    hidden = LiveResultsVisibilitySet(process_id=stream.process_id, public=False)
    await stream.feed(hidden)
    assert await stream.feed(decided.model_copy(update={"reason": "again"})) == []


async def test_an_outcome_of_a_process_the_feed_never_saw_created_is_held(
    conn: asyncpg.Connection[Any],
) -> None:
    stream = Stream(conn)
    proposed, _ = stream.allocations()
    assert await stream.feed(proposed) == []
    released = await stream.phase(Phase.TALLYING, Phase.RESULTS_PUBLISHED)
    assert kinds(released) == ["AllocationProposed", "PhaseChanged"]
