"""Shared fixtures: a real PostgreSQL (DATABASE_URL, else embedded) and a real broker (Tansu).

Every test that needs storage gets a fresh database and its own topic prefix, so tests never
see each other's data and nothing is wiped.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from hypothesis import settings

from services.platform.settings import SystemSettings
from services.runtime.embedded import EmbeddedBroker, EmbeddedPostgres, dsn_with_database
from services.runtime.serve import migrate_all

REPO = Path(__file__).resolve().parent.parent
PABULIB = REPO.parent / "shared" / "pabulib"

# Properties are checked by what they assert, never by how fast an example runs: on a loaded
# machine hypothesis's default 200 ms deadline fails examples that are correct.
settings.register_profile("samskab", deadline=None)
settings.load_profile("samskab")


@pytest.fixture(scope="session")
def pg_admin_dsn() -> Iterator[str]:
    url = os.environ.get("DATABASE_URL")
    if url:
        yield url
        return
    with tempfile.TemporaryDirectory(prefix="samskab-pg-") as tmp:
        server = EmbeddedPostgres(Path(tmp) / "pg")
        yield server.start()
        server.stop()


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    b = EmbeddedBroker(log_path=tmp_path_factory.mktemp("broker") / "broker.log")
    b.start()
    yield b
    b.stop()


@pytest.fixture
async def database(pg_admin_dsn: str) -> AsyncIterator[str]:
    """A fresh, migrated database for one test; dropped afterwards."""
    name = f"samskab_t_{secrets.token_hex(6)}"
    conn = await asyncpg.connect(pg_admin_dsn)
    try:
        await conn.execute(f'create database "{name}"')
    finally:
        await conn.close()
    dsn = dsn_with_database(pg_admin_dsn, name)
    await migrate_all(dsn)
    yield dsn
    conn = await asyncpg.connect(pg_admin_dsn)
    try:
        await conn.execute(f'drop database if exists "{name}" with (force)')
    finally:
        await conn.close()


@pytest.fixture
def settings(database: str, broker: EmbeddedBroker, tmp_path: Path) -> SystemSettings:
    return SystemSettings.model_validate(
        {
            "DATABASE_URL": database,
            "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
            "embedded_broker": True,
            "topic_prefix": f"t{secrets.token_hex(4)}",
            "partitions": 3,
            "data_dir": tmp_path / "data",
        }
    )
