"""Liveness, readiness and projection status, kept apart.

- *Alive* (`/healthz`): the process answers. A probe that fails restarts it.
- *Ready* (`/readyz`): the API can accept commands — the event store answers, is migrated and
  its writer runs. Nothing else: a command is recorded in PostgreSQL and reaches Kafka when the
  relay can publish it, and read models catch up by themselves. A projection that lags or holds
  a dead letter must not take the API out of service.
- *Status* (`/status`, and the gauges below): how far each projection is, as a state —
  *ok*, *behind* (lag at or over `status_behind_events`), *stalled* (lag, and no progress for
  `status_stalled_seconds` or no running instance), *dead_lettered* (records wait in its
  `dead_letters` table). Dead-lettered and set-aside events are not counted as lag: they are
  reported as what they are.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from prometheus_client import Gauge

from projections.spec import ProjectionSpec

HEARTBEAT_FRESH_SECONDS = 10
STATES = ("ok", "behind", "dead_lettered", "stalled", "not_migrated")  # worst last

LAG = Gauge(
    "samskab_projection_lag_events",
    "Events in the store a projection has not applied yet (dead letters not counted)",
    ["projection"],
)
DEAD_LETTERS = Gauge(
    "samskab_projection_dead_letters",
    "Dead letters waiting for a retry or a decision",
    ["projection"],
)
IDLE = Gauge(
    "samskab_projection_seconds_since_progress",
    "Seconds since the projection last applied an event",
    ["projection"],
)


@dataclass
class Readiness:
    ready: bool = True
    checks: dict[str, str] = field(default_factory=dict)

    def fail(self, name: str, why: str) -> None:
        self.ready = False
        self.checks[name] = why


@dataclass(frozen=True)
class Thresholds:
    behind_events: int
    stalled_seconds: float


@dataclass(frozen=True)
class ProjectionStatus:
    projection: str
    state: str
    lag_events: int
    dead_letters: int  # waiting
    set_aside: int
    seconds_since_progress: float | None
    running: bool

    @property
    def caught_up(self) -> bool:
        """Every event of its topics applied, and none waiting as a dead letter."""
        return self.state != "not_migrated" and self.lag_events == 0 and self.dead_letters == 0


@dataclass(frozen=True)
class SystemStatus:
    state: str  # the worst state of any projection
    projections: dict[str, ProjectionStatus]

    @property
    def caught_up(self) -> bool:
        return all(p.caught_up for p in self.projections.values())


def classify(
    lag: int,
    dead_letters: int,
    seconds_since_progress: float | None,
    running: bool,
    thresholds: Thresholds,
) -> str:
    """The state of a projection from its figures (see the module doc)."""
    if lag > 0:
        never_moved = seconds_since_progress is None
        idle_too_long = not never_moved and seconds_since_progress >= thresholds.stalled_seconds
        if not running or idle_too_long:
            return "stalled"
    if dead_letters > 0:
        return "dead_lettered"
    if lag >= thresholds.behind_events:
        return "behind"
    return "ok"


def worst(states: list[str]) -> str:
    return max(states, key=STATES.index, default="ok")


async def accepts_commands(pool: asyncpg.Pool[Any], writing: bool = True) -> Readiness:
    """Whether the API can record commands: the event store answers and its writer runs."""
    result = Readiness()
    try:
        migrated = await asyncio.wait_for(
            pool.fetchval("select to_regclass('eventstore.events') is not null"), 2
        )
    except Exception as exc:
        result.fail("eventstore", f"unreachable: {type(exc).__name__}")
        return result
    if not migrated:
        result.fail("eventstore", "not migrated yet")
    elif not writing:
        result.fail("eventstore", "writer stopped")
    else:
        result.checks["eventstore"] = "ok"
    return result


async def projection_lag(
    conn: asyncpg.Connection[Any] | asyncpg.Pool[Any], spec: ProjectionSpec, schema: str
) -> tuple[int, bool]:
    """(events not yet applied, dead letters included; whether an instance has a fresh
    heartbeat)."""
    row = await conn.fetchrow(
        f"""select
              (select coalesce(sum(h.count), 0) from eventstore.topic_heads h
                where h.topic = any($1::text[]))
            - (select coalesce(sum(c.seen), 0) from {schema}.checkpoint c
                where c.topic = any($1::text[])) as lag,
              exists (select 1 from {schema}.instances
                       where heartbeat_at > now() - make_interval(secs => $2)) as alive""",
        list(spec.topics),
        HEARTBEAT_FRESH_SECONDS,
    )
    assert row is not None
    return int(row["lag"]), bool(row["alive"])


async def projection_status(
    conn: asyncpg.Connection[Any] | asyncpg.Pool[Any],
    name: str,
    spec: ProjectionSpec,
    schema: str,
    thresholds: Thresholds,
) -> ProjectionStatus:
    """Where projection `name` (in `schema`) stands; also sets its gauges."""
    try:
        row = await conn.fetchrow(
            f"""with unapplied as (
                  select d.seq, d.status from {schema}.dead_letters d
                   where d.status in ('waiting', 'set_aside')
                     and (d.seq is null
                          or not exists (select 1 from {schema}.applied a where a.seq = d.seq)))
                select
                  (select coalesce(sum(h.count), 0) from eventstore.topic_heads h
                    where h.topic = any($1::text[])) as head,
                  (select coalesce(sum(c.seen), 0) from {schema}.checkpoint c
                    where c.topic = any($1::text[])) as seen,
                  (select extract(epoch from now() - max(c.progressed_at))
                     from {schema}.checkpoint c where c.topic = any($1::text[])) as idle,
                  (select count(*) from unapplied where status = 'waiting') as waiting,
                  (select count(*) from unapplied where status = 'set_aside') as set_aside,
                  (select count(*) from unapplied where seq is not null) as dead_events,
                  exists (select 1 from {schema}.instances
                           where heartbeat_at > now() - make_interval(secs => $2)) as alive""",
            list(spec.topics),
            HEARTBEAT_FRESH_SECONDS,
        )
    except (asyncpg.UndefinedTableError, asyncpg.UndefinedColumnError):
        return ProjectionStatus(name, "not_migrated", 0, 0, 0, None, False)
    assert row is not None
    lag = max(0, int(row["head"]) - int(row["seen"]) - int(row["dead_events"]))
    idle = float(row["idle"]) if row["idle"] is not None else None
    waiting = int(row["waiting"])
    alive = bool(row["alive"])
    LAG.labels(name).set(lag)
    DEAD_LETTERS.labels(name).set(waiting)
    if idle is not None:
        IDLE.labels(name).set(idle)
    state = classify(lag, waiting, idle, alive, thresholds)
    return ProjectionStatus(name, state, lag, waiting, int(row["set_aside"]), idle, alive)


async def system_status(
    pool: asyncpg.Pool[Any],
    projections: Mapping[str, tuple[ProjectionSpec, str]],
    thresholds: Thresholds,
) -> SystemStatus:
    found = {
        name: await projection_status(pool, name, spec, schema, thresholds)
        for name, (spec, schema) in projections.items()
    }
    return SystemStatus(worst([p.state for p in found.values()]), found)


async def caught_up(pool: asyncpg.Pool[Any], names: Iterable[str] | None = None) -> bool:
    """Every projection (or each of `names`) has applied every event, and no dead letter
    waits. The question to ask after a run (a fuzz or load test) before comparing read models.
    """
    from projections.catalog import PROJECTIONS

    wanted = list(PROJECTIONS) if names is None else list(names)
    status = await system_status(
        pool,
        {name: (PROJECTIONS[name], PROJECTIONS[name].default_schema) for name in wanted},
        Thresholds(behind_events=1, stalled_seconds=float("inf")),
    )
    return status.caught_up
