"""Participation per local area: active ballots ÷ eligible voters (from the latest census)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg

from events.base import Event
from events.budgeting import (
    BallotCast,
    BallotReplaced,
    BallotWithdrawn,
    BudgetSet,
    CensusImported,
    ProcessCreated,
)
from events.envelope import Envelope
from projections.spec import ProjectionSpec

if TYPE_CHECKING:
    Conn = asyncpg.Connection[Any]


async def _area(conn: Conn, s: str, process_id: Any, area: str) -> None:
    await conn.execute(
        f"insert into {s}.areas (process_id, local_area) values ($1, $2) on conflict do nothing",
        process_id,
        area,
    )


async def apply(conn: Conn, schema: str, env: Envelope, event: Event) -> None:
    s = schema
    match event:
        case ProcessCreated():
            for budget in event.budgets:
                await _area(conn, s, event.process_id, budget.local_area)
        case BudgetSet():
            await _area(conn, s, event.process_id, event.budget.local_area)
        case CensusImported():
            await conn.execute(
                f"update {s}.areas set eligible = 0 where process_id = $1", event.process_id
            )
            await conn.executemany(
                f"insert into {s}.areas (process_id, local_area, eligible) values ($1, $2, $3) "
                "on conflict (process_id, local_area) do update set eligible = excluded.eligible",
                [(event.process_id, a, n) for a, n in event.eligible_by_area.items()],
            )
        case BallotCast() | BallotReplaced():
            await _area(conn, s, event.process_id, event.local_area)
            await conn.execute(
                f"insert into {s}.ballot_streams (stream_id, process_id, local_area, channel, "
                "active) values ($1, $2, $3, $4, true) on conflict (stream_id) do update set "
                "local_area = excluded.local_area, channel = excluded.channel, active = true",
                env.stream_id,
                event.process_id,
                event.local_area,
                event.channel.value,
            )
        case BallotWithdrawn():
            await conn.execute(
                f"update {s}.ballot_streams set active = false where stream_id = $1",
                env.stream_id,
            )
        case _:
            pass


SPEC = ProjectionSpec(
    name="participation",
    topics=("budgeting",),
    migrations=Path(__file__).parent / "migrations",
    apply=apply,
)
