"""Reads of the stored events, for every edge that reads more than one stream: the audit
(verify, export, checkpoints), the count of a process's record, the allocation's tally input.

Every read runs on the caller's connection (or pool), so the caller's transaction (repeatable
read) gives several reads one snapshot of the store. Events come in `seq` order, the order of
the chain.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

import asyncpg

from events.envelope import Envelope
from services.store.eventstore import EVENT_COLUMNS, envelope_from_row

Db: TypeAlias = "asyncpg.Connection[Any] | asyncpg.Pool[Any]"
"""A connection (for one snapshot within its transaction), or the pool."""


@dataclass(frozen=True)
class EventRange:
    """Which stored events: one stream's (`stream`), or those from `first_seq` to `last_seq`
    (both included, either open) with partition key `key` that occurred at or before `until`
    (each left out: no limit); all of them by default."""

    stream: str | None = None
    first_seq: int | None = None
    last_seq: int | None = None
    key: str | None = None
    until: datetime | None = None

    def where(self) -> tuple[str, list[Any]]:
        """The SQL condition and its arguments."""
        if self.stream is not None:
            return "stream_id = $1", [self.stream]
        terms: list[str] = []
        args: list[Any] = []
        for sql, value in (
            ("seq >= ", self.first_seq),
            ("seq <= ", self.last_seq),
            ("key = ", self.key),
            ("occurred_at <= ", self.until),
        ):
            if value is not None:
                args.append(value)
                terms.append(f"{sql}${len(args)}")
        return " and ".join(terms) or "true", args


@dataclass(frozen=True)
class RangeSummary:
    count: int
    first_seq: int | None
    last_seq: int | None
    last_hash: str | None


async def stored_events(
    conn: asyncpg.Connection[Any], selection: EventRange = EventRange(), *, prefetch: int = 5000
) -> AsyncIterator[Envelope]:
    """Stream the selected stored events in seq order (call inside a transaction)."""
    where, args = selection.where()
    query = f"select {EVENT_COLUMNS} from eventstore.events where {where} order by seq"
    async for row in conn.cursor(query, *args, prefetch=prefetch):
        yield envelope_from_row(row)


async def keyed_events(conn: asyncpg.Connection[Any], topic: str, key: str) -> list[Envelope]:
    """Every stored event of `topic` with partition key `key`, in seq order, read in one
    statement (one consistent snapshot)."""
    rows = await conn.fetch(
        f"select {EVENT_COLUMNS} from eventstore.events where key = $1 and topic = $2 order by seq",
        key,
        topic,
    )
    return [envelope_from_row(r) for r in rows]


async def events_of_types(
    db: Db,
    key: str,
    types: Sequence[str],
    *,
    until: datetime | None = None,
    stream: str | None = None,
) -> list[Envelope]:
    """The stored events with partition key `key` whose type is one of `types` (or, with
    `stream`, that belong to that stream), that occurred at or before `until` (at any time
    without it), in seq order; read in one statement (one consistent snapshot)."""
    rows = await db.fetch(
        f"select {EVENT_COLUMNS} from eventstore.events where key = $1 "
        "and ($2::timestamptz is null or occurred_at <= $2) "
        "and (type = any($3::text[]) or stream_id = $4) order by seq",
        key,
        until,
        list(types),
        stream,
    )
    return [envelope_from_row(r) for r in rows]


@dataclass(frozen=True)
class AppendTally:
    """What the appends recorded beside the events (`eventstore.topic_heads`): how many events
    were appended, and the last seq appended."""

    count: int
    last_seq: int


async def event_count(conn: asyncpg.Connection[Any]) -> int:
    """How many events the store holds."""
    return int(await conn.fetchval("select count(*) from eventstore.events"))


async def unpublished(conn: asyncpg.Connection[Any]) -> set[int]:
    """The seqs still in the outbox: stored, not yet published."""
    return {r["seq"] for r in await conn.fetch("select seq from eventstore.outbox")}


async def append_tally(conn: asyncpg.Connection[Any]) -> AppendTally:
    """What the appends recorded, summed over the topics."""
    row = await conn.fetchrow(
        "select coalesce(sum(count), 0) as n, coalesce(max(last_seq), 0) as last "
        "from eventstore.topic_heads"
    )
    assert row is not None
    return AppendTally(int(row["n"]), int(row["last"]))


async def store_head(conn: asyncpg.Connection[Any]) -> int:
    """The seq of the last stored event (0 when the store is empty)."""
    return int(await conn.fetchval("select coalesce(max(seq), 0) from eventstore.events"))


async def summary(conn: asyncpg.Connection[Any], selection: EventRange) -> RangeSummary:
    """How many events the selection holds, its first and last seq, and the last one's hash."""
    where, args = selection.where()
    stats = await conn.fetchrow(
        f"select count(*) as n, min(seq) as first, max(seq) as last "
        f"from eventstore.events where {where}",
        *args,
    )
    assert stats is not None
    last_hash = (
        await conn.fetchval("select hash from eventstore.events where seq = $1", stats["last"])
        if stats["last"] is not None
        else None
    )
    return RangeSummary(int(stats["n"]), stats["first"], stats["last"], last_hash)


async def seq_span(
    conn: asyncpg.Connection[Any], from_: datetime | None, to: datetime | None
) -> EventRange:
    """The seq range of the events that occurred in [from_, to): from the first event at or
    after `from_` to the last one before `to`, so the range is one contiguous piece of the chain.
    An empty span is a range nothing falls in."""
    lo = (
        await conn.fetchval("select min(seq) from eventstore.events where occurred_at >= $1", from_)
        if from_ is not None
        else 1
    )
    hi = (
        await conn.fetchval("select max(seq) from eventstore.events where occurred_at < $1", to)
        if to is not None
        else await conn.fetchval("select max(seq) from eventstore.events")
    )
    return EventRange(first_seq=lo or 0, last_seq=hi or -1)
