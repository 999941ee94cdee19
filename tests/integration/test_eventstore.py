"""The event store against the real PostgreSQL: concurrency, global order, hash chain, outbox."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from events.base import Actor, Role
from events.budgeting import ProcessCreated, ProposalSubmitted
from events.envelope import GENESIS_HASH
from services.platform import db
from services.store.eventstore import (
    ConcurrencyConflict,
    EventStore,
    PendingEvent,
    Unstorable,
    _Append,
)

ACTOR = Actor(subject="p-test", role=Role.CITIZEN)


def pending(event: ProcessCreated | ProposalSubmitted) -> PendingEvent:
    return PendingEvent(event, uuid4(), datetime.now(UTC), ACTOR, uuid4())


def proposal() -> ProposalSubmitted:
    return ProposalSubmitted(
        process_id=uuid4(),
        proposal_id=uuid4(),
        title="Bænke",
        description="",
        estimated_cost_ore=100,
        local_area="Tørring",
        core_task="Læring",
        author="p-test",
    )


@pytest.fixture
async def stores(database: str) -> AsyncIterator[list[EventStore]]:
    """Two event stores on separate pools: like two API processes."""
    pools = [await db.create_pool(database) for _ in range(2)]
    stores = [EventStore(p) for p in pools]
    for s in stores:
        await s.start()
    yield stores
    for s in stores:
        await s.stop()
    for p in pools:
        await p.close()


async def test_an_append_at_a_stale_version_is_refused_and_records_nothing(
    stores: list[EventStore],
) -> None:
    store = stores[0]
    pid = uuid4()
    stream = f"process-{pid}"
    created = ProcessCreated(process_id=pid, title="Budget", municipality="Hedensted")
    await store.append(stream, 0, [pending(created)])
    with pytest.raises(ConcurrencyConflict) as info:
        await store.append(stream, 0, [pending(created)])
    assert info.value.actual == 1
    assert len(await store.load(stream)) == 1


async def test_concurrent_appends_from_two_processes_get_a_gapless_chained_order(
    stores: list[EventStore], database: str
) -> None:
    streams = [f"proposal-{uuid4()}" for _ in range(200)]
    results = await asyncio.gather(
        *(stores[i % 2].append(s, 0, [pending(proposal())]) for i, s in enumerate(streams))
    )
    assert all(len(r) == 1 for r in results)
    pool = await db.create_pool(database)
    try:
        rows = await pool.fetch("select seq, prev_hash, hash from eventstore.events order by seq")
        outbox = await pool.fetchval("select count(*) from eventstore.outbox")
    finally:
        await pool.close()
    assert [r["seq"] for r in rows] == list(range(1, 201))
    assert rows[0]["prev_hash"] == GENESIS_HASH
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(rows))
    assert outbox == 200


async def test_only_one_of_many_racing_appends_to_one_stream_wins(stores: list[EventStore]) -> None:
    stream = f"proposal-{uuid4()}"
    outcomes = await asyncio.gather(
        *(stores[i % 2].append(stream, 0, [pending(proposal())]) for i in range(50)),
        return_exceptions=True,
    )
    wins = [o for o in outcomes if isinstance(o, list)]
    conflicts = [o for o in outcomes if isinstance(o, ConcurrencyConflict)]
    assert len(wins) == 1
    assert len(conflicts) == 49
    assert len(await stores[0].load(stream)) == 1


async def test_stored_envelopes_verify_against_their_hash(stores: list[EventStore]) -> None:
    stream = f"proposal-{uuid4()}"
    await stores[0].append(stream, 0, [pending(proposal())])
    (env,) = await stores[1].load(stream)
    assert env.expected_hash() == env.hash


async def test_an_event_that_cannot_be_stored_is_refused_before_it_joins_a_group(
    stores: list[EventStore],
) -> None:
    store = stores[0]
    bad = proposal().model_copy(update={"description": "nul \x00 here"})
    with pytest.raises(Unstorable) as info:
        await store.append(f"proposal-{bad.proposal_id}", 0, [pending(bad)])
    assert info.value.field == "description"
    assert await store.head() == 0


async def test_a_group_the_database_refuses_for_one_member_commits_all_the_others(
    stores: list[EventStore],
) -> None:
    """The member is put in the group past the store's own check, as a value only PostgreSQL
    would refuse: the group is split until the one to blame fails alone."""
    store = stores[0]
    good = [proposal() for _ in range(9)]
    bad = proposal().model_copy(update={"description": "nul \x00 here"})
    requests = [_Append(f"proposal-{p.proposal_id}", 0, [pending(p)]) for p in good]
    requests.insert(4, _Append(f"proposal-{bad.proposal_id}", 0, [pending(bad)]))
    for request in requests:  # queued before the writer runs: they commit as one group
        store._queue.put_nowait(request)
    results = await asyncio.gather(*(r.done for r in requests), return_exceptions=True)
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], Unstorable)
    assert isinstance(results[4], Unstorable)
    assert await store.head() == 9
    for p in good:
        assert len(await store.load(f"proposal-{p.proposal_id}")) == 1
