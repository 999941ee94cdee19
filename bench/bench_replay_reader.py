"""Replay's bulk reader: raw aiokafka against a FastStream batch subscriber, reading alone.

    .venv/bin/python bench/bench_replay_reader.py [--events 300000] [--rounds 3]

Produces `--events` budgeting events (as `bench_replay.py` does) to a fresh embedded broker,
then reads all of them from offset 0 with each reader in turn, `--rounds` times, and prints the
records/s and CPU seconds of each, and the ratio. Only the reading is timed: each reader hands
on raw records and counts them, so what differs is the client and the framework around it,
not the parsing or the applying that a replay does after it (the same for both).

- aiokafka: what `samskab replay` does — the partitions assigned, `getmany` until every
  partition is past the end offset taken at the start.
- FastStream: a batch subscriber on the same partitions (no consumer group, from the earliest
  offset, no acknowledgement), its handler counting until it has seen every record; FastStream
  has no notion of "done at these end offsets", so the count decides when it stops.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from aiokafka import TopicPartition
from bench_replay import produce
from environment import bench_environment
from faststream import AckPolicy
from faststream.kafka import TopicPartition as SubscribedPartition

from services.platform.collector import tune_collector
from services.platform.kafka import clients
from services.platform.settings import Settings

console = Console()
BATCH = 5000
FETCH_BYTES = 16 * 1024 * 1024


async def partitions(settings: Settings) -> list[TopicPartition]:
    topic = settings.topology.events_topic("budgeting")
    found = await clients.partitions_of(settings, [topic])
    return [TopicPartition(topic, p) for p in found[topic]]


async def read_aiokafka(settings: Settings, total: int) -> int:
    tps = await partitions(settings)
    consumer = clients.consumer(
        settings, fetch_max_wait_ms=50, max_partition_fetch_bytes=FETCH_BYTES
    )
    await consumer.start()
    try:
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        seen = 0
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            batches = await consumer.getmany(timeout_ms=200, max_records=BATCH)
            seen += sum(len(records) for records in batches.values())
        return seen
    finally:
        await consumer.stop()


async def read_faststream(settings: Settings, total: int) -> int:
    tps = await partitions(settings)
    broker = clients.broker(settings)
    done = asyncio.Event()
    seen = 0

    async def raw(message: Any) -> Any:
        return message.raw_message

    subscriber = broker.subscriber(
        partitions=[SubscribedPartition(tp.topic, tp.partition) for tp in tps],
        batch=True,
        max_records=BATCH,
        batch_timeout_ms=200,
        fetch_max_wait_ms=50,
        max_partition_fetch_bytes=FETCH_BYTES,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.MANUAL,
        decoder=raw,
    )

    @subscriber
    async def count(records: Any) -> None:
        nonlocal seen
        seen += len(records)
        if seen >= total:
            done.set()

    await broker.start()
    try:
        await done.wait()
        return seen
    finally:
        await broker.stop()


async def timed(
    read: Callable[[Settings, int], Awaitable[int]], settings: Settings, n: int
) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    seen = await read(settings, n)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if seen != n:
        raise RuntimeError(f"{read.__name__} read {seen} records of {n}")
    return n / wall, cpu


async def main(n: int, rounds: int) -> None:
    tune_collector()  # as every service and replay does at start
    async with bench_environment() as env:
        admin = clients.admin(env.settings)
        await admin.start()
        try:
            await clients.ensure_topics(admin, env.settings.topology)
        finally:
            await admin.close()
        rate = await produce(env.settings, n)
        console.print(f"produced {n:,} events at {rate:,.0f}/s")
        results: dict[str, list[tuple[float, float]]] = {"aiokafka": [], "FastStream": []}
        for round_ in range(rounds):
            order = [("aiokafka", read_aiokafka), ("FastStream", read_faststream)]
            if round_ % 2:
                order.reverse()
            for name, read in order:
                results[name].append(await timed(read, env.settings, n))
                console.print(f"round {round_ + 1}: {name} {results[name][-1][0]:,.0f} records/s")
    table = Table(title=f"reading {n:,} records from offset 0, {rounds} rounds (median)")
    for column in ("reader", "records/s", "CPU s", "rate vs aiokafka"):
        table.add_column(column, justify="right")
    base = statistics.median(r for r, _ in results["aiokafka"])
    for name, runs in results.items():
        median = statistics.median(r for r, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        table.add_row(name, f"{median:,.0f}", f"{cpu:.2f}", f"{median / base:.2f}×")
    console.print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.events, args.rounds))
