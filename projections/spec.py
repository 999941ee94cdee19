"""What a projection is: a name, the topics it reads, its migrations and its apply function."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from events.base import Event
from events.envelope import Envelope

TRACKING_MIGRATIONS = Path(__file__).parent / "migrations"

# apply(conn, schema, envelope, event) changes the read model for one new event.
Apply = Callable[["asyncpg.Connection[Any]", str, Envelope, Event], Awaitable[None]]


@dataclass(frozen=True)
class ProjectionSpec:
    name: str
    topics: tuple[str, ...]  # logical topics, e.g. ("budgeting",)
    migrations: Path
    apply: Apply

    @property
    def default_schema(self) -> str:
        return f"proj_{self.name}"


async def migrate_projection(
    conn: asyncpg.Connection[Any], spec: ProjectionSpec, schema: str | None = None
) -> None:
    from services.store.db import migrate

    schema = schema or spec.default_schema
    await migrate(conn, f"tracking:{schema}", TRACKING_MIGRATIONS, schema)
    await migrate(conn, f"projection:{schema}", spec.migrations, schema)
