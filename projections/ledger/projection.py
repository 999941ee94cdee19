"""The budget ledger per local area: budget, allocated, disbursed, returned (and per project)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg

from events.base import Event
from events.budgeting import (
    AllocationDecided,
    BudgetRemoved,
    BudgetSet,
    FundsDisbursed,
    FundsReturned,
    ProcessCreated,
)
from events.envelope import Envelope
from projections.spec import ProjectionSpec

if TYPE_CHECKING:
    Conn = asyncpg.Connection[Any]


async def _budget(conn: Conn, s: str, process_id: Any, area: str, amount: int) -> None:
    await conn.execute(
        f"insert into {s}.areas (process_id, local_area, budget_ore) values ($1, $2, $3) "
        "on conflict (process_id, local_area) do update set budget_ore = excluded.budget_ore",
        process_id,
        area,
        amount,
    )


async def apply(conn: Conn, schema: str, env: Envelope, event: Event) -> None:
    s = schema
    match event:
        case ProcessCreated():
            for b in event.budgets:
                await _budget(conn, s, event.process_id, b.local_area, b.amount_ore)
        case BudgetSet():
            b = event.budget
            await _budget(conn, s, event.process_id, b.local_area, b.amount_ore)
        case BudgetRemoved():
            await conn.execute(
                f"delete from {s}.areas where process_id = $1 and local_area = $2",
                event.process_id,
                event.local_area,
            )
        case AllocationDecided():
            funded = [f for f in event.funded if f.amount_ore > 0]
            await conn.execute(
                f"update {s}.areas set allocated_ore = $3 where process_id = $1 "
                "and local_area = $2",
                event.process_id,
                event.local_area,
                sum(f.amount_ore for f in funded),
            )
            await conn.executemany(
                f"insert into {s}.projects (process_id, local_area, proposal_id, allocated_ore) "
                "values ($1, $2, $3, $4)",
                [(event.process_id, event.local_area, f.proposal_id, f.amount_ore) for f in funded],
            )
        case FundsDisbursed() | FundsReturned():
            column = "disbursed_ore" if isinstance(event, FundsDisbursed) else "returned_ore"
            kind = "disbursed" if isinstance(event, FundsDisbursed) else "returned"
            note = event.reference if isinstance(event, FundsDisbursed) else event.reason
            await conn.execute(
                f"update {s}.areas set {column} = {column} + $3 "
                "where process_id = $1 and local_area = $2",
                event.process_id,
                event.local_area,
                event.amount_ore,
            )
            await conn.execute(
                f"update {s}.projects set {column} = {column} + $3 "
                "where process_id = $1 and proposal_id = $2",
                event.process_id,
                event.proposal_id,
                event.amount_ore,
            )
            await conn.execute(
                f"insert into {s}.entries (seq, process_id, local_area, proposal_id, kind, "
                "amount_ore, at, note) values ($1, $2, $3, $4, $5, $6, $7, $8)",
                env.seq,
                event.process_id,
                event.local_area,
                event.proposal_id,
                kind,
                event.amount_ore,
                event.at,
                note,
            )
        case _:
            pass


SPEC = ProjectionSpec(
    name="ledger",
    topics=("budgeting",),
    migrations=Path(__file__).parent / "migrations",
    apply=apply,
)
