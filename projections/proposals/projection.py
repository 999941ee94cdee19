"""The proposal catalog: processes and their proposals, as citizens see them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import asyncpg

from events.base import Event
from events.budgeting import ProcessCreated, ProposalEdited, ProposalSubmitted, ProposalWithdrawn
from events.envelope import Envelope
from projections.spec import ProjectionSpec

_EDITABLE = ("title", "description", "estimated_cost_ore", "local_area", "core_task")


async def apply(conn: asyncpg.Connection[Any], schema: str, env: Envelope, event: Event) -> None:
    match event:
        case ProcessCreated():
            await conn.execute(
                f"insert into {schema}.processes (process_id, title, municipality, created_at) "
                "values ($1, $2, $3, $4) on conflict do nothing",
                event.process_id,
                event.title,
                event.municipality,
                env.occurred_at,
            )
        case ProposalSubmitted():
            await conn.execute(
                f"insert into {schema}.proposals (proposal_id, process_id, title, description, "
                "estimated_cost_ore, local_area, core_task, author, status, version, "
                "submitted_at, updated_at) "
                "values ($1, $2, $3, $4, $5, $6, $7, $8, 'submitted', $9, $10, $10)",
                event.proposal_id,
                event.process_id,
                event.title,
                event.description,
                event.estimated_cost_ore,
                event.local_area,
                event.core_task,
                event.author,
                env.stream_version,
                env.occurred_at,
            )
        case ProposalEdited():
            changes = {n: getattr(event, n) for n in _EDITABLE if getattr(event, n) is not None}
            sets = ", ".join(f"{name} = ${i}" for i, name in enumerate(changes, start=4))
            await conn.execute(
                f"update {schema}.proposals set version = $2, updated_at = $3"
                f"{', ' + sets if sets else ''} where proposal_id = $1",
                event.proposal_id,
                env.stream_version,
                env.occurred_at,
                *changes.values(),
            )
        case ProposalWithdrawn():
            await conn.execute(
                f"update {schema}.proposals set status = 'withdrawn', version = $2, "
                "updated_at = $3 where proposal_id = $1",
                event.proposal_id,
                env.stream_version,
                env.occurred_at,
            )
        case _:
            pass


SPEC = ProjectionSpec(
    name="proposals",
    topics=("budgeting",),
    migrations=Path(__file__).parent / "migrations",
    apply=apply,
)
