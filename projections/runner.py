"""Runs one projection: a FastStream batch subscriber on the event topics, read model out,
exactly-once effect.

The subscriber reads in the projection's own consumer group (`--group`, several instances
share the partitions) or, alone, from every partition it assigns itself. Its ack policy is
manual: each batch is applied in one PostgreSQL transaction that also records which events
were applied (`applied`, by global seq) and where each partition stands (`offsets`), and only
then is the batch acknowledged (its offsets committed to the group). A seq already recorded is a
duplicate and is skipped. Positions live in PostgreSQL, so a crash anywhere neither loses nor
doubles an event: on assignment (a rebalance listener), or before the first batch of a single
instance, the consumer seeks to the stored positions. A record that cannot be decoded, or whose
apply keeps failing after bounded retries, becomes a row of the projection's `dead_letters`
table in the transaction that moves the position past it (so it survives any crash or broker
restart), and after the commit a copy goes to the projection's dead-letter topic with the
reason in headers; the projection goes on. A database outage is not dead-lettered: the batch is
not acknowledged, each of its partitions is rewound to its first record, and the subscriber
waits and reads it again.
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
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka import TopicPartition as SubscribedPartition
from faststream.kafka.annotations import KafkaMessage
from faststream.kafka.message import KafkaAckableMessage
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
Records = tuple[ConsumerRecord[bytes, bytes], ...]


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
        self._dlq: AIOKafkaProducer | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._positioned = False  # a single instance seeks before it applies its first batch
        self._outage_wait = 0.2
        self._failure: BaseException | None = None
        self._failed = asyncio.Event()
        self._subscriber: Any = None
        self._batch: Records = ()  # from `_parse` to `_handle`

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 0.2
        while not stop.is_set():
            broker = clients.broker(self._settings)
            dlq = clients.producer(self._settings)
            heartbeat = asyncio.create_task(self._heartbeat_loop())
            resources = contextlib.AsyncExitStack()
            try:
                if self.spec.session is not None:
                    self._apply_batch = await resources.enter_async_context(
                        self.spec.session(self._settings)
                    )
                await dlq.start()
                self._dlq = dlq
                await self._subscribe(broker)
                await broker.start()
                backoff = 0.2
                await self._until_stopped_or_failed(stop)
            except (KafkaError, *DB_OUTAGE, TimeoutError) as exc:
                log.warning(
                    "projection interrupted", projection=self.schema, error=type(exc).__name__
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                heartbeat.cancel()
                with contextlib.suppress(Exception):
                    await broker.stop()
                self.assigned = set()
                self._consumer = None
                with contextlib.suppress(Exception):
                    await resources.aclose()
                self._apply_batch = self.spec.apply_batch
                self._dlq = None
                await clients.stop_quietly(dlq)

    async def _until_stopped_or_failed(self, stop: asyncio.Event) -> None:
        stopped = asyncio.ensure_future(stop.wait())
        failed = asyncio.ensure_future(self._failed.wait())
        try:
            await asyncio.wait({stopped, failed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
            failed.cancel()
        if self._failure is not None:
            failure, self._failure = self._failure, None
            self._failed.clear()
            raise failure

    # --- the subscriber ----------------------------------------------------------------------

    async def _subscribe(self, broker: KafkaBroker) -> None:
        """One batch subscriber: in the projection's consumer group with a rebalance listener
        that seeks to the stored positions, or alone on every partition of its topics."""
        where: dict[str, Any]
        if self._group:
            where = {
                "group_id": f"{self._settings.topic_prefix}.projection.{self.schema}",
                "listener": _SeekOnAssign(self),
            }
            topics: list[str] = self._topics
            self._positioned = True  # the listener seeks on each assignment
        else:
            tps = []
            for topic, parts in (await clients.partitions_of(self._settings, self._topics)).items():
                if not parts:
                    raise KafkaError(f"topic {topic} does not exist yet")
                tps += [TopicPartition(topic, p) for p in parts]
            self.assigned = set(tps)
            self._positioned = False
            where = {"partitions": [SubscribedPartition(tp.topic, tp.partition) for tp in tps]}
            topics = []
        subscriber = broker.subscriber(
            *topics,
            batch=True,
            max_records=self._batch_size,
            batch_timeout_ms=50,
            fetch_max_wait_ms=50,
            max_partition_fetch_bytes=4 * 1024 * 1024,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.MANUAL,
            parser=self._parse,
            decoder=_records,
            title=f"projection.{self.spec.name}",
            **where,
        )
        self._subscriber = subscriber
        subscriber(self._handle)

    async def _parse(self, records: Records) -> KafkaAckableMessage:
        """The batch as FastStream hands it on, nothing decoded twice (each record is parsed
        once, into its envelope and event, by `parse`).

        The records go to `_handle` beside the message, which carries only the first: FastStream
        keeps the message in its context, and every timer scheduled while the batch is applied
        (the database driver's, the Kafka client's) holds a copy of that context until it would
        have fired. A message holding the whole batch kept batch after batch alive for the
        cycle collector to walk, and cost a fifth of the apply rate."""
        self._consumer = self._subscriber.consumer
        self._batch = records
        first = records[:1]
        return KafkaAckableMessage(raw_message=first, body=first, consumer=self._consumer)

    async def _handle(self, message: KafkaMessage) -> None:
        """Apply one batch, then acknowledge it; a database outage rewinds and waits."""
        records, self._batch = self._batch, ()
        consumer = self._consumer
        assert consumer is not None
        if self._failure is not None:  # `run` is stopping the subscriber to raise it
            _rewind(consumer, records)
            return
        try:
            if not self._positioned:
                # A single instance: what was read before the seek is read again from there.
                await self.seek_stored(consumer, sorted(self.assigned), verify=True)
                self._positioned = True
                return
            # The records come partition by partition: group them without a lookup each.
            batches: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]] = {}
            run: list[ConsumerRecord[bytes, bytes]] = []
            for record in records:
                if not run or record.partition != run[0].partition or record.topic != run[0].topic:
                    run = batches.setdefault(TopicPartition(record.topic, record.partition), [])
                run.append(record)
            await self._process(batches)
            if self._group:
                with contextlib.suppress(KafkaError):
                    await message.ack()
            self._outage_wait = 0.2
        except DB_OUTAGE as exc:
            log.warning(
                "database unreachable; waiting", projection=self.schema, error=type(exc).__name__
            )
            _rewind(consumer, records)
            await asyncio.sleep(self._outage_wait)
            self._outage_wait = min(self._outage_wait * 2, 5.0)
        except Exception as exc:
            # Not swallowed: the batch is rewound and `run` raises it (the service ends).
            _rewind(consumer, records)
            self._failure = exc
            self._failed.set()

    # --- positions ---------------------------------------------------------------------------

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
        self, batches: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]
    ) -> None:
        dlq = self._dlq
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


async def _records(message: Any) -> Any:
    """The decoded body of a batch message: what it carries, as it is."""
    return message.raw_message


def _rewind(consumer: AIOKafkaConsumer, records: Records) -> None:
    """Seek each partition of the batch back to its first record: it is read again."""
    first: dict[TopicPartition, int] = {}
    for record in records:
        first.setdefault(TopicPartition(record.topic, record.partition), record.offset)
    for tp, offset in first.items():
        consumer.seek(tp, offset)


class _SeekOnAssign(ConsumerRebalanceListener):  # type: ignore[misc]
    """On assignment, seek the assigned partitions to the positions stored in PostgreSQL."""

    def __init__(self, runner: ProjectionRunner) -> None:
        self._runner = runner

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        self._runner.assigned -= set(revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self._runner.assigned |= set(assigned)
        self._runner._positioned = True
        consumer = self._runner._subscriber.consumer
        assert consumer is not None
        await self._runner.seek_stored(consumer, sorted(assigned), verify=False)
