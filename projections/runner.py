"""Runs one projection: Kafka in, read model out, exactly-once effect.

Each batch is applied in one PostgreSQL transaction that also records which events were applied
(`applied`, by global seq) and where each partition stands (`offsets`). A seq already recorded is
a duplicate and is skipped. Positions live in PostgreSQL, so a crash anywhere neither loses nor
doubles an event. A record that cannot be decoded, or whose apply keeps failing after bounded
retries, becomes a row of the projection's `dead_letters` table in the transaction that moves
the position past it (so it survives any crash or broker restart), and after the commit a copy
goes to the projection's dead-letter topic with the reason in headers; the projection goes on.
Database outages are not dead-lettered: the runner stops the batch, reconnects and
resumes from the stored positions.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from typing import Any

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import KafkaError
from prometheus_client import Counter

from projections import dead_letters
from projections.items import Item, digest, parse
from projections.spec import ProjectionSpec
from services.platform.kafka import clients
from services.platform.settings import Settings

log = structlog.get_logger("projection")

APPLIED = Counter("samskab_projection_applied_total", "Events applied", ["projection"])
DUPLICATES = Counter("samskab_projection_duplicates_total", "Duplicates skipped", ["projection"])
DEAD = Counter("samskab_projection_dead_lettered_total", "Records dead-lettered", ["projection"])

DB_OUTAGE = (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError)


class ProjectionRunner:
    def __init__(
        self,
        pool: asyncpg.Pool[Any],
        settings: Settings,
        spec: ProjectionSpec,
        *,
        schema: str | None = None,
        group: bool = False,
        max_attempts: int = 3,
        batch_size: int = 2000,
    ) -> None:
        self.spec = spec
        self.schema = schema or spec.default_schema
        self._pool = pool
        self._settings = settings
        self._group = group
        self._max_attempts = max_attempts
        self._batch_size = batch_size
        self._topics = [settings.topology.events_topic(t) for t in spec.topics]
        self._dlq_topic = settings.topology.dead_letter_topic(spec.name)
        self.instance = f"{socket.gethostname()}-{os.getpid()}"
        self.assigned: set[TopicPartition] = set()
        self.applied = 0
        self._apply_batch = spec.apply_batch
        self._copied: set[tuple[str, int, int]] = set()  # dead letters sent to the topic

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 0.2
        while not stop.is_set():
            consumer = clients.consumer(
                self._settings,
                group_id=f"{self._settings.topic_prefix}.projection.{self.schema}",
                fetch_max_wait_ms=50,
                max_partition_fetch_bytes=4 * 1024 * 1024,
            )
            dlq = clients.producer(self._settings)
            heartbeat = asyncio.create_task(self._heartbeat_loop())
            resources = contextlib.AsyncExitStack()
            try:
                if self.spec.session is not None:
                    self._apply_batch = await resources.enter_async_context(
                        self.spec.session(self._settings)
                    )
                await consumer.start()
                await dlq.start()
                await self._attach(consumer)
                backoff = 0.2
                while not stop.is_set():
                    batches = await consumer.getmany(timeout_ms=200, max_records=self._batch_size)
                    if batches:
                        await self._process(consumer, dlq, batches)
            except (KafkaError, *DB_OUTAGE, TimeoutError) as exc:
                log.warning(
                    "projection interrupted", projection=self.schema, error=type(exc).__name__
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                heartbeat.cancel()
                self.assigned = set()
                with contextlib.suppress(Exception):
                    await resources.aclose()
                self._apply_batch = self.spec.apply_batch
                await clients.stop_quietly(consumer, dlq)

    # --- positions ---------------------------------------------------------------------------

    async def _attach(self, consumer: AIOKafkaConsumer) -> None:
        if self._group:
            consumer.subscribe(self._topics, listener=_SeekOnAssign(self, consumer))
            return
        tps = []
        for topic, parts in (await clients.partitions_of(self._settings, self._topics)).items():
            if not parts:
                raise KafkaError(f"topic {topic} does not exist yet")
            tps += [TopicPartition(topic, p) for p in parts]
        consumer.assign(tps)
        self.assigned = set(tps)
        await self.seek_stored(consumer, tps, verify=True)

    async def seek_stored(
        self, consumer: AIOKafkaConsumer, tps: list[TopicPartition], verify: bool
    ) -> None:
        """Resume each partition after its last applied record, or from the start if the
        partition no longer holds that record (the broker lost its data)."""
        rows = await self._pool.fetch(
            f"select topic, partition, next_offset, last_digest from {self.schema}.offsets "
            "where topic = any($1::text[])",
            self._topics,
        )
        stored = {TopicPartition(r["topic"], r["partition"]): r for r in rows}
        for tp in tps:
            row = stored.get(tp)
            if row is None:
                await consumer.seek_to_beginning(tp)
                continue
            if verify and not await self._still_there(consumer, tp, row):
                log.warning("partition changed under us; reading it from the start", tp=str(tp))
                await consumer.seek_to_beginning(tp)
                continue
            consumer.seek(tp, row["next_offset"])

    async def _still_there(
        self, consumer: AIOKafkaConsumer, tp: TopicPartition, row: asyncpg.Record
    ) -> bool:
        last = row["next_offset"] - 1
        consumer.seek(tp, last)
        records = (await consumer.getmany(tp, timeout_ms=2000, max_records=1)).get(tp, [])
        return (
            bool(records) and records[0].offset == last and digest(records[0]) == row["last_digest"]
        )

    # --- applying ----------------------------------------------------------------------------

    async def _process(
        self,
        consumer: AIOKafkaConsumer,
        dlq: AIOKafkaProducer,
        batches: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]],
    ) -> None:
        items = [parse(tp, r) for tp, records in batches.items() for r in records]
        try:
            async with self._pool.acquire() as conn, conn.transaction():
                await self._apply(conn, items)
        except DB_OUTAGE:
            raise
        except Exception as exc:
            log.warning(
                "batch failed; applying one by one",
                projection=self.schema,
                error=type(exc).__name__,
            )
            await self._apply_one_by_one(dlq, items)
        else:
            await self._dead_letter(dlq, items)
        if self._group:
            with contextlib.suppress(KafkaError):
                await consumer.commit(
                    {tp: records[-1].offset + 1 for tp, records in batches.items()}
                )

    async def _apply_one_by_one(self, dlq: AIOKafkaProducer | None, items: list[Item]) -> None:
        for item in items:
            problem = ""
            for attempt in range(1, self._max_attempts + 1):
                try:
                    async with self._pool.acquire() as conn, conn.transaction():
                        await self._apply(conn, [item])
                    await self._dead_letter(dlq, [item])
                    break
                except DB_OUTAGE:
                    raise
                except Exception as exc:
                    problem = f"{type(exc).__name__}: {exc}"
                    await asyncio.sleep(0.05 * attempt)
            else:
                dead = Item(
                    item.tp, item.record, item.env, problem=problem, attempts=self._max_attempts
                )
                async with self._pool.acquire() as conn, conn.transaction():
                    await self._apply(conn, [dead])
                await self._dead_letter(dlq, [dead])

    async def _apply(
        self, conn: asyncpg.Connection[Any], items: list[Item], *, positions: bool = True
    ) -> None:
        """Apply the new events among `items`, record those with a problem as dead letters and
        record positions, in the caller's transaction. Without `positions` the partitions'
        offsets are left as they are (a retry applies records read long ago)."""
        s = self.schema
        fresh = await self._claim(conn, [i for i in items if i.event is not None])
        if self._apply_batch is not None and fresh:
            pairs = [(i.env, i.event) for i in fresh if i.env is not None and i.event is not None]
            await self._apply_batch(conn, s, pairs)
        else:
            for i in fresh:
                assert i.env is not None and i.event is not None
                await self.spec.apply(conn, s, i.env, i.event)
        if fresh:
            per_topic: dict[str, tuple[int, int]] = {}
            for i in fresh:
                assert i.env is not None
                seen, last = per_topic.get(i.env.topic, (0, 0))
                per_topic[i.env.topic] = (seen + 1, max(last, i.env.seq))
            await conn.executemany(
                f"insert into {s}.checkpoint (topic, seen, last_seq) values ($1, $2, $3) "
                "on conflict (topic) do update set seen = checkpoint.seen + excluded.seen, "
                "last_seq = greatest(checkpoint.last_seq, excluded.last_seq), "
                "progressed_at = now()",
                # In topic order: instances sharing a schema then lock these rows in one order.
                [(t, n, last) for t, (n, last) in sorted(per_topic.items())],
            )
        dead = [i for i in items if i.problem is not None]
        if dead:  # before the positions move past them
            await dead_letters.record(conn, s, dead, [digest(i.record) for i in dead])
        APPLIED.labels(self.spec.name).inc(len(fresh))
        self.applied += len(fresh)
        if not positions:
            return
        last_per_tp: dict[TopicPartition, ConsumerRecord[bytes, bytes]] = {}
        for item in items:
            last_per_tp[item.tp] = item.record
        await conn.executemany(
            f"insert into {s}.offsets (topic, partition, next_offset, last_digest) "
            "values ($1, $2, $3, $4) on conflict (topic, partition) do update set "
            "next_offset = excluded.next_offset, last_digest = excluded.last_digest",
            [(tp.topic, tp.partition, r.offset + 1, digest(r)) for tp, r in last_per_tp.items()],
        )

    async def _claim(self, conn: asyncpg.Connection[Any], valid: list[Item]) -> list[Item]:
        """Record the seqs of `valid` as applied; return the items whose seq was new.

        The insert is the duplicate check: a seq already in `applied` conflicts and is skipped,
        so the answer costs one index probe per seq. (A `select ... where seq = any(...)` read
        first lets the planner choose a scan of the whole table for a large batch, which made
        every batch slower the longer the log.) It is the batch's first statement, so a swap
        holding `applied` locked pauses the batch before it has changed anything.
        """
        first: dict[int, Item] = {}
        for item in valid:
            assert item.env is not None
            first.setdefault(item.env.seq, item)
        new = {
            r["seq"]
            for r in await conn.fetch(
                f"insert into {self.schema}.applied (seq) select unnest($1::bigint[]) "
                "on conflict do nothing returning seq",
                list(first),
            )
        }
        skipped = len(valid) - len(new)
        if skipped:
            DUPLICATES.labels(self.spec.name).inc(skipped)
        return [item for seq, item in first.items() if seq in new]

    async def _dead_letter(self, dlq: AIOKafkaProducer | None, items: list[Item]) -> None:
        """After the commit that recorded them: count, log and copy to the dead-letter topic
        the items with a problem. The table is the record; a copy that cannot be sent is
        logged, and no record is copied twice by one runner."""
        for item in items:
            if item.problem is None:
                continue
            record = item.record
            where = (item.tp.topic, item.tp.partition, record.offset)
            if where in self._copied:
                continue
            self._copied.add(where)
            DEAD.labels(self.spec.name).inc()
            log.error(
                "record dead-lettered",
                projection=self.schema,
                topic=item.tp.topic,
                partition=item.tp.partition,
                offset=record.offset,
                reason=item.problem.partition(":")[
                    0
                ],  # the kind only: the text may quote the record
            )
            if dlq is None:
                continue
            headers = [
                *(record.headers or ()),
                ("dlq_reason", item.problem.encode()[: dead_letters.REASON_LIMIT]),
                ("dlq_projection", self.spec.name.encode()),
                ("dlq_source_topic", item.tp.topic.encode()),
                ("dlq_source_partition", str(item.tp.partition).encode()),
                ("dlq_source_offset", str(record.offset).encode()),
                ("dlq_attempts", str(item.attempts).encode()),
            ]
            try:
                await dlq.send_and_wait(
                    self._dlq_topic, value=record.value, key=record.key, headers=headers
                )
            except (KafkaError, TimeoutError) as exc:
                log.warning(
                    "dead letter kept in the database; its copy to the topic failed",
                    projection=self.schema,
                    offset=record.offset,
                    error=type(exc).__name__,
                )

    async def _heartbeat_loop(self) -> None:
        while True:
            with contextlib.suppress(*DB_OUTAGE):
                await self._pool.execute(
                    f"insert into {self.schema}.instances (instance, partitions, applied, "
                    "heartbeat_at) values ($1, $2, $3, now()) on conflict (instance) do update "
                    "set partitions = excluded.partitions, applied = excluded.applied, "
                    "heartbeat_at = now()",
                    self.instance,
                    ",".join(sorted(f"{tp.topic}:{tp.partition}" for tp in self.assigned)),
                    self.applied,
                )
            await asyncio.sleep(2)


class _SeekOnAssign(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, runner: ProjectionRunner, consumer: AIOKafkaConsumer) -> None:
        self._runner = runner
        self._consumer = consumer

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        self._runner.assigned -= set(revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self._runner.assigned |= set(assigned)
        await self._runner.seek_stored(self._consumer, sorted(assigned), verify=False)
