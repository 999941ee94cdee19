"""Running a command: load the stream, fold it, decide, append with the expected version."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar
from uuid import UUID, uuid4

from events.base import Actor, Event
from events.envelope import Envelope
from events.registry import decode
from services.store.eventstore import ConcurrencyConflict, EventStore, PendingEvent

S = TypeVar("S")


@dataclass(frozen=True)
class Aggregate(Generic[S]):
    """How to rebuild one kind of stream's state."""

    initial: S
    evolve: Callable[[S, Event], S]


@dataclass(frozen=True)
class Loaded(Generic[S]):
    state: S
    version: int


@dataclass(frozen=True)
class Meta:
    """What the edge knows about a request: who, and which correlation it belongs to."""

    actor: Actor
    correlation_id: UUID


def fold(aggregate: Aggregate[S], envelopes: Sequence[Envelope]) -> S:
    state = aggregate.initial
    for env in envelopes:
        state = aggregate.evolve(state, decode(env.type, env.version, env.data))
    return state


async def load(store: EventStore, aggregate: Aggregate[S], stream_id: str) -> Loaded[S]:
    envelopes = await store.load(stream_id)
    return Loaded(fold(aggregate, envelopes), len(envelopes))


def pending(events: Sequence[Event], meta: Meta) -> list[PendingEvent]:
    now = datetime.now(UTC)
    return [
        PendingEvent(
            event=e,
            event_id=uuid4(),
            occurred_at=now,
            actor=meta.actor,
            correlation_id=meta.correlation_id,
        )
        for e in events
    ]


async def run_command(
    store: EventStore,
    aggregate: Aggregate[S],
    stream_id: str,
    decide: Callable[[S], list[Event]],
    meta: Meta,
    expected_version: int | None = None,
    attempts: int = 3,
) -> tuple[int, list[Envelope]]:
    """Decide against the current state and append; return the stream's version after the
    command and the events stored (none when the command changed nothing). With
    `expected_version` (the client's If-Match) a stale version is a conflict; without it, a lost
    race is decided again, up to `attempts` times."""
    attempts = 1 if expected_version is not None else max(attempts, 1)
    for attempt in range(attempts):
        loaded = await load(store, aggregate, stream_id)
        if expected_version is not None and loaded.version != expected_version:
            raise ConcurrencyConflict(stream_id, expected_version, loaded.version)
        events = decide(loaded.state)
        try:
            stored = await store.append(stream_id, loaded.version, pending(events, meta))
        except ConcurrencyConflict:
            if attempt == attempts - 1:
                raise
            continue
        if stored:
            return stored[-1].stream_version, stored
        return loaded.version + len(await store.load(stream_id, after=loaded.version)), stored
    raise AssertionError("unreachable")
