"""The `dead_letters` table of a projection's schema: what it could not apply, and why.

A row is written in the transaction that moves the projection's position past its record, so
a dead letter is as durable as the position itself. A record whose event is known (by its
global `seq`) has one row however often it comes back (after a broker restart the relay
republishes it); a record that is no Samskab event at all is known by where it was read.

Statuses: *waiting* (for a fix and a retry, or a decision), *retried* (applied by a retry) and
*set_aside* (an operator decided it is never to be applied, and recorded why).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from aiokafka import ConsumerRecord

from projections.items import Item

STATUSES = ("waiting", "retried", "set_aside")
REASON_LIMIT = 4000

_COLUMNS = (
    'topic, partition, "offset", digest, seq, event_id, event_type, reason, attempts, '
    "record_key, record_value, header_names, header_values"
)
_VALUES = "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13"
_SEEN_AGAIN = (
    "last_seen_at = now(), times_seen = dead_letters.times_seen + 1, "
    "reason = excluded.reason, attempts = excluded.attempts"
)


def _header(record: ConsumerRecord[bytes, bytes], name: str) -> str | None:
    for key, value in record.headers or ():
        if key == name and value is not None:
            return value.decode(errors="replace")
    return None


def _row(item: Item, digest: str) -> tuple[Any, ...]:
    record, env = item.record, item.env
    seq_header = _header(record, "ce_seq") or ""
    seq = env.seq if env is not None else (int(seq_header) if seq_header.isdigit() else None)
    headers = list(record.headers or ())
    return (
        item.tp.topic,
        item.tp.partition,
        record.offset,
        digest,
        seq,
        str(env.event_id) if env is not None else _header(record, "ce_id"),
        env.type if env is not None else _header(record, "ce_type"),
        (item.problem or "")[:REASON_LIMIT],
        item.attempts,
        record.key,
        record.value,
        [name for name, _ in headers],
        [value or b"" for _, value in headers],
    )


async def record(
    conn: asyncpg.Connection[Any], schema: str, items: Sequence[Item], digests: Sequence[str]
) -> None:
    """Write (or count again) a dead letter for each item, in the caller's transaction."""
    rows = [_row(item, d) for item, d in zip(items, digests, strict=True)]
    known = [r for r in rows if r[4] is not None]
    unknown = [r for r in rows if r[4] is None]
    if known:
        # Set aside stays set aside; a retried event seen failing again (a rebuilt schema
        # replaying it) waits again.
        await conn.executemany(
            f"insert into {schema}.dead_letters ({_COLUMNS}) values ({_VALUES}) "
            f"on conflict (seq) where seq is not null do update set {_SEEN_AGAIN}, "
            "status = case when dead_letters.status = 'retried' then 'waiting' "
            "else dead_letters.status end",
            known,
        )
    if unknown:
        await conn.executemany(
            f"insert into {schema}.dead_letters ({_COLUMNS}) values ({_VALUES}) "
            f'on conflict (topic, partition, "offset", digest) where seq is null '
            f"do update set {_SEEN_AGAIN}",
            unknown,
        )


@dataclass(frozen=True)
class DeadLetter:
    id: int
    topic: str
    partition: int
    offset: int
    seq: int | None
    event_id: str | None
    event_type: str | None
    reason: str
    attempts: int
    times_seen: int
    first_seen_at: datetime
    last_seen_at: datetime
    status: str
    set_aside_reason: str | None
    set_aside_by: str | None
    set_aside_at: datetime | None
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    @property
    def source(self) -> str:
        return f"{self.topic}[{self.partition}]@{self.offset}"


def _letter(r: asyncpg.Record) -> DeadLetter:
    return DeadLetter(
        id=r["id"],
        topic=r["topic"],
        partition=r["partition"],
        offset=r["offset"],
        seq=r["seq"],
        event_id=r["event_id"],
        event_type=r["event_type"],
        reason=r["reason"],
        attempts=r["attempts"],
        times_seen=r["times_seen"],
        first_seen_at=r["first_seen_at"],
        last_seen_at=r["last_seen_at"],
        status=r["status"],
        set_aside_reason=r["set_aside_reason"],
        set_aside_by=r["set_aside_by"],
        set_aside_at=r["set_aside_at"],
        key=r["record_key"],
        value=r["record_value"],
        headers=tuple(zip(r["header_names"], r["header_values"], strict=True)),
    )


async def fetch(
    conn: asyncpg.Connection[Any] | asyncpg.Pool[Any],
    schema: str,
    statuses: Sequence[str] = STATUSES,
    ids: Sequence[int] | None = None,
) -> list[DeadLetter]:
    """The dead letters of `schema` with one of `statuses` (and one of `ids`), oldest first."""
    rows = await conn.fetch(
        f"select * from {schema}.dead_letters where status = any($1::text[]) "
        "and ($2::bigint[] is null or id = any($2::bigint[])) order by id",
        list(statuses),
        list(ids) if ids is not None else None,
    )
    return [_letter(r) for r in rows]


async def mark_retried(conn: asyncpg.Connection[Any], schema: str, letter_id: int) -> None:
    await conn.execute(
        f"update {schema}.dead_letters set status = 'retried', retried_at = now() where id = $1",
        letter_id,
    )


async def set_aside(
    conn: asyncpg.Connection[Any] | asyncpg.Pool[Any],
    schema: str,
    letter_id: int,
    reason: str,
    by: str,
) -> bool:
    """Set a waiting dead letter aside with the operator's reason; False if none waits so."""
    done = await conn.fetchval(
        f"update {schema}.dead_letters set status = 'set_aside', set_aside_reason = $2, "
        "set_aside_by = $3, set_aside_at = now() where id = $1 and status = 'waiting' "
        "returning id",
        letter_id,
        reason,
        by,
    )
    return done is not None
