"""Every few seconds, move each process whose schedule makes a phase due.

Which processes to look at comes from the processes read model (small, indexed, one query);
what to do is decided on the process stream loaded from the event store, through the same
load → decide → append-with-expected-version path the API uses (`services.application.commands`). A
read model that lags only delays a move by a tick; it never causes a wrong one. A concurrency
conflict means someone else moved the process meanwhile: nothing is retried, the next tick
reloads the stream and decides again. Several instances may run: the stream's version lets
one of them win each move.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import structlog
from prometheus_client import Counter, Gauge

from events.base import Actor, Role
from events.budgeting_common import Phase
from events.budgeting_process import PhaseChanged
from events.registry import decode
from projections.catalog import PROJECTIONS
from services.application.budgeting import PROCESS
from services.application.commands import Meta, run_command
from services.domain.budgeting.phase_schedule import decide_by_schedule
from services.domain.budgeting.phases import due_phase
from services.domain.budgeting.process import process_stream
from services.domain.messages import BudgetingRejected
from services.store.eventstore import ConcurrencyConflict, EventStore
from services.texts.rejections import rejection_text

ACTOR = Actor(subject="phase-scheduler", role=Role.SYSTEM)

MOVED = Counter(
    "samskab_scheduler_phase_changes_total", "Phases changed by the schedule", ["to_phase"]
)
CONFLICTS = Counter(
    "samskab_scheduler_conflicts_total", "Moves lost to a concurrent change (decided next tick)"
)
REFUSED = Counter("samskab_scheduler_refused_total", "Due moves the process decider refused")
FAILED = Counter("samskab_scheduler_failures_total", "Processes or ticks that failed", ["scope"])
DUE = Gauge("samskab_scheduler_due_processes", "Processes the read model showed due last tick")
LAST_TICK = Gauge(
    "samskab_scheduler_last_tick_timestamp_seconds", "When the last tick completed (Unix time)"
)

log = structlog.get_logger("scheduler")

# (process_id, current phase, scheduled phase, starts_at, ends_at), one row per scheduled phase
ScheduleRow = tuple[UUID, str, str, datetime | None, datetime | None]


def due_processes(rows: Iterable[ScheduleRow], now: datetime) -> list[UUID]:
    """The processes whose schedule, as the read model shows it, makes a phase due at `now`."""
    current: dict[UUID, Phase] = {}
    schedules: dict[UUID, dict[Phase, tuple[datetime | None, datetime | None]]] = {}
    for process_id, phase, scheduled, starts_at, ends_at in rows:
        current[process_id] = Phase(phase)
        schedules.setdefault(process_id, {})[Phase(scheduled)] = (starts_at, ends_at)
    return [pid for pid, phase in current.items() if due_phase(phase, schedules[pid], now)]


@dataclass
class Tick:
    """What one tick did: the phases each process entered, and what did not happen."""

    moved: dict[UUID, list[Phase]] = field(default_factory=dict)
    conflicts: list[UUID] = field(default_factory=list)
    refused: dict[UUID, str] = field(default_factory=dict)
    failed: list[UUID] = field(default_factory=list)


async def tick(
    pool: asyncpg.Pool[Any], store: EventStore, now: datetime, schema: str | None = None
) -> Tick:
    """Move every process the schedule makes due at `now` (as far as it is due)."""
    s = schema or PROJECTIONS["processes"].default_schema
    rows = await pool.fetch(
        f"select p.process_id, p.phase, s.phase as scheduled, s.starts_at, s.ends_at "
        f"from {s}.processes p join {s}.schedule s using (process_id) "
        "where p.phase <> $1 order by p.process_id",
        Phase.CLOSED.value,
    )
    candidates = due_processes((tuple(r.values()) for r in rows), now)
    DUE.set(len(candidates))
    result = Tick()
    for process_id in candidates:
        await _move(store, process_id, now, result)
    return result


async def _move(store: EventStore, process_id: UUID, now: datetime, result: Tick) -> None:
    stream_id = process_stream(process_id)
    bound = log.bind(stream_id=stream_id, command="AdvancePhase")
    meta = Meta(actor=ACTOR, correlation_id=uuid4())
    try:
        _, stored = await run_command(
            store,
            PROCESS,
            stream_id,
            lambda state: decide_by_schedule(process_id, state, now),
            meta,
            attempts=1,
        )
    except ConcurrencyConflict as exc:
        CONFLICTS.inc()
        result.conflicts.append(process_id)
        bound.info("process moved meanwhile; deciding again next tick", actual=exc.actual)
        return
    except BudgetingRejected as exc:
        REFUSED.inc()
        reason = rejection_text(exc, "en")
        result.refused[process_id] = reason
        bound.warning("due phase change refused", code=exc.code.value, reason=reason)
        return
    except Exception:
        # One broken stream must not stop every other process's schedule; it is retried
        # from the stream next tick and shows in /readyz until it succeeds.
        FAILED.labels("process").inc()
        result.failed.append(process_id)
        bound.exception("moving the process failed")
        return
    for env in stored:
        event = decode(env.type, env.version, env.data)
        if not isinstance(event, PhaseChanged):
            continue
        MOVED.labels(event.to_phase.value).inc()
        result.moved.setdefault(process_id, []).append(event.to_phase)
        bound.info(
            "phase changed by schedule",
            from_phase=event.from_phase.value,
            to_phase=event.to_phase.value,
            version=env.stream_version,
        )


@dataclass
class PhaseScheduler:
    """The loop around `tick`, and what /readyz reports about it."""

    pool: asyncpg.Pool[Any]
    store: EventStore
    interval: float
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    last_tick: datetime | None = None
    last: Tick | None = None
    last_error: str = ""

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                self.last = await tick(self.pool, self.store, self.clock())
                self.last_tick, self.last_error = self.clock(), ""
                LAST_TICK.set(self.last_tick.timestamp())
            except Exception as exc:
                # Nothing is lost by a failed tick (the streams are the truth, decided again
                # next tick); the failure shows in /readyz and the metrics meanwhile.
                FAILED.labels("tick").inc()
                self.last_error = type(exc).__name__
                log.exception("scheduler tick failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.interval)

    async def ready(self) -> tuple[bool, dict[str, str]]:
        """Ready while ticks succeed on time (three intervals, at least a minute)."""
        if self.last_tick is None:
            return False, {"last_tick": "never", "error": self.last_error or "starting"}
        age = (self.clock() - self.last_tick).total_seconds()
        failed = len(self.last.failed) if self.last is not None else 0
        ok = age <= max(3 * self.interval, 60) and not self.last_error and failed == 0
        checks = {"last_tick": self.last_tick.isoformat(), "failed_processes": str(failed)}
        if self.last_error:
            checks["error"] = self.last_error
        return ok, checks
