"""What the budgeting route modules share: the process as the routes read it (kept in this API
process's `ProcessCache`), the read models' schemas and the clock."""

from __future__ import annotations

from collections import OrderedDict
from datetime import UTC, datetime
from typing import TypeVar
from uuid import UUID

from fastapi import Request

from events.registry import decode
from projections.catalog import PROJECTIONS
from services.api.deps import store
from services.application.budgeting import process_not_found
from services.application.commands import Loaded
from services.domain import budgeting as domain
from services.store.eventstore import EventStore

S = TypeVar("S")


def schema(name: str) -> str:
    """The schema a projection's read model lives in (the one `samskab run` serves)."""
    return PROJECTIONS[name].default_schema


def now() -> datetime:
    return datetime.now(UTC)


class ProcessCache:
    """Processes' current states, folded incrementally: a process stream only grows, so the
    state at version v stays true and only the events after v are read and folded on top.
    One per API process (made at start-up), at most `size` processes, least recently used
    first out."""

    def __init__(self, size: int = 512) -> None:
        self._size = size
        self._loaded: OrderedDict[UUID, Loaded[domain.ProcessState]] = OrderedDict()

    async def get(self, es: EventStore, process_id: UUID) -> Loaded[domain.ProcessState]:
        """The process's current state; a refusal when there is no such process."""
        cached = self._loaded.get(process_id)
        state = cached.state if cached is not None else domain.PROCESS_INITIAL
        after = cached.version if cached is not None else 0
        envelopes = await es.load(domain.process_stream(process_id), after)
        for env in envelopes:
            state = domain.evolve_process(state, decode(env.type, env.version, env.data))
        loaded = Loaded(state, after + len(envelopes))
        if not state.exists:
            raise process_not_found()
        latest = self._loaded.get(process_id)
        if latest is None or latest.version < loaded.version:
            self._loaded[process_id] = loaded
        self._loaded.move_to_end(process_id)
        while len(self._loaded) > self._size:
            self._loaded.popitem(last=False)
        return loaded


def process_cache(request: Request) -> ProcessCache:
    found: ProcessCache = request.app.state.process_cache
    return found


async def process_of(request: Request, process_id: UUID) -> Loaded[domain.ProcessState]:
    """The process's current state, from this API process's cache."""
    return await process_cache(request).get(store(request), process_id)
