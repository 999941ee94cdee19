"""Replay rate: events/s when a projection is rebuilt from Kafka offset 0 into a fresh schema.

    .venv/bin/python bench/bench_replay.py [--events 1000000] [--projections proposals,audit]
        [--workers 1,2]

Uses DATABASE_URL if set, else an embedded PostgreSQL in a temporary directory, and a fresh
embedded broker. The events (one process per 1,000 proposals, one edit per 5 proposals) are
sealed into a valid hash chain and produced straight to the budgeting topic: a replay reads only
Kafka, so the event store is not involved. Each projection is replayed into its own copy
(`samskab replay NAME --as COPY` does the same) and the rate printed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import asyncpg
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from events.base import Actor, Event, Role
from events.budgeting import ProcessCreated, ProposalEdited, ProposalSubmitted
from events.envelope import GENESIS_HASH, seal
from events.kafka import to_record
from projections.catalog import PROJECTIONS
from services.audit.replay import replay
from services.platform.kafka import clients
from services.platform.settings import Settings
from services.runtime.embedded import EmbeddedBroker, EmbeddedPostgres, dsn_with_database
from services.runtime.serve import migrate_all

ACTOR = Actor(subject="bench", role=Role.CITIZEN)
console = Console()


def events(n: int) -> list[tuple[str, int, Event]]:
    """(stream id, stream version, event) for `n` events."""
    out: list[tuple[str, int, Event]] = []
    process = uuid4()
    last_proposal = None
    while len(out) < n:
        if len(out) % 1000 == 0:
            process = uuid4()
            out.append(
                (
                    f"process-{process}",
                    1,
                    ProcessCreated(process_id=process, title="Budget", municipality="Hedensted"),
                )
            )
        elif len(out) % 6 == 5 and last_proposal is not None:
            proposal, of_process = last_proposal
            out.append(
                (
                    f"proposal-{proposal}",
                    2,
                    ProposalEdited(process_id=of_process, proposal_id=proposal, title="Ny titel"),
                )
            )
        else:
            last_proposal = (uuid4(), process)
            out.append(
                (
                    f"proposal-{last_proposal[0]}",
                    1,
                    ProposalSubmitted(
                        process_id=process,
                        proposal_id=last_proposal[0],
                        title="Bænke ved åen",
                        description="Tre bænke langs stien",
                        estimated_cost_ore=4_500_000,
                        local_area="Tørring",
                        core_task="Fritid og fællesskab",
                        author="bench",
                    ),
                )
            )
    return out


async def produce(settings: Settings, n: int) -> float:
    topic = settings.topology.events_topic("budgeting")
    producer = clients.producer(settings)
    await producer.start()
    prev = GENESIS_HASH
    now = datetime.now(UTC)
    try:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("sealing and producing", total=n)
            started = time.perf_counter()
            pending = []
            for seq, (stream, version, event) in enumerate(events(n), start=1):
                env = seal(
                    event,
                    stream_id=stream,
                    stream_version=version,
                    seq=seq,
                    occurred_at=now,
                    actor=ACTOR,
                    correlation_id=uuid4(),
                    prev_hash=prev,
                )
                prev = env.hash
                key, value, headers = to_record(env)
                partition = clients.partition_for(env.key, settings.partitions)
                pending.append(
                    await producer.send(
                        topic, value=value, key=key, headers=headers, partition=partition
                    )
                )
                if len(pending) >= 5000:
                    await asyncio.gather(*pending)
                    progress.advance(task, len(pending))
                    pending = []
            await asyncio.gather(*pending)
            return n / (time.perf_counter() - started)
    finally:
        await producer.stop()


async def main(n: int, names: list[str], worker_counts: list[int]) -> None:
    pg = None
    tmp = None
    admin_dsn = os.environ.get("DATABASE_URL")
    if admin_dsn is None:
        tmp = tempfile.TemporaryDirectory(prefix="samskab-bench-")
        pg = EmbeddedPostgres(Path(tmp.name) / "pg")
        admin_dsn = pg.start()
    broker = EmbeddedBroker(log_path=Path(tempfile.mkdtemp()) / "broker.log")
    bootstrap = broker.start()
    name = f"bench_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(admin_dsn)
    await conn.execute(f'create database "{name}"')
    await conn.close()
    dsn = dsn_with_database(admin_dsn, name)
    try:
        await migrate_all(dsn)
        settings = Settings.model_validate(
            {
                "DATABASE_URL": dsn,
                "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                "embedded_broker": True,
                "topic_prefix": f"b{secrets.token_hex(3)}",
                "partitions": 6,
            }
        )
        admin = clients.admin(settings)
        await admin.start()
        await clients.ensure_topics(admin, settings.topology)
        await admin.close()
        produce_rate = await produce(settings, n)
        table = Table("projection", "workers", "events", "records", "seconds", "events/s")
        for projection in names:
            for workers in worker_counts:
                with Progress(console=console, transient=True) as progress:
                    task = progress.add_task(f"replaying {projection} ({workers})", total=n)
                    result = await replay(
                        settings,
                        PROJECTIONS[projection],
                        name=f"bench_{projection}_{workers}",
                        workers=workers,
                        progress=lambda done, total, task=task: progress.update(
                            task, completed=done, total=total
                        ),
                    )
                table.add_row(
                    projection,
                    str(workers),
                    str(result.events),
                    str(result.records),
                    f"{result.seconds:.1f}",
                    f"{result.rate:,.0f}",
                )
        console.print(f"{n:,} events produced at {produce_rate:,.0f}/s (sealing included)")
        console.print(table)
    finally:
        conn = await asyncpg.connect(admin_dsn)
        await conn.execute(f'drop database if exists "{name}" with (force)')
        await conn.close()
        broker.stop()
        if pg is not None:
            pg.stop()
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--projections", default="proposals,audit")
    parser.add_argument(
        "--workers",
        default="1,2",
        help="worker counts to replay each projection with, comma-separated",
    )
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",")]
    asyncio.run(main(args.events, args.projections.split(","), counts))
