"""Dead letters of a projection: list them, and retry them after a fix.

A dead-lettered record stays on `<prefix>.dlq.<projection>` for ever (topics are immutable). Its
status is derived, not stored: it is *resolved* once its event's `seq` is in the projection's
`applied` table (a retry applied it, or a republished copy did), *pending* otherwise, and
*malformed* when it is not a valid Samskab event at all (it can never be applied).

A retry re-applies each pending record through the projection's own `apply`, one record per
transaction together with the projection's tracking tables (the runner's `_apply`: `applied`,
`checkpoint`, and an `offsets` row for the dead-letter partition that says how far retries got).
A record that still fails stays pending, with the new reason reported; a malformed one stays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from projections.runner import DB_OUTAGE, ProjectionRunner, parse
from projections.spec import ProjectionSpec
from services.kafka import clients
from services.settings import Settings


@dataclass(frozen=True)
class DeadLetter:
    projection: str
    offset: int  # on the dead-letter topic
    source: str  # topic[partition]@offset it came from
    seq: int | None
    type: str | None
    reason: str
    attempts: str
    status: str  # pending, resolved, malformed


@dataclass
class RetryOutcome:
    applied: list[DeadLetter] = field(default_factory=list)
    still_failing: list[tuple[DeadLetter, str]] = field(default_factory=list)
    malformed: list[DeadLetter] = field(default_factory=list)
    already_resolved: int = 0


def _headers(record: ConsumerRecord[bytes, bytes]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, raw in record.headers or ():
        out[name] = raw.decode(errors="replace") if raw is not None else ""
    return out


async def read_dead_letters(
    settings: Settings, projection: str
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record on the projection's dead-letter topic, in offset order."""
    topic = settings.topology.dead_letter_topic(projection)
    consumer: AIOKafkaConsumer = clients.consumer(settings, fetch_max_wait_ms=100)
    await consumer.start()
    try:
        parts = consumer.partitions_for_topic(topic)
        if not parts:
            await consumer._client.force_metadata_update()
            parts = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        if not tps:
            return []
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        records: list[ConsumerRecord[bytes, bytes]] = []
        empty = 0
        while empty < 3:  # read past the reported end until fetches come back empty
            batches = await consumer.getmany(timeout_ms=200, max_records=5000)
            if not batches:
                behind = [tp for tp in tps if await consumer.position(tp) < ends[tp]]
                empty = 0 if behind else empty + 1
                continue
            empty = 0
            for batch in batches.values():
                records += batch
        return sorted(records, key=lambda r: (r.partition, r.offset))
    finally:
        await consumer.stop()


async def describe(
    pool: asyncpg.Pool[Any], spec: ProjectionSpec, schema: str, records: list[Any]
) -> list[DeadLetter]:
    seqs = []
    for r in records:
        seq = _headers(r).get("ce_seq", "")
        if seq.isdigit():
            seqs.append(int(seq))
    applied = {
        row["seq"]
        for row in await pool.fetch(
            f"select seq from {schema}.applied where seq = any($1::bigint[])", seqs
        )
    }
    out = []
    for record in records:
        h = _headers(record)
        item = parse(TopicPartition(record.topic, record.partition), record)
        seq = item.env.seq if item.env is not None else None
        if item.problem is not None:
            status = "malformed"
        elif seq in applied:
            status = "resolved"
        else:
            status = "pending"
        out.append(
            DeadLetter(
                projection=spec.name,
                offset=record.offset,
                source=f"{h.get('dlq_source_topic', '?')}[{h.get('dlq_source_partition', '?')}]"
                f"@{h.get('dlq_source_offset', '?')}",
                seq=seq,
                type=item.env.type if item.env is not None else h.get("ce_type"),
                reason=h.get("dlq_reason", ""),
                attempts=h.get("dlq_attempts", ""),
                status=status,
            )
        )
    return out


async def list_dead_letters(
    pool: asyncpg.Pool[Any], settings: Settings, spec: ProjectionSpec, schema: str | None = None
) -> list[DeadLetter]:
    records = await read_dead_letters(settings, spec.name)
    return await describe(pool, spec, schema or spec.default_schema, records)


async def retry(
    pool: asyncpg.Pool[Any], settings: Settings, spec: ProjectionSpec, schema: str | None = None
) -> RetryOutcome:
    """Re-apply every pending dead letter of `spec` through its apply; see the module doc."""
    runner = ProjectionRunner(pool, settings, spec, schema=schema)
    records = await read_dead_letters(settings, spec.name)
    letters = await describe(pool, spec, runner.schema, records)
    outcome = RetryOutcome()
    for record, letter in zip(records, letters, strict=True):
        if letter.status == "resolved":
            outcome.already_resolved += 1
            continue
        if letter.status == "malformed":
            outcome.malformed.append(letter)
            continue
        item = parse(TopicPartition(record.topic, record.partition), record)
        try:
            async with pool.acquire() as conn, conn.transaction():
                before = runner.applied
                await runner._apply(conn, [item])
            if runner.applied > before:
                outcome.applied.append(letter)
            else:
                outcome.already_resolved += 1  # applied meanwhile by the live projection
        except DB_OUTAGE:
            raise
        except Exception as exc:
            outcome.still_failing.append((letter, f"{type(exc).__name__}: {exc}"))
    return outcome
