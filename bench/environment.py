"""What every end-to-end bench starts from: a fresh, migrated database and a fresh broker.

The database is created on DATABASE_URL's server if set, else on an embedded PostgreSQL in a
temporary directory; the broker is always a fresh embedded one. Both go away afterwards.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from services.platform.settings import SystemSettings
from services.runtime.embedded import EmbeddedBroker, EmbeddedPostgres, dsn_with_database
from services.runtime.serve import migrate_all


@dataclass(frozen=True)
class BenchEnvironment:
    settings: SystemSettings
    tmp: Path  # a scratch directory removed afterwards
    broker_pid: int
    embedded_postgres: bool  # False: a database on DATABASE_URL's (maybe shared) server


@asynccontextmanager
async def bench_environment(partitions: int = 6) -> AsyncIterator[BenchEnvironment]:
    tmp = tempfile.TemporaryDirectory(prefix="samskab-bench-")
    pg = None
    admin_dsn = os.environ.get("DATABASE_URL")
    if not admin_dsn:
        pg = EmbeddedPostgres(Path(tmp.name) / "pg")
        admin_dsn = pg.start()
    broker = EmbeddedBroker()
    broker.start()
    name = f"samskab_bench_{secrets.token_hex(4)}"
    try:
        conn = await asyncpg.connect(admin_dsn)
        await conn.execute(f'create database "{name}"')
        await conn.close()
        dsn = dsn_with_database(admin_dsn, name)
        await migrate_all(dsn)
        settings = SystemSettings.model_validate(
            {
                "DATABASE_URL": dsn,
                "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
                "embedded_broker": True,
                "topic_prefix": f"b{secrets.token_hex(3)}",
                "partitions": partitions,
                "data_dir": Path(tmp.name) / "data",
            }
        )
        assert broker.process is not None
        yield BenchEnvironment(settings, Path(tmp.name), broker.process.pid, pg is not None)
    finally:
        broker.stop()
        conn = await asyncpg.connect(admin_dsn)
        await conn.execute(f'drop database if exists "{name}" with (force)')
        await conn.close()
        if pg is not None:
            pg.stop()
        tmp.cleanup()
