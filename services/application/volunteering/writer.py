"""One writer per shift stream in an API process: queued commands decided in order, appended
together.

When a crowd signs up for one shift at once, deciding and appending each sign-up on its own
means one load and one commit per person, and every other request waits (or loses the race and
tries again). Here the commands queued for a stream are taken as a batch: the stream is loaded
once, each command is decided against the state left by the ones before it (exactly as if they
had come one by one), a refused command gets its refusal and changes nothing, and the events of
the rest are appended in one append at the stream's expected version. If another process wrote
to the stream meanwhile, the whole batch is decided again on the new state.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

from events.base import Event
from events.envelope import Envelope
from services.application.commands import Meta, fold, pending
from services.application.volunteering.streams import SHIFT, TASK
from services.domain import volunteering as v
from services.domain.errors import CommandRejected
from services.store.eventstore import (
    ConcurrencyConflict,
    EventStore,
    Unstorable,
    check_appendable,
)

Decide = Callable[[v.ShiftState, v.TaskState], list[Event]]
TASK_NAME = "shift-writer"
# One API process takes a shift's commands one at a time; other processes may still race, and
# a lost race is decided again this many times before the caller gets a 409.
SHIFT_ATTEMPTS = 50


@dataclass(frozen=True)
class Outcome:
    """What one command did: its stored events, the state it was decided against, and the
    stream's version after its events."""

    stored: list[Envelope]
    before: v.ShiftState
    version: int


@dataclass
class _Order:
    decide: Decide
    meta: Meta
    task_id: UUID | None
    done: asyncio.Future[Outcome] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class WriterStopped(RuntimeError):
    """The API is shutting down: the command was not (or not certainly) recorded."""


class ShiftWriter:
    """Made once per API process at start-up; `stop` at shutdown ends its tasks. A stream's
    task runs while commands wait for it and ends when its queue is empty."""

    def __init__(
        self, store: EventStore, attempts: int = SHIFT_ATTEMPTS, max_batch: int = 1000
    ) -> None:
        self._store = store
        self._attempts = attempts
        self._max_batch = max_batch
        self._queues: dict[str, list[_Order]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._stopped = False

    async def submit(
        self, stream_id: str, decide: Decide, meta: Meta, task_id: UUID | None = None
    ) -> Outcome:
        """Decide and append one command on a shift stream (`task_id` for a new shift)."""
        if self._stopped:
            raise WriterStopped("the shift writer is stopped")
        order = _Order(decide, meta, task_id)
        self._queues.setdefault(stream_id, []).append(order)
        if stream_id not in self._workers:
            self._workers[stream_id] = asyncio.create_task(
                self._drain(stream_id), name=f"{TASK_NAME} {stream_id}"
            )
        return await order.done

    async def stop(self) -> None:
        """Take no more commands, cancel the streams' tasks and wait until they have ended;
        a command still waiting learns that it was not recorded."""
        self._stopped = True
        workers = list(self._workers.values())
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        for queued in self._queues.values():
            _fail(queued, WriterStopped("the shift writer stopped before the command ran"))
        self._queues.clear()

    async def _drain(self, stream_id: str) -> None:
        try:
            while queued := self._queues.pop(stream_id, None):
                batch, rest = queued[: self._max_batch], queued[self._max_batch :]
                if rest:
                    self._queues[stream_id] = rest + self._queues.get(stream_id, [])
                try:
                    await self._write(stream_id, batch)
                except asyncio.CancelledError:  # stopped: whoever still waits learns it
                    _fail(batch, WriterStopped("the shift writer stopped while the command ran"))
                    raise
        finally:
            del self._workers[stream_id]

    async def _write(self, stream_id: str, batch: list[_Order]) -> None:
        try:
            await self._run(stream_id, batch)
        except Unstorable as refused:  # the database refused one command's data: whose?
            if len(batch) == 1:
                _fail(batch, refused)
                return
            for order in batch:
                try:
                    await self._run(stream_id, [order])
                except Exception as exc:
                    _fail([order], exc)
        except Exception as exc:  # storage failed: every caller in the batch learns why
            _fail(batch, exc)

    async def _run(self, stream_id: str, batch: list[_Order]) -> None:
        for attempt in range(self._attempts):
            envelopes = await self._store.load(stream_id)
            version = len(envelopes)
            state = fold(SHIFT, envelopes)
            tasks: dict[UUID, v.TaskState] = {}
            decided: list[tuple[_Order, v.ShiftState, int]] = []
            refused: list[tuple[_Order, Exception]] = []
            events_all = []
            for order in batch:
                if order.done.done():  # the caller went away before its turn
                    continue
                task_id = order.task_id or state.task_id
                task = v.TASK_INITIAL
                if task_id is not None:
                    if task_id not in tasks:
                        loaded = await self._store.load(v.task_stream(task_id))
                        tasks[task_id] = fold(TASK, loaded)
                    task = tasks[task_id]
                try:
                    events = order.decide(state, task)
                    mine = pending(events, order.meta)
                    check_appendable(stream_id, mine)
                except (CommandRejected, Unstorable) as exc:
                    refused.append((order, exc))
                    continue
                before = state
                for event in events:
                    state = v.evolve_shift(state, event)
                events_all += mine
                decided.append((order, before, len(events)))
            try:
                stored = await self._store.append(stream_id, version, events_all)
            except ConcurrencyConflict:
                if attempt == self._attempts - 1:
                    raise
                continue
            for order, refusal in refused:
                with contextlib.suppress(asyncio.InvalidStateError):
                    order.done.set_exception(refusal)
            offset = 0
            for order, before, count in decided:
                its_events = stored[offset : offset + count]
                offset += count
                outcome = Outcome(its_events, before, version + offset)
                with contextlib.suppress(asyncio.InvalidStateError):
                    order.done.set_result(outcome)
            return


def _fail(orders: list[_Order], exc: BaseException) -> None:
    for order in orders:
        if not order.done.done():
            order.done.set_exception(exc)
