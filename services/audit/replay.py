"""Rebuild a projection from Kafka offset 0 into a fresh schema, then swap it in atomically.

How the running services find their schema: by its fixed name (`proj_<name>`), in every query.
So the swap is a rename in one transaction — live → old, fresh → live, drop old — and nothing
has to be told about it. To keep the live projection service from writing into the old schema
while it is renamed away, the swap first takes an ACCESS EXCLUSIVE lock on the live `applied`
table: every batch the runner applies starts by recording its seqs in `applied`, so the live
service pauses at a batch boundary, having changed nothing. Under the lock the rebuilt schema
must have reached at least the live positions on every partition (otherwise the lock is
dropped, the rebuild catches up and the swap is tried again). When the lock is released the
paused statement resolves the name again and finds the rebuilt tables; the live runner goes on
from its position in memory, and any event the rebuild already applied is skipped by seq.
Readers (the API) only ever see the old or the new schema, never a mix.

With `until`, only events that occurred at or before that time are applied, into a schema you
name, and the live one is left alone.

A record the rebuild cannot apply does not stop it: as in the live service, it becomes a dead
letter of the rebuilt schema (see `samskab dlq`). A swap carries over the operator's decisions:
a dead letter set aside in the live schema stays set aside, with its reason, in the rebuilt one.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import queue
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition

from projections.catalog import PROJECTIONS
from projections.items import Item, parse
from projections.runner import DB_OUTAGE, ProjectionRunner
from projections.spec import ProjectionSpec, migrate_projection
from services.platform import db
from services.platform.collector import tune_collector, young_threshold_for
from services.platform.kafka import clients
from services.platform.settings import Settings

log = structlog.get_logger("replay")
NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
TRACKING = ("applied", "offsets", "checkpoint", "instances", "dead_letters")
INDEX_BUILD_MEMORY = "256MB"  # per index build, once per replay
CONFLICTS = (asyncpg.DeadlockDetectedError, asyncpg.SerializationError)
CONFLICT_RETRIES = 5


@dataclass
class ReplayResult:
    projection: str
    schema: str  # where the rebuilt read model now lives
    events: int
    records: int
    seconds: float
    swapped: bool

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


Progress = Callable[[int, int], None]  # (records read so far, total records known)


async def replay(
    settings: Settings,
    spec: ProjectionSpec,
    *,
    until: datetime | None = None,
    name: str | None = None,
    progress: Progress = lambda _done, _total: None,
    batch_size: int = 5000,
    workers: int = 1,
) -> ReplayResult:
    """Rebuild `spec`; swap it in unless `until` or `name` asks for a separate copy.

    With `workers` > 1 the partitions are split between that many worker processes, each
    reading its partitions from offset 0 into the same fresh schema, as instances of the live
    service in one consumer group split them; this process then catches up whatever arrived
    meanwhile, builds the deferred indexes and swaps.
    """
    if workers < 1:
        raise ValueError("workers must be at least 1")
    tune_collector(young_threshold_for(batch_size))
    live = spec.default_schema
    swap = until is None and name is None
    target = name or f"{live}__replay_{secrets.token_hex(3)}"
    if not NAME.match(target):
        raise ValueError(f"schema name {target!r} must be lower-case letters, digits and _")
    pool = await db.create_pool(settings.require_database_url(), min_size=2, max_size=4)
    try:
        if await pool.fetchval(
            "select 1 from information_schema.schemata where schema_name = $1", target
        ):
            raise ValueError(f"schema {target} already exists; choose another name")
        try:
            async with pool.acquire() as conn:
                await migrate_projection(conn, spec, target)
                deferred = await _drop_indexes(conn, target, spec.unread_indexes)
            runner = ProjectionRunner(pool, settings, spec, schema=target)
            started = time.perf_counter()
            reader = _Reader(settings, spec, runner, until, batch_size, progress)
            try:
                await reader.start()
                if workers > 1:
                    await _in_workers(reader, workers)
                    await reader.resume_from_stored()
                await reader.catch_up()
                await _build_indexes(pool, deferred)
                if swap:
                    for _attempt in range(20):
                        if await _swap(pool, live, target, reader):
                            break
                        await reader.catch_up()
                    else:
                        raise RuntimeError("the live projection kept moving ahead; swap not done")
            finally:
                await reader.stop()
        except BaseException:
            # A half-built copy must not be mistaken for a whole one. Once swapped in, the
            # rebuilt schema goes by the live name and `target` no longer exists.
            with contextlib.suppress(Exception):
                await _discard(pool, target)
            raise
        seconds = time.perf_counter() - started
        if swap:
            await _forget_migrations(pool, target)
        events = runner.applied + reader.applied_by_workers
        log.info("replayed", projection=spec.name, schema=live if swap else target, events=events)
        return ReplayResult(
            spec.name, live if swap else target, events, reader.records, seconds, swap
        )
    finally:
        await pool.close()


class _Reader:
    """Reads the projection's topics from offset 0 and applies them, a batch per transaction."""

    def __init__(
        self,
        settings: Settings,
        spec: ProjectionSpec,
        runner: ProjectionRunner,
        until: datetime | None,
        batch_size: int,
        progress: Progress,
        only: list[TopicPartition] | None = None,
    ) -> None:
        self._settings = settings
        self._spec = spec
        self._runner = runner
        self._until = until
        self._batch_size = batch_size
        self._progress = progress
        self._consumer: AIOKafkaConsumer | None = None
        self.tps: list[TopicPartition] = list(only or [])
        self.records = 0
        self.applied_by_workers = 0

    async def start(self) -> None:
        consumer = clients.consumer(
            self._settings, fetch_max_wait_ms=50, max_partition_fetch_bytes=16 * 1024 * 1024
        )
        await consumer.start()
        self._consumer = consumer
        if not self.tps:
            topics = [self._settings.topology.events_topic(t) for t in self._spec.topics]
            known = await clients.partitions_of(self._settings, topics)
            self.tps = [TopicPartition(t, p) for t, parts in known.items() for p in parts]
        if not self.tps:
            raise RuntimeError(f"the topics of {self._spec.name} do not exist yet")
        consumer.assign(self.tps)
        await consumer.seek_to_beginning(*self.tps)

    async def resume_from_stored(self) -> None:
        """Go on from where the workers left each partition."""
        assert self._consumer is not None
        await self._runner.seek_stored(self._consumer, self.tps, verify=False)

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()

    async def catch_up(self) -> None:
        """Apply until every partition is past its end offset and fetches come back empty."""
        consumer = self._consumer
        assert consumer is not None
        ends = await consumer.end_offsets(self.tps)
        total = sum(ends.values())
        empty = 0
        pool: asyncpg.Pool[Any] = self._runner._pool
        pending: asyncio.Task[None] | None = None
        while empty < 2:
            batches = await consumer.getmany(timeout_ms=200, max_records=self._batch_size)
            if not batches:
                behind = [tp for tp in self.tps if await consumer.position(tp) < ends[tp]]
                empty = 0 if behind else empty + 1
                continue
            empty = 0
            items = [parse(tp, r) for tp, recs in batches.items() for r in recs]
            if self._until is not None:
                items = [i for i in items if i.env is None or i.env.occurred_at <= self._until]
            if pending is not None:
                await pending
            # Fetch and parse the next batch while this one is written.
            pending = asyncio.create_task(self._write(pool, items))
            self.records += sum(len(r) for r in batches.values())
            self._progress(self.records, max(total, self.records))
        if pending is not None:
            await pending

    async def _write(self, pool: asyncpg.Pool[Any], items: list[Item]) -> None:
        """Apply `items` in one transaction; records that cannot be decoded are recorded as
        dead letters with it. If the batch fails, apply one by one and dead-letter the records
        whose apply keeps failing, as the live service does."""
        for attempt in range(1, CONFLICT_RETRIES + 1):
            try:
                async with pool.acquire() as conn, conn.transaction():
                    await self._runner._apply(conn, items)
                await self._runner._dead_letter(None, items)
                return
            except CONFLICTS:
                # Two workers took row locks in opposite orders; one of them is rolled back
                # whole and does its batch again.
                if attempt == CONFLICT_RETRIES:
                    raise
                await asyncio.sleep(0.01 * attempt)
            except DB_OUTAGE:
                raise
            except Exception as exc:
                log.warning("batch failed; applying one by one", error=type(exc).__name__)
                await self._runner._apply_one_by_one(None, items)
                return


@dataclass(frozen=True)
class _Share:
    """What one replay worker process reads: its partitions, from offset 0, into `schema`."""

    settings: Settings
    projection: str
    schema: str
    tps: list[TopicPartition]
    until: datetime | None
    batch_size: int
    k: int  # its slot in the shared progress arrays


async def _in_workers(reader: _Reader, workers: int) -> None:
    """Read the partitions of `reader` in `workers` processes, each its share from offset 0
    into the reader's schema."""
    assert reader._consumer is not None
    ends = await reader._consumer.end_offsets(reader.tps)
    # Largest partitions first, each to the worker with the least so far.
    parts: list[list[TopicPartition]] = [[] for _ in range(min(workers, len(reader.tps)))]
    sizes = [0] * len(parts)
    for tp in sorted(reader.tps, key=lambda tp: -ends[tp]):
        k = sizes.index(min(sizes))
        parts[k].append(tp)
        sizes[k] += ends[tp]
    context = multiprocessing.get_context("spawn")  # no inherited event loop or sockets
    done = context.Array("q", len(parts), lock=False)
    applied = context.Array("q", len(parts), lock=False)
    failures = context.Queue()
    procs = [
        context.Process(
            target=_worker,
            args=(
                _Share(
                    reader._settings,
                    reader._spec.name,
                    reader._runner.schema,
                    tps,
                    reader._until,
                    reader._batch_size,
                    k,
                ),
                done,
                applied,
                failures,
            ),
            name=f"replay-{reader._spec.name}-{k}",
            daemon=True,
        )
        for k, tps in enumerate(parts)
    ]
    total = sum(ends.values())
    try:
        for proc in procs:
            proc.start()
        while any(proc.is_alive() for proc in procs):
            reader._progress(sum(done), max(total, sum(done)))
            if any(proc.exitcode not in (None, 0) for proc in procs):
                break
            await asyncio.sleep(0.2)
        failed = [proc for proc in procs if proc.exitcode not in (None, 0)]
        if failed:
            try:
                why = failures.get(timeout=1)
            except queue.Empty:
                why = "no reason given"
            raise RuntimeError(
                f"replay worker {failed[0].name} failed (exit status {failed[0].exitcode}): {why}"
            )
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
            proc.join()
    reader.records += sum(done)
    reader.applied_by_workers += sum(applied)
    reader._progress(reader.records, max(total, reader.records))


def _worker(share: _Share, done: Any, applied: Any, failures: Any) -> None:
    """One replay worker process; what stops it goes back to the parent through `failures`."""
    try:
        asyncio.run(_work(share, done, applied))
    except BaseException as exc:
        failures.put(f"{type(exc).__name__}: {exc}")
        raise SystemExit(1) from exc


async def _work(share: _Share, done: Any, applied: Any) -> None:
    tune_collector(young_threshold_for(share.batch_size))
    settings = share.settings
    pool = await db.create_pool(settings.require_database_url(), min_size=1, max_size=2)
    try:
        spec = PROJECTIONS[share.projection]
        runner = ProjectionRunner(pool, settings, spec, schema=share.schema)

        def progress(records: int, _total: int) -> None:
            done[share.k] = records
            applied[share.k] = runner.applied

        reader = _Reader(
            settings, spec, runner, share.until, share.batch_size, progress, only=share.tps
        )
        try:
            await reader.start()
            await reader.catch_up()
        finally:
            await reader.stop()
        progress(reader.records, 0)
    finally:
        await pool.close()


async def _discard(pool: asyncpg.Pool[Any], schema: str) -> None:
    """Drop a replay's unfinished schema and its migration records."""
    await pool.execute(f"drop schema if exists {schema} cascade")
    await _forget_migrations(pool, schema)


async def _forget_migrations(pool: asyncpg.Pool[Any], schema: str) -> None:
    await pool.execute(
        "delete from public.samskab_migrations where component = any($1::text[])",
        [f"tracking:{schema}", f"projection:{schema}"],
    )


async def _drop_indexes(
    conn: asyncpg.Connection[Any], schema: str, names: tuple[str, ...]
) -> list[str]:
    """Drop the named indexes of `schema`; return the statements that create them again."""
    rows = await conn.fetch(
        "select indexname, indexdef from pg_indexes "
        "where schemaname = $1 and indexname = any($2::text[])",
        schema,
        list(names),
    )
    missing = set(names) - {r["indexname"] for r in rows}
    if missing:
        raise RuntimeError(f"no such index in {schema}: {', '.join(sorted(missing))}")
    for r in rows:
        await conn.execute(f"drop index {schema}.{r['indexname']}")
    return [r["indexdef"] for r in rows]


async def _build_indexes(pool: asyncpg.Pool[Any], statements: list[str]) -> None:
    """Create the deferred indexes, each from the table as it now stands."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(f"set local maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
        for statement in statements:
            await conn.execute(statement)


async def _swap(pool: asyncpg.Pool[Any], live: str, fresh: str, reader: _Reader) -> bool:
    """Rename fresh into live's place if it has reached live's positions; False to retry."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("set local lock_timeout = '10s'")
        await conn.execute(f"lock table {live}.applied in access exclusive mode")
        behind = await conn.fetchval(  # event topics only
            f"select count(*) from {live}.offsets l left join {fresh}.offsets f "
            "using (topic, partition) where l.topic = any($1::text[]) "
            "and (f.next_offset is null or f.next_offset < l.next_offset)",
            sorted({tp.topic for tp in reader.tps}),
        )
        if behind:
            return False
        old = f"{live}__old_{secrets.token_hex(3)}"
        await conn.execute(
            f"insert into {fresh}.instances select * from {live}.instances on conflict do nothing"
        )
        await conn.execute(  # the operator's decisions outlive the rebuild
            f"update {fresh}.dead_letters f set status = 'set_aside', "
            "set_aside_reason = l.set_aside_reason, set_aside_by = l.set_aside_by, "
            f"set_aside_at = l.set_aside_at from {live}.dead_letters l "
            "where l.status = 'set_aside' and f.status = 'waiting' "
            "and (f.seq = l.seq or (f.seq is null and l.seq is null and f.digest = l.digest))"
        )
        await conn.execute(f"alter schema {live} rename to {old}")
        await conn.execute(f"alter schema {fresh} rename to {live}")
        await conn.execute(f"drop schema {old} cascade")
    return True


async def tables_differ(conn: asyncpg.Connection[Any], a: str, b: str) -> dict[str, int]:
    """Read-model tables of schemas `a` and `b` compared row by row: {table: rows differing}."""
    tables = [
        r["table_name"]
        for r in await conn.fetch(
            "select table_name from information_schema.tables where table_schema = $1 "
            "and table_type = 'BASE TABLE' order by table_name",
            a,
        )
        if r["table_name"] not in TRACKING
    ]
    out: dict[str, int] = {}
    for t in tables:
        n = await conn.fetchval(
            f"select (select count(*) from (select * from {a}.{t} except all "
            f"select * from {b}.{t}) x) + (select count(*) from (select * from {b}.{t} "
            f"except all select * from {a}.{t}) y)"
        )
        out[t] = int(n)
    return out
