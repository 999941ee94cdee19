"""The API's process cache: a process stream only grows, so only the events after the cached
version are read; a missing process is refused; the least recently used process goes first."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID, uuid4

import pytest

from events.base import Actor, Event, Role
from events.budgeting import Phase, PhaseChanged, ProcessCreated
from events.envelope import GENESIS_HASH, Envelope, seal
from services.api.budgeting.edge import ProcessCache
from services.domain import budgeting as domain
from services.domain.messages import BudgetingRejected, Msg
from services.store.eventstore import EventStore

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
ADMIN = Actor(subject="anna", role=Role.ADMIN)


class Streams:
    """Process streams in memory, recording which versions each load started after."""

    def __init__(self) -> None:
        self.streams: dict[str, list[Envelope]] = {}
        self.loads: list[tuple[str, int]] = []

    def add(self, process_id: UUID, event: Event) -> None:
        stream = self.streams.setdefault(domain.process_stream(process_id), [])
        stream.append(
            seal(
                event,
                stream_id=domain.process_stream(process_id),
                stream_version=len(stream) + 1,
                seq=1,
                occurred_at=NOW,
                actor=ADMIN,
                prev_hash=GENESIS_HASH,
                correlation_id=uuid4(),
            )
        )

    async def load(self, stream_id: str, after: int = 0) -> list[Envelope]:
        self.loads.append((stream_id, after))
        return [e for e in self.streams.get(stream_id, []) if e.stream_version > after]


def created(process_id: UUID) -> ProcessCreated:
    return ProcessCreated(process_id=process_id, title="Borgerbudget", municipality="Hedensted")


def store(streams: Streams) -> EventStore:
    return cast(Any, streams)  # only `load` is used


async def test_only_the_events_after_the_cached_version_are_read() -> None:
    streams, pid = Streams(), uuid4()
    streams.add(pid, created(pid))
    cache = ProcessCache()
    first = await cache.get(store(streams), pid)
    assert (first.version, first.state.phase) == (1, Phase.IDEAS)
    streams.add(
        pid, PhaseChanged(process_id=pid, from_phase=Phase.IDEAS, to_phase=Phase.REVIEW, at=NOW)
    )
    second = await cache.get(store(streams), pid)
    assert (second.version, second.state.phase) == (2, Phase.REVIEW)
    assert [after for _, after in streams.loads] == [0, 1]


async def test_a_process_that_does_not_exist_is_refused() -> None:
    with pytest.raises(BudgetingRejected) as err:
        await ProcessCache().get(store(Streams()), uuid4())
    assert err.value.code is Msg.PROCESS_NOT_FOUND


async def test_the_least_recently_used_process_leaves_a_full_cache_first() -> None:
    streams = Streams()
    a, b, c = uuid4(), uuid4(), uuid4()
    for pid in (a, b, c):
        streams.add(pid, created(pid))
    cache = ProcessCache(size=2)
    for pid in (a, b, a, c):  # b is the least recently used when c comes
        await cache.get(store(streams), pid)
    streams.loads.clear()
    await cache.get(store(streams), a)
    await cache.get(store(streams), b)
    assert streams.loads == [
        (domain.process_stream(a), 1),  # still cached
        (domain.process_stream(b), 0),  # left the cache: read from the start
    ]
