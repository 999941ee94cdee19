"""Throughput of the rails on the embedded default: appends, relay, projection, end-to-end latency.

    .venv/bin/python bench/bench_rails.py [--events 20000] [--latency-samples 200]

Uses DATABASE_URL if set, else an embedded PostgreSQL in a temporary directory, and always a
fresh embedded broker. Prints one table of figures.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import asyncpg
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.environment import bench_environment
from events.base import Actor, Role
from events.budgeting import ProcessCreated, ProposalSubmitted
from projections.catalog import PROJECTIONS
from projections.runner import ProjectionRunner
from services.platform import db
from services.platform.collector import tune_collector
from services.platform.kafka import clients
from services.platform.settings import Settings
from services.relay.relay import Relay
from services.store.eventstore import EventStore, PendingEvent

ACTOR = Actor(subject="bench", role=Role.CITIZEN)
console = Console()


def proposal(process_id: object) -> PendingEvent:
    event = ProposalSubmitted(
        process_id=process_id,
        proposal_id=uuid4(),
        title="Bænke ved åen",  # type: ignore[arg-type]
        description="Tre bænke langs stien",
        estimated_cost_ore=4_500_000,
        local_area="Tørring",
        core_task="Fritid og fællesskab",
        author="bench",
    )
    return PendingEvent(event, uuid4(), datetime.now(UTC), ACTOR, uuid4())


async def append_rate(store: EventStore, process_ids: list[object], n: int, clients_: int) -> float:
    per_client = n // clients_
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"appending ({clients_} clients)", total=per_client * clients_)

        async def client(i: int) -> None:
            for _ in range(per_client):
                p = proposal(process_ids[i % len(process_ids)])
                await store.append(f"proposal-{p.event.proposal_id}", 0, [p])  # type: ignore[attr-defined]
                progress.advance(task)

        start = time.perf_counter()
        await asyncio.gather(*(client(i) for i in range(clients_)))
        return per_client * clients_ / (time.perf_counter() - start)


async def wait_until(check: object, total: int, label: str) -> float:
    start = time.perf_counter()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(label, total=total)
        while True:
            done = await check()  # type: ignore[operator]
            progress.update(task, completed=done)
            if done >= total:
                return time.perf_counter() - start
            await asyncio.sleep(0.05)


async def listed(pool: asyncpg.Pool, schema: str, proposal_id: object) -> None:
    query = f"select 1 from {schema}.proposals where proposal_id = $1"
    for _ in range(100_000):
        if await pool.fetchval(query, proposal_id):
            return
        await asyncio.sleep(0.001)
    raise TimeoutError(f"proposal {proposal_id} never listed")


async def main(events: int, samples: int) -> None:
    async with bench_environment() as environment:
        await measure(environment.settings, events, samples)


async def measure(settings: Settings, events: int, samples: int) -> None:
    # As every service does at start (services/runtime/serve.py): what is loaded now is frozen
    # out of the collector's view, so the figures do not depend on how much was imported.
    tune_collector()
    dsn = settings.require_database_url()
    admin = clients.admin(settings)
    await admin.start()
    await clients.ensure_topics(admin, settings.topology)
    await admin.close()
    pool = await db.create_pool(dsn, max_size=20)
    store = EventStore(pool)
    await store.start()
    figures: list[tuple[str, str]] = []
    try:
        process_ids: list[object] = []
        for _ in range(8):
            pid = uuid4()
            created = ProcessCreated(process_id=pid, title="Bench", municipality="Hedensted")
            await store.append(
                f"process-{pid}",
                0,
                [PendingEvent(created, uuid4(), datetime.now(UTC), ACTOR, uuid4())],
            )
            process_ids.append(pid)
        one = await append_rate(store, process_ids, max(events // 10, 200), 1)
        figures.append(("append, 1 client", f"{one:,.0f} events/s"))
        many = await append_rate(store, process_ids, events, 64)
        figures.append(("append, 64 concurrent clients", f"{many:,.0f} events/s"))
        total = await store.head()

        stop = asyncio.Event()
        relay = Relay(pool, settings)
        relay_task = asyncio.create_task(relay.run(stop))

        async def published() -> int:
            left = await pool.fetchval("select count(*) from eventstore.outbox")
            return total - int(left)

        seconds = await wait_until(published, total, "relay publishing")
        figures.append(("relay publish", f"{total / seconds:,.0f} events/s ({total:,} events)"))

        spec = PROJECTIONS["proposals"]
        runner = ProjectionRunner(pool, settings, spec)
        runner_task = asyncio.create_task(runner.run(stop))

        async def applied() -> int:
            return int(
                await pool.fetchval(
                    f"select coalesce(sum(seen), 0) from {spec.default_schema}.checkpoint"
                )
            )

        seconds = await wait_until(applied, total, "projection applying")
        figures.append(
            ("projection apply (proposals)", f"{total / seconds:,.0f} events/s ({total:,} events)")
        )

        latencies = []
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("submit → listed latency", total=samples)
            for _ in range(samples):
                p = proposal(process_ids[0])
                proposal_id = p.event.proposal_id  # type: ignore[attr-defined]
                start = time.perf_counter()
                await store.append(f"proposal-{proposal_id}", 0, [p])
                await listed(pool, spec.default_schema, proposal_id)
                latencies.append((time.perf_counter() - start) * 1000)
                progress.advance(task)
                await asyncio.sleep(0.02)
        latencies.sort()
        figures.append(
            (
                "commit → listed in read model",
                f"p50 {statistics.median(latencies):.1f} ms, "
                f"p99 {latencies[int(len(latencies) * 0.99) - 1]:.1f} ms ({samples} samples)",
            )
        )
        stop.set()
        await asyncio.gather(relay_task, runner_task)
    finally:
        await store.stop()
        await pool.close()
    table = Table(title="Samskab rails (embedded default, this machine)")
    table.add_column("what")
    table.add_column("figure", justify="right")
    for what, figure in figures:
        table.add_row(what, figure)
    console.print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--latency-samples", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.events, args.latency_samples))
