"""Live tally updates for many subscribers from one shared read of the read model.

The tallies projection notifies `NOTIFY_CHANNEL` when it commits a batch that changed a tally;
the hub LISTENs on one dedicated connection (opened when the first subscriber arrives, closed by
`stop`), and a notification for a watched process wakes its loop at once. A round asks for the
versions of every process someone watches (one query); for a process whose version moved it
reads the snapshot once and hands it to all its subscribers. Notifications that arrive while a
round runs give one more round, not one each. Every `interval` without a notification the loop
polls anyway, so a lost notification only delays an update; while the connection is down (or
before it is open) that poll is all there is, and the connection is opened again later.

A subscriber always gets the latest snapshot newer than the last one it got, so however many
ballots arrive it is never behind by more than a round, and a slow subscriber skips to the
newest instead of queueing.

Each snapshot carries the newest winners counted so far (`outcome`), waiting briefly
for the count of its own ballots; a count that ends after its snapshot went out wakes the loop
to read the snapshot again with them, so a subscriber also gets an update when only the
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

from projections.tallies.projection import NOTIFY_CHANNEL
from services.api.budgeting.tally import read as tally_read
from services.api.budgeting.tally.outcome import Outcomes
from services.api.budgeting.tally.read import TallySnapshot
from services.platform import db

log = structlog.get_logger("tally_hub")

OUTCOME_GRACE = 0.05
"""Seconds a new snapshot waits for its winners before it goes out without them: a greedy count
makes it in time (one update with both), a long MES count follows in a later update."""

FALLBACK_INTERVAL = 1.0
"""Seconds between polls when no notification comes (a lost one, or no LISTEN connection)."""

RELISTEN_AFTER = (1.0, 30.0)
"""Seconds before opening the LISTEN connection again after it failed: the first wait, doubled
after each failure up to the second."""

CONNECT_TIMEOUT = 10.0


@dataclass
class _Watch:
    latest: TallySnapshot | None = None
    subscribers: int = 0
    recounted: bool = False  # a count ended whose winners the latest snapshot may lack
    refreshing: int = 0  # snapshot reads under way
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)


def _mark(snap: TallySnapshot) -> tuple[int, int]:
    """What a subscriber has seen: the version, then the version its winners were counted at."""
    return snap.version, -1 if snap.outcome_version is None else snap.outcome_version


class TallyHub:
    """`dsn`: where to LISTEN; without it the hub only polls every `interval` (or when `poll`
    is called)."""

    def __init__(
        self, pool: asyncpg.Pool[Any], dsn: str | None = None, interval: float = FALLBACK_INTERVAL
    ) -> None:
        self._pool = pool
        self._dsn = dsn
        self._interval = interval
        self._watched: dict[UUID, _Watch] = {}
        self._loop: asyncio.Task[None] | None = None
        self._listener: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self.outcomes = Outcomes(on_counted=self._recounted)
        self.reads = 0  # snapshots read, for tests and metrics
        self.listen_pid: int | None = None  # server pid of the open LISTEN connection, for tests

    async def updates(self, process_id: UUID, after: int) -> AsyncIterator[TallySnapshot]:
        """Snapshots of the process newer than version `after` (or with newer winners), the
        newest first, for as long as the caller iterates."""
        watch = self._watched.setdefault(process_id, _Watch())
        watch.subscribers += 1
        if self._loop is None or self._loop.done():
            self._loop = asyncio.create_task(self._run())
        if self._dsn is not None and self._listener is None:
            self._listener = asyncio.create_task(self._listen(self._dsn))
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
        watch.refreshing += 1
        try:
            latest = await self._read(process_id, watch)
        finally:
            watch.refreshing -= 1
            if watch.recounted:  # a count this read did not include: read again
                self._wake.set()
        if latest is None:
            return
        async with watch.changed:
            if watch.latest is None or _mark(latest) > _mark(watch.latest):
                watch.latest = latest
                watch.changed.notify_all()

    async def _read(self, process_id: UUID, watch: _Watch) -> TallySnapshot | None:
        read = await tally_read.snapshot(self._pool, process_id)
        self.reads += 1
        if read is None:
            return None
        snap, inp = read
        outcome = await self.outcomes.wait(process_id, snap.version, inp, OUTCOME_GRACE)
        if outcome is not None and outcome.digest == inp.digest():
            watch.recounted = False  # its own count, done while it waited
        return tally_read.with_outcome(snap, outcome)

    def _recounted(self, process_id: UUID) -> None:
        watch = self._watched.get(process_id)
        if watch is not None:
            watch.recounted = True
            if not watch.refreshing:  # else the refresh under way decides when it ends
                self._wake.set()

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        ids = str(payload or "")
        if not ids or any(_watched(self._watched, p) for p in ids.split(",")):
            self._wake.set()

    async def _run(self) -> None:
        while self._watched:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval)
            self._wake.clear()  # a notification from here on gives one more round
            try:
                await self.poll()
            except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
                # a poll that fails is tried again on the next wake or interval; nothing is lost
                log.warning("tally poll failed", error=type(exc).__name__)

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

    async def _listen(self, dsn: str) -> None:
        """Keep a connection LISTENing on the tallies' channel until cancelled; after a failure
        or a drop, open it again later (the timed poll covers the gap)."""
        retry = RELISTEN_AFTER[0]
        while True:
            try:
                await self._listen_once(dsn)
                retry = RELISTEN_AFTER[0]
                log.warning("tally notifications lost; polling until listening again")
            except Exception as exc:  # whatever it was, the timed poll goes on; try again later
                log.warning(
                    "tally hub cannot listen; polling", error=type(exc).__name__, retry_in=retry
                )
            await asyncio.sleep(retry)
            retry = min(retry * 2, RELISTEN_AFTER[1])

    async def _listen_once(self, dsn: str) -> None:
        """LISTEN on one new connection; return when it is lost."""
        conn = await asyncio.wait_for(db.connect(dsn), CONNECT_TIMEOUT)
        lost = asyncio.Event()
        try:
            conn.add_termination_listener(lambda _: lost.set())
            await conn.execute("set application_name = 'samskab tally hub'")
            await conn.add_listener(NOTIFY_CHANNEL, self._on_notify)
            self.listen_pid = conn.get_server_pid()
            self._wake.set()  # what was committed before LISTEN took effect
            log.info("tally hub listening", channel=NOTIFY_CHANNEL)
            await lost.wait()
        finally:
            self.listen_pid = None
            await _close(conn)

    async def stop(self) -> None:
        await self.outcomes.stop()
        for task in (self._loop, self._listener):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


async def _close(conn: asyncpg.Connection[Any]) -> None:
    try:
        await asyncio.wait_for(conn.close(), CONNECT_TIMEOUT)
    except Exception:  # a dropped or stuck connection: just let go of it
        conn.terminate()


def _watched(watched: dict[UUID, _Watch], process_id: str) -> bool:
    try:
        return UUID(process_id) in watched
    except ValueError:
        return True  # not an id we know how to read: better one round too many
