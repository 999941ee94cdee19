"""Reading the live tally read model: one process's snapshot, and the versions of many."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
from pydantic import BaseModel, Field

from projections.catalog import PROJECTIONS
from services.api.money import from_ore

TALLIES = PROJECTIONS["tallies"].default_schema
PROPOSALS = PROJECTIONS["proposals"].default_schema


class ProposalScore(BaseModel):
    id: UUID
    title: str
    price: str = Field(description="Kroner, decimal string with two decimals")
    price_ore: int
    score: int = Field(description="Approvals, points, or Borda-style score for rankings")


class BudgetTally(BaseModel):
    local_area: str
    amount: str
    amount_ore: int
    ballots: int = Field(description="Active ballots counted in this budget")
    proposals: list[ProposalScore] = Field(description="By score, highest first")


class TallySnapshot(BaseModel):
    process_id: UUID
    version: int = Field(description="Seq of the last event included; the SSE id")
    as_of: str = Field(description="When that event happened (ISO 8601)")
    phase: str
    ballot_format: str | None
    tally_rule: str
    live_results_public: bool
    budgets: list[BudgetTally]


async def process_row(db: asyncpg.Pool[Any], process_id: UUID) -> asyncpg.Record | None:
    return await db.fetchrow(f"select * from {TALLIES}.processes where process_id = $1", process_id)


async def snapshot(db: asyncpg.Pool[Any], process_id: UUID) -> TallySnapshot | None:
    """The process's tally as one consistent read (one transaction, repeatable read)."""
    async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        p = await conn.fetchrow(
            f"select * from {TALLIES}.processes where process_id = $1", process_id
        )
        if p is None:
            return None
        budgets = await conn.fetch(
            f"select * from {TALLIES}.budgets where process_id = $1 and amount_ore is not null "
            "order by local_area",
            process_id,
        )
        scores = await conn.fetch(
            f"select s.*, coalesce(p.title, '') as title from {TALLIES}.scores s "
            f"left join {PROPOSALS}.proposals p using (proposal_id) "
            "where s.process_id = $1 and s.on_ballot order by s.score desc, s.proposal_id",
            process_id,
        )
    by_area: dict[str, list[ProposalScore]] = {}
    for r in scores:
        by_area.setdefault(r["local_area"], []).append(
            ProposalScore(
                id=r["proposal_id"],
                title=r["title"],
                price=from_ore(r["price_ore"] or 0),
                price_ore=r["price_ore"] or 0,
                score=r["score"],
            )
        )
    return TallySnapshot(
        process_id=process_id,
        version=p["version"],
        as_of=p["updated_at"].isoformat(),
        phase=p["phase"],
        ballot_format=p["ballot_format"],
        tally_rule=p["tally_rule"],
        live_results_public=p["live_results_public"],
        budgets=[
            BudgetTally(
                local_area=b["local_area"],
                amount=from_ore(b["amount_ore"]),
                amount_ore=b["amount_ore"],
                ballots=b["ballots"],
                proposals=by_area.get(b["local_area"], []),
            )
            for b in budgets
        ],
    )


async def versions(db: asyncpg.Pool[Any], process_ids: list[UUID]) -> dict[UUID, int]:
    rows = await db.fetch(
        f"select process_id, version from {TALLIES}.processes where process_id = any($1::uuid[])",
        process_ids,
    )
    return {r["process_id"]: r["version"] for r in rows}
