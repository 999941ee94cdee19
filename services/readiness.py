"""Is the system ready? PostgreSQL answers, the broker answers, projections are caught up."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient

from projections.spec import ProjectionSpec

HEARTBEAT_FRESH_SECONDS = 10


@dataclass
class Readiness:
    ready: bool = True
    checks: dict[str, str] = field(default_factory=dict)

    def fail(self, name: str, why: str) -> None:
        self.ready = False
        self.checks[name] = why


async def projection_lag(
    conn: asyncpg.Connection[Any] | asyncpg.Pool[Any], spec: ProjectionSpec, schema: str
) -> tuple[int, bool]:
    """(events not yet applied, whether an instance has a fresh heartbeat)."""
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


async def check(
    pool: asyncpg.Pool[Any],
    admin: AIOKafkaAdminClient | None,
    projections: dict[str, tuple[ProjectionSpec, str]],
) -> Readiness:
    result = Readiness()
    try:
        await asyncio.wait_for(pool.fetchval("select 1"), 2)
        result.checks["postgresql"] = "ok"
    except Exception as exc:
        result.fail("postgresql", f"unreachable: {exc!r}")
        return result
    if admin is not None:
        try:
            await asyncio.wait_for(admin.list_topics(), 2)
            result.checks["broker"] = "ok"
        except Exception as exc:
            result.fail("broker", f"unreachable: {exc!r}")
    for name, (spec, schema) in projections.items():
        try:
            lag, alive = await projection_lag(pool, spec, schema)
        except asyncpg.UndefinedTableError:
            result.fail(f"projection:{name}", "not migrated yet")
            continue
        if not alive:
            result.fail(f"projection:{name}", "no running instance")
        elif lag:
            result.fail(f"projection:{name}", f"{lag} events behind")
        else:
            result.checks[f"projection:{name}"] = "caught up"
    return result
