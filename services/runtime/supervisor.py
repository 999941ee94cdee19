"""`samskab run`: the whole system in one process tree on the embedded default.

Starts PostgreSQL (embedded unless DATABASE_URL) and the broker (embedded unless
KAFKA_BOOTSTRAP_SERVERS), applies migrations, creates topics, then runs the relay, the
projections (all in one process, each its own consumer group and schema), the phase scheduler,
the checkpoints service and the API as child processes, restarting any that dies.
SIGINT/SIGTERM stops every child, then the broker and PostgreSQL. One system per data
directory, and none of it outlives the supervisor (services/runtime/lifetime.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import structlog
from rich.console import Console
from rich.table import Table

from projections.catalog import PROJECTIONS
from services.audit.checkpoints import create_key
from services.platform.kafka import clients
from services.platform.settings import Settings, SystemSettings
from services.runtime import connection, lifetime
from services.runtime.embedded import EmbeddedBroker, EmbeddedPostgres, ensure_database, free_ports
from services.runtime.serve import migrate_all

log = structlog.get_logger("supervisor")


@dataclass
class Child:
    name: str
    args: list[str]
    where: str
    process: asyncio.subprocess.Process | None = None
    restarts: int = 0
    env: dict[str, str] = field(default_factory=dict)

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "services.cli.main",
            *self.args,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            preexec_fn=lifetime.die_with_parent(),
        )

    async def stop(self, grace: float = 10.0) -> None:
        proc = self.process
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), grace)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()


async def run_system(settings: SystemSettings, console: Console) -> None:
    data_dir = settings.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = lifetime.hold(data_dir)  # raises AlreadyRunning
    pgdata = data_dir / "pg" if settings.database_url is None else None
    for line in await asyncio.to_thread(lifetime.stop_survivors, data_dir, pgdata):
        console.print(line)
    pg: EmbeddedPostgres | None = None
    guard: lifetime.Guard | None = None
    broker: EmbeddedBroker | None = None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    children: list[Child] = []
    try:
        dsn = settings.database_url
        if pgdata is not None:
            with console.status("starting embedded PostgreSQL…"):
                pg = EmbeddedPostgres(pgdata)
                admin_dsn = await asyncio.to_thread(pg.start)
                guard = lifetime.guard_postgres(pgdata)
                dsn = await ensure_database(admin_dsn, "samskab")
        bootstrap = settings.kafka_bootstrap_servers
        if bootstrap is None:
            broker = EmbeddedBroker(log_path=data_dir / "broker.log", die_with_parent=True)
            bootstrap = broker.start()
        settings = settings.model_copy(
            update={
                "database_url": dsn,
                "kafka_bootstrap_servers": bootstrap,
                "embedded_broker": broker is not None or settings.embedded_broker,
            }
        )
        with console.status("applying migrations…"):
            await migrate_all(dsn)
        admin = clients.admin(settings)
        await admin.start()
        try:
            await clients.ensure_topics(admin, settings.topology, settings.kafka_replication_factor)
        finally:
            await admin.close()
        create_key(settings.checkpoint_key_path)
        children = _children(settings, data_dir)
        for child in children:
            await child.start()
        _record(data_dir, children, broker)
        reach = {"DATABASE_URL": dsn, "KAFKA_BOOTSTRAP_SERVERS": bootstrap}
        written = connection.write(data_dir, reach)
        _announce(console, settings, dsn, bootstrap, broker is not None, pg is not None, children)
        _how_to_reach(console, data_dir, written, reach if pg is not None else {})
        await _watch(stop, children, broker, lambda: _record(data_dir, children, broker))
    finally:
        console.print("[bold]stopping…[/bold]")
        connection.remove(data_dir)
        await asyncio.gather(*(c.stop() for c in reversed(children)))
        if broker is not None:
            broker.stop()
        if pg is not None:
            await asyncio.to_thread(pg.stop)
        if guard is not None:
            await asyncio.to_thread(guard.release)
        lifetime.forget_children(data_dir)
        lock.release()
        console.print("stopped.")


def _record(data_dir: Path, children: list[Child], broker: EmbeddedBroker | None) -> None:
    pids = [c.process.pid for c in children if c.process is not None]
    if broker is not None and broker.process is not None:
        pids.append(broker.process.pid)
    lifetime.record_children(data_dir, pids)


def _children(settings: Settings, data_dir: os.PathLike[str]) -> list[Child]:
    env = {
        **os.environ,
        "DATABASE_URL": settings.require_database_url(),
        "KAFKA_BOOTSTRAP_SERVERS": settings.require_bootstrap(),
        "SAMSKAB_EMBEDDED_BROKER": "true" if settings.embedded_broker else "false",
        "SAMSKAB_DATA_DIR": os.fspath(data_dir),
        "SAMSKAB_TOPIC_PREFIX": settings.topic_prefix,
        "SAMSKAB_PARTITIONS": str(settings.partitions),
    }

    ops_ports = iter(free_ports(4, avoid=[settings.port]))

    def worker(label: str, *args: str) -> Child:
        """A service with health and metrics on an ops port of its own."""
        port = next(ops_ports)
        where = f"http://{settings.host}:{port}/metrics"
        return Child(label, ["serve", *args, "--ops-port", str(port)], where, env=env)

    children = [
        worker("relay", "relay"),
        # Every projection in one process, each still its own consumer group and schema: a
        # Python process costs ~50 MB, nine of them most of the embedded stack's memory.
        worker("projections", "projection", *PROJECTIONS),
        worker("scheduler", "scheduler"),
        worker("checkpoints", "checkpoints"),
    ]
    api_where = f"http://{settings.host}:{settings.port}"
    children.append(
        Child(
            "api",
            ["serve", "api", "--port", str(settings.port), "--host", settings.host],
            api_where,
            env=env,
        )
    )
    return children


def _announce(
    console: Console,
    settings: Settings,
    dsn: str,
    bootstrap: str,
    embedded_broker: bool,
    embedded_pg: bool,
    children: list[Child],
) -> None:
    table = Table(title="Samskab is running", show_lines=False)
    table.add_column("part")
    table.add_column("where")
    pg_kind = "embedded PostgreSQL" if embedded_pg else "PostgreSQL (DATABASE_URL)"
    table.add_row(pg_kind, dsn.split("@")[-1])
    broker_kind = "embedded broker (memory only)" if embedded_broker else "Kafka"
    table.add_row(broker_kind, bootstrap)
    for child in children:
        table.add_row(child.name, child.where)
    console.print(table)
    base = f"http://{settings.host}:{settings.port}"
    console.print(f"API docs: {base}/docs · ready: {base}/readyz · Ctrl-C stops everything")


def _how_to_reach(
    console: Console, data_dir: os.PathLike[str], written: os.PathLike[str], shown: dict[str, str]
) -> None:
    """Where other commands find this system; the embedded database's URL to paste (a
    DATABASE_URL of your own, which may hold a password, is not printed)."""
    console.print(
        f"Other samskab commands reach this system with --data-dir {os.fspath(data_dir)} "
        f"(it is written to {os.fspath(written)})" + (", or in a shell after:" if shown else "."),
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    for line in connection.exports(shown):
        console.print(line, highlight=False, markup=False, soft_wrap=True)


async def _watch(
    stop: asyncio.Event,
    children: list[Child],
    broker: EmbeddedBroker | None,
    restarted: Callable[[], None],
) -> None:
    """Restart any child (or the embedded broker) that dies, until asked to stop."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)
        if stop.is_set():
            return
        if broker is not None and not broker.alive():
            log.warning("embedded broker died; starting it again (empty)")
            broker.start()  # on this thread: the broker stops when this thread's process dies
            restarted()
        for child in children:
            proc = child.process
            if proc is not None and proc.returncode is not None:
                child.restarts += 1
                log.warning(
                    "child exited; restarting",
                    child=child.name,
                    status=proc.returncode,
                    restarts=child.restarts,
                )
                await asyncio.sleep(min(child.restarts, 5))
                await child.start()
                restarted()
