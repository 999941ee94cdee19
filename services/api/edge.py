"""What the budgeting route modules share: the process as the routes read it, running a command."""

from __future__ import annotations

from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any, TypeVar
from uuid import UUID

import asyncpg
from fastapi import Request

from events.registry import decode
from projections.catalog import PROJECTIONS
from services.application.budgeting import process_not_found
from services.application.commands import Loaded
from services.domain import budgeting as domain
from services.store.eventstore import envelope_from_row

S = TypeVar("S")


def pool(request: Request) -> asyncpg.Pool[Any]:
    result: asyncpg.Pool[Any] = request.app.state.pool
    return result


def schema(name: str) -> str:
    """The schema a projection's read model lives in (the one `samskab run` serves)."""
    return PROJECTIONS[name].default_schema


def now() -> datetime:
    return datetime.now(UTC)


_CACHED_PROCESSES = 512


async def process_of(request: Request, process_id: UUID) -> Loaded[domain.ProcessState]:
    """The process's current state, folded incrementally: a process stream only grows, so the
    state at version v stays true and only the events after v are read and folded on top.
    Kept per API process (app.state), at most `_CACHED_PROCESSES` processes."""
    cache: OrderedDict[UUID, Loaded[domain.ProcessState]] | None = getattr(
        request.app.state, "process_cache", None
    )
    if cache is None:
        cache = OrderedDict()
        request.app.state.process_cache = cache
    cached = cache.get(process_id)
    state = cached.state if cached is not None else domain.PROCESS_INITIAL
    after = cached.version if cached is not None else 0
    rows = await pool(request).fetch(
        "select * from eventstore.events where stream_id = $1 and stream_version > $2 "
        "order by stream_version",
        domain.process_stream(process_id),
        after,
    )
    for row in rows:
        env = envelope_from_row(row)
        state = domain.evolve_process(state, decode(env.type, env.version, env.data))
    loaded = Loaded(state, after + len(rows))
    if not state.exists:
        raise process_not_found()
    latest = cache.get(process_id)
    if latest is None or latest.version < loaded.version:
        cache[process_id] = loaded
    cache.move_to_end(process_id)
    while len(cache) > _CACHED_PROCESSES:
        cache.popitem(last=False)
    return loaded
