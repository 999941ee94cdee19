"""Live tally updates for many subscribers from one shared poll of the read model.

One loop per API process asks, every `interval`, for the versions of every process someone
watches (one query); for a process whose version moved it reads the snapshot once and hands it
to all its subscribers. A subscriber always gets the latest snapshot newer than the last one it
got, so however many ballots arrive a process yields at most one update per interval (coalesced)
and a slow subscriber skips to the newest instead of queueing.

Each snapshot carries the newest winners counted so far (`tally_outcome`), waiting briefly
for the count of its own ballots; a count that ends after its snapshot went out makes the next
poll read the snapshot again with them, so a subscriber also gets an update when only the
winners caught up (same version, newer `outcome_version`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg
import structlog

from services.api import tally_read
from services.api.tally_outcome import Outcomes
from services.api.tally_read import TallySnapshot

log = structlog.get_logger("tally_hub")

OUTCOME_GRACE = 0.05
"""Seconds a new snapshot waits for its winners before it goes out without them: a greedy count
makes it in time (one update with both), a long MES count follows in a later update."""


@dataclass
class _Watch:
    latest: TallySnapshot | None = None
    subscribers: int = 0
    recounted: bool = False
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)


def _mark(snap: TallySnapshot) -> tuple[int, int]:
    """What a subscriber has seen: the version, then the version its winners were counted at."""
    return snap.version, -1 if snap.outcome_version is None else snap.outcome_version


class TallyHub:
    def __init__(self, pool: asyncpg.Pool[Any], interval: float = 0.05) -> None:
        self._pool = pool
        self._interval = interval
        self._watched: dict[UUID, _Watch] = {}
        self._loop: asyncio.Task[None] | None = None
        self.outcomes = Outcomes(on_counted=self._recounted)
        self.reads = 0  # snapshots read, for tests and metrics

    async def updates(self, process_id: UUID, after: int) -> AsyncIterator[TallySnapshot]:
        """Snapshots of the process newer than version `after` (or with newer winners), the
        newest first, for as long as the caller iterates."""
        watch = self._watched.setdefault(process_id, _Watch())
        watch.subscribers += 1
        if self._loop is None or self._loop.done():
            self._loop = asyncio.create_task(self._run())
        try:
            if watch.latest is None:
                await self._refresh(process_id, watch)
            seen = (after, after)
            while True:
                latest = await self._newer(watch, seen)
                seen = _mark(latest)
                yield latest
        finally:
            watch.subscribers -= 1
            if watch.subscribers == 0 and self._watched.get(process_id) is watch:
                del self._watched[process_id]

    @staticmethod
    async def _newer(watch: _Watch, seen: tuple[int, int]) -> TallySnapshot:
        async with watch.changed:
            await watch.changed.wait_for(
                lambda: watch.latest is not None and _mark(watch.latest) > seen
            )
            assert watch.latest is not None
            return watch.latest

    async def _refresh(self, process_id: UUID, watch: _Watch) -> None:
        watch.recounted = False
        read = await tally_read.snapshot(self._pool, process_id)
        self.reads += 1
        if read is None:
            return
        snap, inp = read
        outcome = await self.outcomes.wait(process_id, snap.version, inp, OUTCOME_GRACE)
        latest = tally_read.with_outcome(snap, outcome)
        async with watch.changed:
            if watch.latest is None or _mark(latest) > _mark(watch.latest):
                watch.latest = latest
                watch.changed.notify_all()

    def _recounted(self, process_id: UUID) -> None:
        watch = self._watched.get(process_id)
        if watch is not None:
            watch.recounted = True

    async def _run(self) -> None:
        while self._watched:
            await asyncio.sleep(self._interval)
            try:
                await self.poll()
            except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
                # a poll that fails is tried again next interval; nothing is lost meanwhile
                log.warning("tally poll failed", error=repr(exc))

    async def poll(self) -> None:
        """One round: the versions of every watched process in one query, and one snapshot
        read for each process whose version moved."""
        current = await tally_read.versions(self._pool, list(self._watched))
        for process_id, version in current.items():
            watch = self._watched.get(process_id)
            if watch is not None and (
                watch.latest is None or version > watch.latest.version or watch.recounted
            ):
                await self._refresh(process_id, watch)

    async def stop(self) -> None:
        await self.outcomes.stop()
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
