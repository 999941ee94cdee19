"""Reading the live tally read model: one process's snapshot, and the versions of many.

A snapshot also carries each budget's current winners (`selected`): the process's rule counted
over the read model's ballots, grouped so identical ballots count once (`outcome`), with
`outcome_version` naming the version whose ballots were counted.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
from pydantic import BaseModel, Field

from events.budgeting_common import BallotFormat, TallyRule
from projections.catalog import PROJECTIONS
from services.api.budgeting.tally.outcome import Outcome, OutcomeInput
from services.api.money import from_ore
from services.domain.budgeting.incompatibility import pairs_of
from services.domain.budgeting.live_tally import LiveBudget
from services.texts.words import BALLOT_FORMAT_NAMES, TALLY_RULE_NAMES, in_words

TALLIES = PROJECTIONS["tallies"].default_schema
PROPOSALS = PROJECTIONS["proposals"].default_schema
PROCESSES = PROJECTIONS["processes"].default_schema


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
    selected: list[UUID] = Field(
        default=[],
        description="The current winners: the process's tally rule over the ballots counted "
        "so far (incompatible proposals honoured), in selection order; none without ballots",
    )


class TallySnapshot(BaseModel):
    process_id: UUID
    version: int = Field(description="Seq of the last event included; the SSE id")
    as_of: str = Field(description="When that event happened (ISO 8601)")
    phase: str
    title: str = Field(default="", description="The process's title (Danish)")
    title_en: str = Field(default="", description="Its English title; empty when none")
    ballot_format: str | None
    ballot_format_words: dict[str, str] | None = Field(
        default=None, description="The ballot format in words: {'da': …, 'en': …}"
    )
    tally_rule: str
    tally_rule_words: dict[str, str] = Field(
        default={}, description="The tally rule in words: {'da': …, 'en': …}"
    )
    live_results_public: bool
    outcome_version: int | None = Field(
        default=None,
        description="The version whose ballots `selected` was counted from: `version` when "
        "current, lower while a newer count is running, null before the first count",
    )
    budgets: list[BudgetTally]


async def process_row(db: asyncpg.Pool[Any], process_id: UUID) -> asyncpg.Record | None:
    return await db.fetchrow(f"select * from {TALLIES}.processes where process_id = $1", process_id)


async def snapshot(
    db: asyncpg.Pool[Any], process_id: UUID
) -> tuple[TallySnapshot, OutcomeInput] | None:
    """The process's tally as one consistent read (one transaction, repeatable read), without
    its winners, and what counting them takes."""
    async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        p = await conn.fetchrow(
            f"select t.*, coalesce(r.title, '') as title, coalesce(r.title_en, '') as title_en "
            f"from {TALLIES}.processes t left join {PROCESSES}.processes r using (process_id) "
            "where t.process_id = $1",
            process_id,
        )
        if p is None:
            return None
        budgets = await conn.fetch(
            f"select * from {TALLIES}.budgets where process_id = $1 and amount_ore is not null "
            "order by local_area",
            process_id,
        )
        scores = await conn.fetch(
            f"select s.*, coalesce(p.title, '') as title, "
            "coalesce(p.incompatible_with, '{}') as incompatible_with "
            f"from {TALLIES}.scores s left join {PROPOSALS}.proposals p using (proposal_id) "
            "where s.process_id = $1 and s.on_ballot order by s.score desc, s.proposal_id",
            process_id,
        )
        groups = await conn.fetch(
            f"select local_area, scores, count(*)::int as voters from {TALLIES}.streams "
            "where process_id = $1 and active group by local_area, scores",
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
    snap = TallySnapshot(
        process_id=process_id,
        version=p["version"],
        as_of=p["updated_at"].isoformat(),
        phase=p["phase"],
        title=p["title"],
        title_en=p["title_en"],
        ballot_format=p["ballot_format"],
        ballot_format_words=(
            in_words(BALLOT_FORMAT_NAMES, p["ballot_format"]) if p["ballot_format"] else None
        ),
        tally_rule=p["tally_rule"],
        tally_rule_words=in_words(TALLY_RULE_NAMES, p["tally_rule"]),
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
    return snap, _outcome_input(p, budgets, scores, groups)


def with_outcome(snap: TallySnapshot, outcome: Outcome | None) -> TallySnapshot:
    """The snapshot with each budget's winners from `outcome` (none without one)."""
    if outcome is None:
        return snap
    budgets = [
        b.model_copy(update={"selected": list(outcome.selected.get(b.local_area, ()))})
        for b in snap.budgets
    ]
    return snap.model_copy(update={"budgets": budgets, "outcome_version": outcome.version})


def _outcome_input(
    process: asyncpg.Record,
    budgets: list[asyncpg.Record],
    scores: list[asyncpg.Record],
    groups: list[asyncpg.Record],
) -> OutcomeInput:
    prices: dict[str, dict[UUID, int]] = {}
    marked: list[tuple[UUID, UUID]] = []
    for r in scores:
        prices.setdefault(r["local_area"], {})[r["proposal_id"]] = r["price_ore"] or 0
        marked.extend((r["proposal_id"], other) for other in r["incompatible_with"])
    ballots: dict[str, list[tuple[dict[str, int], int]]] = {}
    for g in groups:
        ballots.setdefault(g["local_area"], []).append((g["scores"], g["voters"]))
    fmt = process["ballot_format"]
    return OutcomeInput(
        ballot_format=None if fmt is None else BallotFormat(fmt),
        rule=TallyRule(process["tally_rule"]),
        budgets={
            b["local_area"]: LiveBudget(
                b["amount_ore"], prices.get(b["local_area"], {}), ballots.get(b["local_area"], [])
            )
            for b in budgets
        },
        pairs=pairs_of(marked),
    )


async def versions(db: asyncpg.Pool[Any], process_ids: list[UUID]) -> dict[UUID, int]:
    rows = await db.fetch(
        f"select process_id, version from {TALLIES}.processes where process_id = any($1::uuid[])",
        process_ids,
    )
    return {r["process_id"]: r["version"] for r in rows}
