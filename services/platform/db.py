"""Connections and versioned SQL migrations (each schema its own, applied on start)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import asyncpg
import orjson

MIGRATION_LOCK = 0x5A4D  # advisory lock id: one migrator at a time


async def _init_connection(conn: asyncpg.Connection[Any]) -> None:
    # Binary codecs, so COPY (binary) works too. jsonb's binary form is a version byte + text.
    await conn.set_type_codec(
        "jsonb",
        encoder=lambda v: b"\x01" + orjson.dumps(v),
        decoder=lambda b: orjson.loads(b[1:]),
        schema="pg_catalog",
        format="binary",
    )
    await conn.set_type_codec(
        "json", encoder=orjson.dumps, decoder=orjson.loads, schema="pg_catalog", format="binary"
    )


async def _keep_session(_: asyncpg.Connection[Any]) -> None:
    """Release without asyncpg's reset query (one round trip on every release)."""


async def create_pool(
    dsn: str, min_size: int = 2, max_size: int = 10, stateless: bool = False
) -> asyncpg.Pool[Any]:
    """`stateless`: the pool's users leave no session state behind (no SET, no session advisory
    lock, no LISTEN), so a released connection skips the reset query; asyncpg still rolls back
    a transaction left open and drops listeners."""
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        reset=_keep_session if stateless else None,
    )
    assert pool is not None
    return pool


async def connect(dsn: str) -> asyncpg.Connection[Any]:
    conn = await asyncpg.connect(dsn)
    await _init_connection(conn)
    return conn


def migration_files(folder: Path, schema: str | None = None) -> list[tuple[str, str]]:
    files = [(p.name, p.read_text()) for p in sorted(folder.glob("*.sql"))]
    if schema is not None:
        files = [(name, sql.replace("{schema}", schema)) for name, sql in files]
    return files


async def migrate(
    conn: asyncpg.Connection[Any], component: str, folder: Path, schema: str | None = None
) -> list[str]:
    """Apply the `NNNN_*.sql` files of `folder` not yet applied for `component`, in order.

    All pending files run in one transaction under an advisory lock. A projection's files name
    their schema `{schema}`, so the same projection can be built into a fresh schema.
    Returns the names applied now.
    """
    files = migration_files(folder, schema)
    applied_now: list[str] = []
    async with conn.transaction():
        await conn.execute("select pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        await conn.execute(
            """create table if not exists public.samskab_migrations (
                   component text not null,
                   name text not null,
                   applied_at timestamptz not null default now(),
                   primary key (component, name))"""
        )
        done = {
            r["name"]
            for r in await conn.fetch(
                "select name from public.samskab_migrations where component = $1", component
            )
        }
        for name, sql in files:
            if name in done:
                continue
            await conn.execute(sql)
            await conn.execute(
                "insert into public.samskab_migrations (component, name) values ($1, $2)",
                component,
                name,
            )
            applied_now.append(name)
    return applied_now
