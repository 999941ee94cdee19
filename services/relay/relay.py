"""The outbox relay: publishes stored events to Kafka in order, and refills a broker that lost them.

Per partition the relay remembers the offset and seq of the last record it published. A send that
comes back with a lower offset, or (checked while idle) a last record that is no longer where it
was, means the broker lost data (the embedded broker keeps memory only): the relay then
republishes, in order, every event of each partition the broker lacks. Consumers deduplicate by
`seq`, so republishing is safe. Reported end offsets are not trusted: the embedded broker reports
the base offset of the last batch + 1, not the true end, so the relay reads records instead.

Events go to the partitions the topology declares, never to more: a broker that auto-creates a
topic (a consumer asking for it after a restart is enough) may give it another partition count,
and consumers read the declared partitions.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError
from prometheus_client import Counter, Gauge

from events.kafka import stored_to_record
from events.topology import TopicKind
from services.platform.kafka import clients
from services.platform.settings import Settings
from services.store.eventstore import EVENT_COLUMNS, NOTIFY_CHANNEL

RELAY_LOCK = 0x5A52
BATCH = 2000

log = structlog.get_logger("relay")
PUBLISHED = Counter("samskab_relay_published_total", "Events published to Kafka")
REPUBLISHED = Counter("samskab_relay_republished_total", "Events republished after broker loss")
BROKER_LOSSES = Counter("samskab_relay_broker_losses_total", "Times the broker was found lacking")
OUTBOX = Gauge("samskab_relay_outbox_rows", "Events waiting in the outbox")


class BrokerLostData(Exception):
    """The broker holds fewer records on a partition than the relay has published there."""


class TopicTooSmall(KafkaError):
    """An event topic on the broker has fewer partitions than the topology declares."""


class Relay:
    def __init__(self, pool: asyncpg.Pool[Any], settings: Settings) -> None:
        self._pool = pool
        self._settings = settings
        self._topology = settings.topology
        self._wake = asyncio.Event()
        self._expected: dict[TopicPartition, int] = {}  # next offset the broker should assign
        self._last: dict[TopicPartition, tuple[int, int]] = {}  # (offset, seq) we published last
        self._partitions = {
            t.name: t.partitions for t in self._topology.topics() if t.kind is TopicKind.EVENTS
        }
        self._lost = False  # set when the broker was caught losing records
        self.connected = False

    async def run(self, stop: asyncio.Event) -> None:
        """Hold the relay lock (one active relay), then publish until `stop` is set."""
        async with self._pool.acquire() as lock_conn:
            while not await lock_conn.fetchval("select pg_try_advisory_lock($1)", RELAY_LOCK):
                log.info("another relay holds the lock; standing by")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 5)
                if stop.is_set():
                    return
            await lock_conn.add_listener(NOTIFY_CHANNEL, self._on_notify)
            try:
                await self._run_connected(stop)
            finally:
                await lock_conn.remove_listener(NOTIFY_CHANNEL, self._on_notify)
                await lock_conn.execute("select pg_advisory_unlock($1)", RELAY_LOCK)

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def _run_connected(self, stop: asyncio.Event) -> None:
        backoff = 0.2
        while not stop.is_set():
            producer = clients.producer(self._settings)
            reader = clients.consumer(self._settings)
            admin = clients.admin(self._settings)
            try:
                await producer.start()
                await reader.start()
                await admin.start()
                await clients.ensure_topics(
                    admin, self._topology, self._settings.kafka_replication_factor
                )
                await self._reconcile(reader)
                self.connected = True
                backoff = 0.2
                await self._publish_until(stop, producer, reader)
            except BrokerLostData as exc:
                self._lost = True
                BROKER_LOSSES.inc()
                log.warning("broker lost data; republishing", reason=str(exc))
            except (KafkaError, OSError, TimeoutError) as exc:
                log.warning("broker unavailable", error=repr(exc), retry_in=backoff)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                self.connected = False
                await clients.stop_quietly(producer, reader, admin)

    # --- reconciliation ---------------------------------------------------------------------

    async def _reconcile(self, reader: AIOKafkaConsumer) -> None:
        """Compare each partition's tail with what we published there; refill what is missing."""
        tps: list[TopicPartition] = []
        known = await clients.partitions_of(self._settings, list(self._partitions))
        for name, declared in self._partitions.items():
            parts = known[name]
            if len(parts) < declared:
                log.error("event topic too small", topic=name, has=len(parts), declared=declared)
                raise TopicTooSmall(
                    f"topic {name} has {len(parts)} partitions, {declared} declared"
                )
            if len(parts) > declared:
                log.warning(
                    "event topic has more partitions than declared; publishing to the declared",
                    topic=name,
                    has=len(parts),
                    declared=declared,
                )
            tps += [TopicPartition(name, p) for p in range(declared)]
        reader.assign(tps)
        stored = {
            TopicPartition(r["topic"], r["partition"]): r["last_seq"]
            for r in await self._pool.fetch(
                "select topic, partition, last_seq from eventstore.relay_positions"
            )
        }
        refill_from: dict[TopicPartition, int] = {}
        self._last = {}
        tails = await self._tails(reader, tps)
        for tp in tps:
            known = stored.get(tp, 0)
            tail, end = tails[tp]
            if tail < known or (self._lost and known > 0):
                # The broker lost records here. A record sent after the loss may already sit at
                # the tail, so the tail proves nothing: send the whole partition again.
                refill_from[tp] = 0
            self._expected[tp] = end
        if refill_from:
            await self._refill(refill_from, reader)
        self._lost = False

    async def _tails(
        self, reader: AIOKafkaConsumer, tps: list[TopicPartition]
    ) -> dict[TopicPartition, tuple[int, int]]:
        """Per partition: (highest event seq among its last records, true end offset).

        All partitions are read together from a little before their reported end until none
        returns more records. Where the last records are all foreign, look further back.
        """
        reported = await reader.end_offsets(tps)
        result = {tp: (0, 0) for tp in tps}
        window = 200
        todo = {tp for tp in tps if reported[tp] > 0}  # reported 0: truly empty
        while todo:
            starts = {tp: max(0, reported[tp] - window) for tp in todo}
            for tp, start in starts.items():
                reader.seek(tp, start)
                result[tp] = (0, start)
            idle = 0
            while idle < 2:
                batch = await reader.getmany(*todo, timeout_ms=200, max_records=5000)
                idle = 0 if batch else idle + 1
                for tp, records in batch.items():
                    best, _ = result[tp]
                    for record in records:
                        best = max(best, _seq_of(record.headers))
                    result[tp] = (best, records[-1].offset + 1)
            todo = {tp for tp in todo if result[tp][0] == 0 and starts[tp] > 0}
            window *= 10
        return result

    async def _refill(
        self, refill_from: dict[TopicPartition, int], reader: AIOKafkaConsumer
    ) -> None:
        """Republish, in seq order, each partition's events after its refill point."""
        producer = clients.producer(self._settings)
        await producer.start()
        for tp in refill_from:
            self._expected[tp] = 0
        try:
            after = min(refill_from.values())
            sent = 0
            while True:
                rows = await self._pool.fetch(
                    f"select {EVENT_COLUMNS} from eventstore.events where seq > $1 "
                    "order by seq limit 5000",
                    after,
                )
                if not rows:
                    break
                wanted = [
                    (tp, r)
                    for r in rows
                    if (tp := self._tp(r)) in refill_from and r["seq"] > refill_from[tp]
                ]
                await self._send(producer, wanted)
                sent += len(wanted)
                after = rows[-1]["seq"]
            REPUBLISHED.inc(sent)
            log.info("refilled broker", events=sent, partitions=len(refill_from))
        finally:
            await clients.stop_quietly(producer)

    # --- steady state -------------------------------------------------------------------------

    async def _publish_until(
        self, stop: asyncio.Event, producer: AIOKafkaProducer, reader: AIOKafkaConsumer
    ) -> None:
        while not stop.is_set():
            published = await self._publish_batch(producer)
            if published:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 1.0)
            if not self._wake.is_set():
                await self._check_broker(reader)

    async def _publish_batch(self, producer: AIOKafkaProducer) -> int:
        rows = await self._pool.fetch(
            f"select {', '.join('e.' + c.strip() for c in EVENT_COLUMNS.split(','))} "
            "from eventstore.outbox o join eventstore.events e on e.seq = o.seq "
            "order by o.seq limit $1",
            BATCH,
        )
        if not rows:
            OUTBOX.set(0)
            return 0
        await self._send(producer, [(self._tp(r), r) for r in rows])
        await self._pool.execute("delete from eventstore.outbox where seq <= $1", rows[-1]["seq"])
        PUBLISHED.inc(len(rows))
        return len(rows)

    async def _send(
        self, producer: AIOKafkaProducer, items: Iterable[tuple[TopicPartition, asyncpg.Record]]
    ) -> None:
        """Send stored events in order, await every ack, check offsets, record positions."""
        pending = []
        for tp, row in items:
            key, value, headers = stored_to_record(row)
            future = await producer.send(
                tp.topic, value=value, key=key, headers=headers, partition=tp.partition
            )
            pending.append((tp, row["seq"], future))
        last_seq: dict[TopicPartition, int] = defaultdict(int)
        for tp, seq, future in pending:
            meta = await future
            if meta.offset < self._expected.get(tp, 0):
                raise BrokerLostData(
                    f"{tp.topic}[{tp.partition}] assigned offset {meta.offset}, "
                    f"expected at least {self._expected[tp]}"
                )
            self._expected[tp] = meta.offset + 1
            self._last[tp] = (meta.offset, seq)
            last_seq[tp] = seq
        if last_seq:
            await self._pool.executemany(
                "insert into eventstore.relay_positions (topic, partition, last_seq) "
                "values ($1, $2, $3) on conflict (topic, partition) "
                "do update set last_seq = greatest(relay_positions.last_seq, excluded.last_seq)",
                [(tp.topic, tp.partition, seq) for tp, seq in last_seq.items()],
            )

    async def _check_broker(self, reader: AIOKafkaConsumer) -> None:
        """While idle: is the last record we published on each partition still there?"""
        for tp, (offset, seq) in self._last.items():
            reader.seek(tp, offset)
            records = (await reader.getmany(tp, timeout_ms=1000, max_records=1)).get(tp, [])
            if not records or records[0].offset != offset or _seq_of(records[0].headers) != seq:
                raise BrokerLostData(f"{tp.topic}[{tp.partition}] lost offset {offset} (seq {seq})")
        OUTBOX.set(await self._pool.fetchval("select count(*) from eventstore.outbox"))

    def _tp(self, row: asyncpg.Record) -> TopicPartition:
        name = self._topology.events_topic(row["topic"])
        return TopicPartition(name, clients.partition_for(row["key"], self._partitions[name]))


def _seq_of(headers: Iterable[tuple[str, bytes]] | None) -> int:
    for name, value in headers or ():
        if name == "ce_seq" and value and value.isdigit():
            return int(value)
    return 0
