"""What a projection is: a name, the topics it reads, its migrations and its apply function."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import asyncpg

from events.base import Event
from events.envelope import Envelope

if TYPE_CHECKING:
    from services.platform.settings import Settings

TRACKING_MIGRATIONS = Path(__file__).parent / "migrations"

# apply(conn, schema, envelope, event) changes the read model for one new event.
Apply = Callable[["asyncpg.Connection[Any]", str, Envelope, Event], Awaitable[None]]
# apply_batch(conn, schema, items) changes it for new events in seq order, with the same effect
# as calling apply for each in turn (the runner has already skipped the duplicates).
ApplyBatch = Callable[
    ["asyncpg.Connection[Any]", str, Sequence[tuple[Envelope, Event]]], Awaitable[None]
]


# session(settings) is opened once per run of a projection service whose batch apply talks to
# the outside world (the public feed publishes); it yields the batch apply to use meanwhile.
# Without a session (replay, dead-letter retry) the runner uses `apply_batch` or `apply`.
Session = Callable[["Settings"], AbstractAsyncContextManager[ApplyBatch]]


@dataclass(frozen=True)
class ProjectionSpec:
    name: str
    topics: tuple[str, ...]  # logical topics, e.g. ("budgeting",)
    migrations: Path
    apply: Apply
    apply_batch: ApplyBatch | None = None
    session: Session | None = None
    # Indexes (by name in the schema) that no apply reads through, only queries: a replay drops
    # them after migrating its fresh schema and builds each once at the end, which is far
    # cheaper than keeping them up to date row by row.
    unread_indexes: tuple[str, ...] = ()

    @property
    def default_schema(self) -> str:
        return f"proj_{self.name}"


async def migrate_projection(
    conn: asyncpg.Connection[Any], spec: ProjectionSpec, schema: str | None = None
) -> None:
    from services.platform.db import migrate

    schema = schema or spec.default_schema
    await migrate(conn, f"tracking:{schema}", TRACKING_MIGRATIONS, schema)
    await migrate(conn, f"projection:{schema}", spec.migrations, schema)


class DeferredWrites:
    """A stand-in connection that turns many `apply` calls into few round trips.

    Each `execute` with arguments is recorded instead of run; consecutive ones with the same SQL
    are sent as one `executemany` (pipelined, one round trip). Everything runs in the order it
    was asked for, so the effect equals calling `apply` event by event — provided `apply` does
    not use what `execute` returns (here: an empty status). A read (`fetch`, `fetchrow`,
    `fetchval`) or a COPY first sends what is pending, so it sees every earlier write.
    """

    def __init__(self, conn: asyncpg.Connection[Any]) -> None:
        self._conn = conn
        self._sql: str | None = None
        self._rows: list[tuple[Any, ...]] = []
        self.statements = 0  # round trips actually made, for tests and benches

    async def execute(self, sql: str, *args: Any) -> str:
        if not args:
            await self.flush()
            self.statements += 1
            return await self._conn.execute(sql)
        if sql != self._sql:
            await self.flush()
            self._sql = sql
        self._rows.append(args)
        return ""

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            await self.execute(sql, *row)

    async def flush(self) -> None:
        sql, rows = self._sql, self._rows
        self._sql, self._rows = None, []
        if sql is None:
            return
        self.statements += 1
        if len(rows) == 1:
            await self._conn.execute(sql, *rows[0])
        else:
            await self._conn.executemany(sql, rows)

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        await self.flush()
        return await self._conn.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        await self.flush()
        return await self._conn.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        await self.flush()
        return await self._conn.fetchval(sql, *args)

    async def copy_records_to_table(self, table: str, **kwargs: Any) -> str:
        await self.flush()
        return await self._conn.copy_records_to_table(table, **kwargs)

    def as_connection(self) -> asyncpg.Connection[Any]:
        """This object typed as the connection an `apply` expects (it offers what they use)."""
        return cast("asyncpg.Connection[Any]", self)
