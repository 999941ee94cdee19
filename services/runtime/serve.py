"""Entry points of the long-running services: API, relay, projections, scheduler, checkpoints."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import structlog
import uvicorn

from projections.catalog import PROJECTIONS
from projections.runner import ProjectionRunner
from projections.spec import migrate_projection
from services import readiness
from services.platform import db
from services.platform.collector import tune_collector
from services.platform.ops import serve_ops
from services.platform.settings import ApiSettings, CheckpointKey, Settings
from services.relay.relay import Relay

EVENTSTORE_MIGRATIONS = Path(__file__).parent.parent / "store" / "migrations"

log = structlog.get_logger("serve")


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


async def migrate_all(dsn: str) -> list[str]:
    conn = await db.connect(dsn)
    try:
        applied = await db.migrate(conn, "eventstore", EVENTSTORE_MIGRATIONS)
        for spec in PROJECTIONS.values():
            await migrate_projection(conn, spec)
        return applied
    finally:
        await conn.close()


async def serve_api(settings: ApiSettings) -> None:
    from services.api.app import create_app

    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        lifespan="on",
        # Longer than the idle timeout of the proxies in front (60 s is common), so a proxy
        # never reuses a connection this server has just closed.
        timeout_keep_alive=75,
    )
    await uvicorn.Server(config).serve()


async def serve_relay(settings: Settings, ops_port: int) -> None:
    tune_collector()
    stop = asyncio.Event()
    _stop_on_signals(stop)
    pool = await db.create_pool(settings.require_database_url(), min_size=2, max_size=4)
    relay = Relay(pool, settings)

    async def ready() -> tuple[bool, dict[str, str]]:
        return relay.connected, {"broker": "connected" if relay.connected else "not connected"}

    server = await serve_ops("relay", settings.host, ops_port, ready)
    log.info("relay started", ops_port=ops_port)
    try:
        await relay.run(stop)
    finally:
        await server.stop()
        await pool.close()


async def serve_projection(
    settings: Settings,
    names: Sequence[str],
    ops_port: int,
    group: bool,
    schema: str | None = None,
) -> None:
    """Run the projections `names` in this process, each its own runner with its own consumer
    group and schema, as if each ran alone: a deployment runs one per process, the embedded
    default all of them in one to spare memory. If one fails, the process exits (and is
    restarted) with every projection in it; each resumes from its stored positions.
    `schema` (a replay's schema) needs a single projection."""
    if schema is not None and len(names) != 1:
        raise ValueError("a schema names the schema of one projection")
    specs = [PROJECTIONS[name] for name in names]
    tune_collector()
    stop = asyncio.Event()
    _stop_on_signals(stop)
    # Each runner holds at most one connection in a batch and one for its readiness and
    # positions; the pool is shared by the runners of this process.
    pool = await db.create_pool(
        settings.require_database_url(), min_size=2, max_size=2 + 2 * len(specs)
    )
    conn: Any = await db.connect(settings.require_database_url())
    try:
        for spec in specs:
            await migrate_projection(conn, spec, schema)
    finally:
        await conn.close()
    runners = [
        ProjectionRunner(
            pool, settings, spec, schema=schema, group=group, batch_size=settings.projection_batch
        )
        for spec in specs
    ]
    thresholds = readiness.Thresholds(
        settings.status_behind_events, settings.status_stalled_seconds
    )

    async def ready() -> tuple[bool, dict[str, str]]:
        """Ready when each can work (its database answers, its schema is migrated); how far it
        is shows in the checks and the gauges, and is no reason to take it out of service."""
        checks: dict[str, str] = {}
        all_ready = True
        for runner in runners:
            name = runner.spec.name
            prefix = "" if len(runners) == 1 else f"{name}."
            try:
                status = await readiness.projection_status(
                    pool, name, runner.spec, runner.schema, thresholds
                )
            except Exception as exc:
                return False, {"postgresql": f"unreachable: {type(exc).__name__}"}
            all_ready = all_ready and status.state != "not_migrated"
            checks |= {
                f"{prefix}state": status.state,
                f"{prefix}lag_events": str(status.lag_events),
                f"{prefix}dead_letters": str(status.dead_letters),
                f"{prefix}partitions": str(len(runner.assigned)),
            }
        return all_ready, checks

    service = "projection:" + ",".join(names)
    server = await serve_ops(service, settings.host, ops_port, ready)
    for runner in runners:
        log.info(
            "projection started",
            projection=runner.spec.name,
            schema=runner.schema,
            ops_port=ops_port,
        )
    try:
        async with asyncio.TaskGroup() as tasks:
            for runner in runners:
                tasks.create_task(runner.run(stop))
    finally:
        await server.stop()
        with contextlib.suppress(Exception):
            await pool.close()


async def serve_scheduler(settings: Settings, ops_port: int) -> None:
    from services.scheduler.scheduler import PhaseScheduler
    from services.store.eventstore import EventStore

    tune_collector()
    stop = asyncio.Event()
    _stop_on_signals(stop)
    pool = await db.create_pool(settings.require_database_url(), min_size=1, max_size=2)
    store = EventStore(pool)
    await store.start()
    scheduler = PhaseScheduler(pool, store, settings.scheduler_interval_seconds)
    server = await serve_ops("scheduler", settings.host, ops_port, scheduler.ready)
    log.info("scheduler started", interval_seconds=scheduler.interval, ops_port=ops_port)
    try:
        await scheduler.run(stop)
    finally:
        await server.stop()
        await store.stop()
        await pool.close()


async def serve_checkpoints(settings: CheckpointKey, ops_port: int) -> None:
    from services.audit import checkpoints

    key = checkpoints.load_private_key(settings.checkpoint_key_path)
    stop = asyncio.Event()
    _stop_on_signals(stop)
    checkpointer = checkpoints.Checkpointer(key)

    async def ready() -> tuple[bool, dict[str, str]]:
        last = checkpointer.last
        return checkpointer.healthy, {
            "chain": "holds" if checkpointer.healthy else "broken: not signing",
            "last_seq": str(last.seq if last else 0),
        }

    server = await serve_ops("checkpoints", settings.host, ops_port, ready)
    log.info("checkpoints started", interval_seconds=settings.checkpoint_interval_seconds)
    try:
        await checkpoints.run(settings, stop, checkpointer)
    finally:
        await server.stop()
