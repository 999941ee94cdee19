"""HTTP routes for setting up and running a budgeting process (administrator), and its overview."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Request
from pydantic import AwareDatetime, BaseModel, Field

from events.budgeting_common import BallotRules, BudgetScope, Phase, TallyRule
from services.api.bounds import Count, LongText, Strict, Text, counted
from services.api.budgeting.edge import now, process_of, schema
from services.api.deps import AdminCall, Call, Recorded, pool
from services.api.money import Kroner, from_ore
from services.application.budgeting import on_process, process_not_found
from services.domain import budgeting as domain

router = APIRouter(prefix="/api/v1/processes", tags=["processes"])


class DetailsIn(Strict):
    title: Text | None = None
    title_en: Annotated[str, Field(max_length=200)] | None = None
    description: LongText | None = None
    description_en: LongText | None = None


class BudgetIn(Strict):
    amount: Kroner
    name: Annotated[str, Field(max_length=200)] = ""


class CoreTasksIn(Strict):
    core_tasks: list[Text] = Field(min_length=1, max_length=50)


class ScheduleIn(Strict):
    starts_at: AwareDatetime | None = Field(default=None, description="With a UTC offset")
    ends_at: AwareDatetime | None = Field(default=None, description="With a UTC offset")


class PhaseIn(Strict):
    to_phase: Phase


class RulesIn(Strict):
    rules: counted(BallotRules)
    budget_scope: BudgetScope = BudgetScope.OWN_AREA


class TallyRuleIn(Strict):
    rule: TallyRule


class LiveResultsIn(Strict):
    public: bool


class ThresholdIn(Strict):
    min_supports: Count


async def _process_command(
    call: Call,
    process_id: UUID,
    cmd: domain.ProcessCommand,
) -> Recorded:
    await process_of(call.request, process_id)  # refused here when there is no such process
    version = await on_process(call.store, process_id, cmd, call.meta())
    return Recorded(id=process_id, version=version)


@router.patch("/{process_id}", response_model=Recorded)
async def change_details(
    process_id: UUID,
    body: DetailsIn,
    call: AdminCall,
) -> Recorded:
    cmd = domain.ChangeProcessDetails(process_id, **body.model_dump())
    return await _process_command(call, process_id, cmd)


@router.put("/{process_id}/budgets/{local_area}", response_model=Recorded)
async def set_budget(
    process_id: UUID,
    local_area: str,
    body: BudgetIn,
    call: AdminCall,
) -> Recorded:
    cmd = domain.SetBudget(process_id, local_area.strip(), body.amount, body.name)
    return await _process_command(call, process_id, cmd)


@router.delete("/{process_id}/budgets/{local_area}", response_model=Recorded)
async def remove_budget(
    process_id: UUID,
    local_area: str,
    call: AdminCall,
) -> Recorded:
    cmd = domain.RemoveBudget(process_id, local_area)
    return await _process_command(call, process_id, cmd)


@router.put("/{process_id}/core-tasks", response_model=Recorded)
async def set_core_tasks(
    process_id: UUID,
    body: CoreTasksIn,
    call: AdminCall,
) -> Recorded:
    cmd = domain.SetCoreTasks(process_id, tuple(body.core_tasks))
    return await _process_command(call, process_id, cmd)


@router.put("/{process_id}/schedule/{phase}", response_model=Recorded)
async def schedule_phase(
    process_id: UUID,
    phase: Phase,
    body: ScheduleIn,
    call: AdminCall,
) -> Recorded:
    cmd = domain.SchedulePhase(process_id, phase, body.starts_at, body.ends_at)
    return await _process_command(call, process_id, cmd)


@router.post("/{process_id}/phase", response_model=Recorded)
async def advance_phase(
    process_id: UUID,
    body: PhaseIn,
    call: AdminCall,
) -> Recorded:
    """Move the process to its next phase now (the schedule only says when it should)."""
    cmd = domain.AdvancePhase(process_id, body.to_phase, now())
    return await _process_command(call, process_id, cmd)


@router.put("/{process_id}/ballot-rules", response_model=Recorded)
async def set_ballot_rules(
    process_id: UUID,
    body: RulesIn,
    call: AdminCall,
) -> Recorded:
    """A new version of the ballot rules; frozen once voting opens."""
    cmd = domain.SetBallotRules(process_id, body.rules, body.budget_scope)
    return await _process_command(call, process_id, cmd)


@router.put("/{process_id}/tally-rule", response_model=Recorded)
async def choose_tally_rule(
    process_id: UUID,
    body: TallyRuleIn,
    call: AdminCall,
) -> Recorded:
    cmd = domain.ChooseTallyRule(process_id, body.rule)
    return await _process_command(call, process_id, cmd)


@router.put("/{process_id}/live-results", response_model=Recorded)
async def set_live_results(
    process_id: UUID,
    body: LiveResultsIn,
    call: AdminCall,
) -> Recorded:
    cmd = domain.SetLiveResultsVisibility(process_id, body.public)
    return await _process_command(call, process_id, cmd)


@router.put("/{process_id}/support-threshold", response_model=Recorded)
async def set_support_threshold(
    process_id: UUID,
    body: ThresholdIn,
    call: AdminCall,
) -> Recorded:
    cmd = domain.SetSupportThreshold(process_id, body.min_supports)
    return await _process_command(call, process_id, cmd)


# --- reads (public) --------------------------------------------------------------------------


class BudgetOut(BaseModel):
    local_area: str
    name: str
    amount: str = Field(description="Kroner, decimal string with two decimals")
    amount_ore: int


class WindowOut(BaseModel):
    phase: Phase
    starts_at: datetime | None
    ends_at: datetime | None


class ProcessOut(BaseModel):
    id: UUID
    title: str
    title_en: str
    description: str
    description_en: str
    municipality: str
    phase: Phase
    core_tasks: list[str]
    budgets: list[BudgetOut]
    schedule: list[WindowOut]
    ballot_rules: dict[str, Any] | None
    rules_version: int
    budget_scope: BudgetScope
    tally_rule: TallyRule
    live_results_public: bool
    support_threshold: int
    minimum_age: int | None
    on_ballot: int = Field(description="Number of proposals on the ballot")
    version: int


@router.get("", response_model=list[ProcessOut])
async def list_processes(request: Request) -> list[ProcessOut]:
    db = pool(request)
    rows = await db.fetch(f"select * from {schema('processes')}.processes order by created_at")
    return [await _overview(db, r) for r in rows]


@router.get("/{process_id}", response_model=ProcessOut)
async def get_process(process_id: UUID, request: Request) -> ProcessOut:
    db = pool(request)
    row = await db.fetchrow(
        f"select * from {schema('processes')}.processes where process_id = $1", process_id
    )
    if row is None:
        raise process_not_found()
    return await _overview(db, row)


async def _overview(db: asyncpg.Pool[Any], r: asyncpg.Record) -> ProcessOut:
    s = schema("processes")
    budgets = await db.fetch(
        f"select * from {s}.budgets where process_id = $1 order by local_area", r["process_id"]
    )
    windows = await db.fetch(f"select * from {s}.schedule where process_id = $1", r["process_id"])
    on_ballot = await db.fetchval(
        f"select count(*) from {s}.ballot_items where process_id = $1", r["process_id"]
    )
    order = list(Phase)
    return ProcessOut(
        id=r["process_id"],
        title=r["title"],
        title_en=r["title_en"],
        description=r["description"],
        description_en=r["description_en"],
        municipality=r["municipality"],
        phase=Phase(r["phase"]),
        core_tasks=list(r["core_tasks"]),
        budgets=[
            BudgetOut(
                local_area=b["local_area"],
                name=b["name"],
                amount=from_ore(b["amount_ore"]),
                amount_ore=b["amount_ore"],
            )
            for b in budgets
        ],
        schedule=sorted(
            (
                WindowOut(phase=Phase(w["phase"]), starts_at=w["starts_at"], ends_at=w["ends_at"])
                for w in windows
            ),
            key=lambda w: order.index(w.phase),
        ),
        ballot_rules=r["rules"],
        rules_version=r["rules_version"],
        budget_scope=BudgetScope(r["budget_scope"]),
        tally_rule=TallyRule(r["tally_rule"]),
        live_results_public=r["live_results_public"],
        support_threshold=r["support_threshold"],
        minimum_age=r["minimum_age"],
        on_ballot=int(on_ballot),
        version=r["version"],
    )
