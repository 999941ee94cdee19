"""A batch apply builds the same read model as applying the same events one by one."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from events.base import Actor, Event, Role
from events.budgeting import (
    ProcessCreated,
    ProposalCostEstimated,
    ProposalEdited,
    ProposalMerged,
    ProposalReviewed,
    ProposalsMarkedIncompatible,
    ProposalSubmitted,
    ProposalSupported,
    ProposalWithdrawn,
)
from events.envelope import GENESIS_HASH, seal
from events.kafka import to_record
from projections.audit.batch import SPEC as AUDIT_BATCH
from projections.audit.projection import SPEC as AUDIT_ONE_BY_ONE
from projections.proposals.batch import SPEC as PROPOSALS_BATCH
from projections.proposals.projection import SPEC as PROPOSALS_ONE_BY_ONE
from projections.spec import ProjectionSpec
from services.audit.replay import replay
from services.platform.kafka import clients
from services.platform.settings import Settings


def a_realistic_log(rng: random.Random) -> list[tuple[str, int, Event]]:
    """(stream, version, event): processes, proposals, then edits, supports, reviews,
    merges, withdrawals in random order — each on a proposal that already exists."""
    out: list[tuple[str, int, Event]] = []
    versions: dict[str, int] = {}
    live: list[tuple[UUID, UUID]] = []

    def add(stream: str, event: Event) -> None:
        versions[stream] = versions.get(stream, 0) + 1
        out.append((stream, versions[stream], event))

    for _ in range(3):
        pid = uuid4()
        add(f"process-{pid}", ProcessCreated(process_id=pid, title="B", municipality="Hedensted"))
        for n in range(15):
            prop = uuid4()
            live.append((pid, prop))
            add(
                f"proposal-{prop}",
                ProposalSubmitted(
                    process_id=pid,
                    proposal_id=prop,
                    title=f"Forslag {n}",
                    description="Tre bænke",
                    estimated_cost_ore=rng.randrange(1, 10**7),
                    local_area=rng.choice(["Tørring", "Hedensted"]),
                    core_task="Læring",
                    author="p-author",
                ),
            )
            for _ in range(rng.randrange(0, 6)):
                pid2, target = rng.choice(live)
                stream = f"proposal-{target}"
                pick = rng.randrange(7)
                if pick == 0:
                    add(stream, ProposalEdited(process_id=pid2, proposal_id=target, title="Ny"))
                elif pick == 1:
                    cost = rng.randrange(1, 10**7)
                    add(
                        stream,
                        ProposalEdited(
                            process_id=pid2, proposal_id=target, estimated_cost_ore=cost
                        ),
                    )
                elif pick == 2:
                    add(
                        stream,
                        ProposalSupported(process_id=pid2, proposal_id=target, supporter="p-s"),
                    )
                elif pick == 3:
                    add(
                        stream,
                        ProposalReviewed(
                            process_id=pid2, proposal_id=target, feasible=rng.random() < 0.7
                        ),
                    )
                elif pick == 4:
                    add(
                        stream,
                        ProposalCostEstimated(process_id=pid2, proposal_id=target, cost_ore=500),
                    )
                elif pick == 5:
                    other = rng.choice([p for q, p in live if q == pid2])
                    if other != target:
                        add(
                            stream,
                            ProposalsMarkedIncompatible(
                                process_id=pid2, proposal_id=target, other_proposal_id=other
                            ),
                        )
                elif rng.random() < 0.5:
                    add(stream, ProposalWithdrawn(process_id=pid2, proposal_id=target, reason="x"))
                else:
                    other = rng.choice([p for q, p in live if q == pid2])
                    add(
                        stream,
                        ProposalMerged(process_id=pid2, proposal_id=target, into_proposal_id=other),
                    )
    return out


async def produce(settings: Settings, log: list[tuple[str, int, Event]]) -> None:
    producer = clients.producer(settings)
    await producer.start()
    prev, start = GENESIS_HASH, datetime(2026, 5, 1, tzinfo=UTC)
    try:
        for seq, (stream, version, event) in enumerate(log, start=1):
            env = seal(
                event,
                stream_id=stream,
                stream_version=version,
                seq=seq,
                occurred_at=start + timedelta(seconds=seq),
                actor=Actor(subject="p-actor", role=Role.CITIZEN),
                correlation_id=uuid4(),
                prev_hash=prev,
            )
            prev = env.hash
            key, value, headers = to_record(env)
            await producer.send_and_wait(
                settings.topology.events_topic(env.topic),
                value=value,
                key=key,
                headers=headers,
                partition=clients.partition_for(env.key, settings.partitions),
            )
    finally:
        await producer.stop()


WHEN = ("progressed_at",)  # when a row was written, not what it holds


async def tables(conn: asyncpg.Connection[Any], schema: str) -> dict[str, list[Any]]:
    names = await conn.fetch(
        "select table_name from information_schema.tables where table_schema = $1 "
        "and table_name not in ('instances', 'offsets') order by 1",
        schema,
    )
    out = {}
    for row in names:
        rows = await conn.fetch(f"select * from {schema}.{row['table_name']}")
        out[row["table_name"]] = sorted(
            (tuple(sorted((k, v) for k, v in dict(r).items() if k not in WHEN)) for r in rows),
            key=repr,
        )
    return out


async def same_read_model(settings: Settings, one: ProjectionSpec, batch: ProjectionSpec) -> None:
    # Small batches, so a stream's events fall into different batches as well as the same one.
    await replay(settings, one, name=f"one_{one.name}", batch_size=1000)
    await replay(settings, batch, name=f"batch_{batch.name}", batch_size=7)
    conn = await asyncpg.connect(settings.require_database_url())
    try:
        expected = await tables(conn, f"one_{one.name}")
        actual = await tables(conn, f"batch_{batch.name}")
    finally:
        await conn.close()
    assert sum(len(rows) for rows in expected.values()) > 100
    assert actual == expected


async def test_batches_build_the_same_catalog_and_audit_trail_as_one_event_at_a_time(
    settings: Settings,
) -> None:
    await produce(settings, a_realistic_log(random.Random(6)))
    await same_read_model(settings, PROPOSALS_ONE_BY_ONE, PROPOSALS_BATCH)
    await same_read_model(settings, AUDIT_ONE_BY_ONE, AUDIT_BATCH)
