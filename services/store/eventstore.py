"""The PostgreSQL event store: optimistic concurrency per stream, a hash chain over the global
order, outbox rows in the same transaction, and group commit (many appends, one fsync).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import orjson
import structlog

from events.base import Actor, Event, Role
from events.envelope import GENESIS_HASH, Envelope, seal
from events.registry import encode

APPEND_LOCK = 0x5A45  # advisory lock held by the one transaction appending at a time
NOTIFY_CHANNEL = "samskab_outbox"

log = structlog.get_logger("eventstore")


INT64 = (-(2**63), 2**63 - 1)


class Unstorable(ValueError):
    """A command whose events cannot be stored as they are: refused before it joins a group
    commit, so it fails alone. `field` is the path to the bad value inside the event."""

    def __init__(self, field: str, problem: str, code: str = "value_unstorable") -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem
        self.code = code


TEXT_PROBLEMS = {
    "text_nul": "contains a NUL character",
    "text_surrogate": "contains a lone surrogate (not valid Unicode)",
}


def text_code(text: str) -> str | None:
    """Why PostgreSQL cannot store `text` (in text or jsonb), as a code, or None."""
    if "\x00" in text:
        return "text_nul"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "text_surrogate"
    return None


def text_problem(text: str) -> str | None:
    """Why PostgreSQL cannot store `text` (in text or jsonb), or None."""
    code = text_code(text)
    return None if code is None else TEXT_PROBLEMS[code]


def check_storable(value: Any, path: str = "") -> None:
    """Refuse (Unstorable) a value that PostgreSQL's jsonb or the read models cannot hold:
    NUL characters, lone surrogates, integers outside 64 bits, non-finite numbers."""
    if isinstance(value, str):
        code = text_code(value)
        if code is not None:
            raise Unstorable(path or "value", TEXT_PROBLEMS[code], code)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if not INT64[0] <= value <= INT64[1]:
            raise Unstorable(
                path or "value", "an integer outside the 64-bit range", "integer_too_large"
            )
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise Unstorable(path or "value", "not a finite number", "number_not_finite")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_storable(key, path)
            check_storable(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            check_storable(item, f"{path}[{index}]")


# Errors in which PostgreSQL refuses the data of a group (a value, a constraint), not the
# connection: one member is to blame, and the group is retried without it.
_DATA_ERRORS = (
    asyncpg.DataError,
    asyncpg.IntegrityConstraintViolationError,
    asyncpg.ProgramLimitExceededError,
    asyncpg.UntranslatableCharacterError,
    asyncpg.CharacterNotInRepertoireError,
)


class ConcurrencyConflict(Exception):
    """The stream moved on since the command was decided: expected vs actual version."""

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        super().__init__(
            f"stream {stream_id} is at version {actual}, the command expected {expected}"
        )
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


@dataclass(frozen=True)
class PendingEvent:
    """An event decided but not yet stored, with the metadata filled in at the edge."""

    event: Event
    event_id: UUID
    occurred_at: datetime
    actor: Actor
    correlation_id: UUID
    causation_id: UUID | None = None


@dataclass
class _Append:
    stream_id: str
    expected_version: int
    events: Sequence[PendingEvent]
    done: asyncio.Future[list[Envelope]] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


EVENT_COLUMNS = (
    "seq, event_id, stream_id, stream_version, type, version, occurred_at, actor_subject, "
    "actor_role, correlation_id, causation_id, topic, key, data, prev_hash, hash"
)


def check_appendable(stream_id: str, events: Sequence[PendingEvent]) -> None:
    """Refuse (Unstorable) events that could not be stored, before they join a group."""
    check_storable(stream_id, "stream_id")
    for pending in events:
        check_storable(pending.actor.subject, "actor")
        try:
            data = encode(pending.event)
            orjson.dumps(data)
        except (ValueError, TypeError) as exc:  # orjson's error is a TypeError
            raise Unstorable(pending.event.type_name, "cannot be encoded as JSON") from exc
        check_storable(data)


def _fail(group: list[_Append], exc: BaseException) -> None:
    for req in group:
        if not req.done.done():
            req.done.set_exception(exc)


def envelope_from_row(row: asyncpg.Record) -> Envelope:
    """An envelope from a stored row. Rows were validated on the way in, so this skips
    validation (it is on the relay's and every handler's hot path)."""
    return Envelope.model_construct(
        event_id=row["event_id"],
        type=row["type"],
        version=row["version"],
        stream_id=row["stream_id"],
        stream_version=row["stream_version"],
        seq=row["seq"],
        occurred_at=row["occurred_at"],
        actor=Actor.model_construct(subject=row["actor_subject"], role=Role(row["actor_role"])),
        correlation_id=row["correlation_id"],
        causation_id=row["causation_id"],
        topic=row["topic"],
        key=row["key"],
        data=row["data"],
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )


class EventStore:
    """Append and read streams. Appends are queued and committed in groups by one writer task.

    Across processes the advisory lock serializes writers, so `seq` follows commit order.
    Nothing is returned to a caller before its group has committed.
    """

    def __init__(self, pool: asyncpg.Pool[Any], max_group: int = 1000) -> None:
        self._pool = pool
        self._max_group = max_group
        self._queue: asyncio.Queue[_Append] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._writer = asyncio.create_task(self._write_loop(), name="eventstore-writer")

    @property
    def writing(self) -> bool:
        """Whether the writer task runs (appends are taken)."""
        return self._writer is not None and not self._writer.done()

    async def stop(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
        while not self._queue.empty():
            self._queue.get_nowait().done.set_exception(RuntimeError("event store stopped"))

    async def append(
        self, stream_id: str, expected_version: int, events: Sequence[PendingEvent]
    ) -> list[Envelope]:
        """Append `events` to `stream_id` if it is at `expected_version`; return them stored."""
        if not events:
            return []
        if self._writer is None or self._writer.done():
            raise RuntimeError("event store writer is not running")
        check_appendable(stream_id, events)
        request = _Append(stream_id, expected_version, events)
        self._queue.put_nowait(request)
        return await request.done

    async def load(self, stream_id: str, after: int = 0) -> list[Envelope]:
        """The stream's events after version `after` (all of them by default), in order."""
        rows = await self._pool.fetch(
            f"select {EVENT_COLUMNS} from eventstore.events where stream_id = $1 "
            "and stream_version > $2 order by stream_version",
            stream_id,
            after,
        )
        return [envelope_from_row(r) for r in rows]

    async def head(self) -> int:
        return int(await self._pool.fetchval("select coalesce(max(seq), 0) from eventstore.events"))

    async def _write_loop(self) -> None:
        while True:
            group = [await self._queue.get()]
            while len(group) < self._max_group and not self._queue.empty():
                group.append(self._queue.get_nowait())
            await self._commit_isolated(group)

    async def _commit_isolated(self, group: list[_Append]) -> None:
        """Commit `group`; when PostgreSQL refuses one member's data, commit the halves apart
        (recursively), so only the member to blame fails and the others are stored."""
        try:
            results = await self._commit_group(group)
        except _DATA_ERRORS as exc:
            if len(group) > 1:
                middle = len(group) // 2
                await self._commit_isolated(group[:middle])
                await self._commit_isolated(group[middle:])
                return
            log.error("append refused by the database", error=type(exc).__name__)
            _fail(group, Unstorable("event", "refused by the database"))
            return
        except Exception as exc:  # storage failed: every caller in the group learns why
            log.error("append group failed", size=len(group), error=type(exc).__name__)
            _fail(group, exc)
            return
        for req, result in zip(group, results, strict=True):
            if req.done.done():
                continue
            if isinstance(result, ConcurrencyConflict):
                req.done.set_exception(result)
            else:
                req.done.set_result(result)

    async def _commit_group(
        self, group: list[_Append]
    ) -> list[list[Envelope] | ConcurrencyConflict]:
        async with self._pool.acquire() as conn, conn.transaction():
            seq, prev_hash = await self._lock_head(conn)
            streams = list({req.stream_id for req in group})
            versions: dict[str, int] = {
                r["stream_id"]: r["v"]
                for r in await conn.fetch(
                    "select stream_id, max(stream_version) as v from eventstore.events "
                    "where stream_id = any($1::text[]) group by stream_id",
                    streams,
                )
            }
            results: list[list[Envelope] | ConcurrencyConflict] = []
            stored: list[Envelope] = []
            for req in group:
                actual = versions.get(req.stream_id, 0)
                if actual != req.expected_version:
                    results.append(ConcurrencyConflict(req.stream_id, req.expected_version, actual))
                    continue
                envelopes = []
                for pending in req.events:
                    seq += 1
                    actual += 1
                    env = self._seal(pending, req.stream_id, actual, seq, prev_hash)
                    prev_hash = env.hash
                    envelopes.append(env)
                versions[req.stream_id] = actual
                stored.extend(envelopes)
                results.append(envelopes)
            if stored:
                await self._insert(conn, stored)
            return results

    async def append_with(
        self,
        stream_id: str,
        work: Callable[[asyncpg.Connection[Any], int], Awaitable[Sequence[PendingEvent]]],
    ) -> list[Envelope]:
        """Append the events `work(conn, version)` returns, in one transaction with whatever
        `work` changed through `conn`: both commit, or neither. `work` runs under the append
        lock and gets the stream's current version, so nothing is appended in between. For
        rare administrative commands whose effect outside the log must match their event
        (an erasure); it bypasses the group writer."""
        async with self._pool.acquire() as conn, conn.transaction():
            seq, prev_hash = await self._lock_head(conn)
            version = await conn.fetchval(
                "select coalesce(max(stream_version), 0) from eventstore.events "
                "where stream_id = $1",
                stream_id,
            )
            stored = []
            for pending in await work(conn, version):
                seq += 1
                version += 1
                env = self._seal(pending, stream_id, version, seq, prev_hash)
                prev_hash = env.hash
                stored.append(env)
            if stored:
                await self._insert(conn, stored)
            return stored

    async def _lock_head(self, conn: asyncpg.Connection[Any]) -> tuple[int, str]:
        """Take the append lock for this transaction; the last (seq, hash) of the log."""
        await conn.execute("select pg_advisory_xact_lock($1)", APPEND_LOCK)
        last = await conn.fetchrow(
            "select seq, hash from eventstore.events order by seq desc limit 1"
        )
        return (last["seq"], last["hash"]) if last else (0, GENESIS_HASH)

    def _seal(
        self, pending: PendingEvent, stream_id: str, version: int, seq: int, prev_hash: str
    ) -> Envelope:
        return seal(
            pending.event,
            stream_id=stream_id,
            stream_version=version,
            seq=seq,
            occurred_at=pending.occurred_at,
            actor=pending.actor,
            prev_hash=prev_hash,
            correlation_id=pending.correlation_id,
            causation_id=pending.causation_id,
            event_id=pending.event_id,
        )

    async def _insert(self, conn: asyncpg.Connection[Any], stored: list[Envelope]) -> None:
        await conn.copy_records_to_table(
            "events",
            schema_name="eventstore",
            columns=[c.strip() for c in EVENT_COLUMNS.split(",")],
            records=[
                (
                    e.seq,
                    e.event_id,
                    e.stream_id,
                    e.stream_version,
                    e.type,
                    e.version,
                    e.occurred_at,
                    e.actor.subject,
                    e.actor.role.value,
                    e.correlation_id,
                    e.causation_id,
                    e.topic,
                    e.key,
                    e.data,
                    e.prev_hash,
                    e.hash,
                )
                for e in stored
            ],
        )
        await conn.copy_records_to_table(
            "outbox",
            schema_name="eventstore",
            columns=["seq"],
            records=[(e.seq,) for e in stored],
        )
        per_topic: dict[str, tuple[int, int]] = {}
        for e in stored:
            count, _ = per_topic.get(e.topic, (0, 0))
            per_topic[e.topic] = (count + 1, e.seq)
        await conn.executemany(
            "insert into eventstore.topic_heads (topic, count, last_seq) values ($1, $2, $3) "
            "on conflict (topic) do update set count = topic_heads.count + excluded.count, "
            "last_seq = excluded.last_seq",
            [(t, c, s) for t, (c, s) in per_topic.items()],
        )
        await conn.execute("select pg_notify($1, $2)", NOTIFY_CHANNEL, str(stored[-1].seq))
