"""HTTP routes for budgeting processes and proposals."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID, uuid4

import asyncpg
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from events.budgeting_common import DEFAULT_CORE_TASKS, Budget, Location, Phase
from services.api.bounds import LongText, Strict, Text
from services.api.budgeting.edge import process_of, schema
from services.api.budgeting.tally.routes import OUTCOME_STATUSES, OutcomeHidden
from services.api.deps import AdminCall, Call, CitizenCall, IfMatch, Recorded, pool
from services.api.money import Kroner, PositiveKroner, from_ore
from services.application import budgeting as use
from services.application.budgeting import PROCESS, decide_on_proposal
from services.application.commands import load
from services.domain import budgeting as domain
from services.domain.messages import BudgetingRejected, Msg

router = APIRouter(prefix="/api/v1", tags=["budgeting"])


class BudgetIn(Strict):
    local_area: Text
    amount: Kroner
    name: Annotated[str, Field(max_length=200)] = ""


class ProcessIn(Strict):
    title: Text
    municipality: Annotated[str, Field(min_length=1, max_length=100)]
    description: LongText = ""
    title_en: Annotated[str, Field(max_length=200)] = ""
    description_en: LongText = ""
    budgets: list[BudgetIn] = Field(default_factory=list, max_length=500)
    core_tasks: list[Text] = Field(default_factory=lambda: list(DEFAULT_CORE_TASKS), min_length=1)
    initial_phase: Literal[Phase.DRAFT, Phase.IDEAS] = Phase.IDEAS


class ProposalIn(Strict):
    title: Text
    description: LongText
    estimated_cost: PositiveKroner
    local_area: Text
    core_task: Text
    location: Location | None = None


class ProposalPatch(Strict):
    title: Text | None = None
    description: LongText | None = None
    estimated_cost: PositiveKroner | None = None
    local_area: Text | None = None
    core_task: Text | None = None
    location: Location | None = None


class WithdrawIn(Strict):
    reason: LongText = ""


def _details(body: ProposalIn | ProposalPatch) -> dict[str, Any]:
    """What a proposal body says of the proposal, as the command takes it (the cost in øre)."""
    details = {name: getattr(body, name) for name in type(body).model_fields}
    details["estimated_cost_ore"] = details.pop("estimated_cost")
    return details


ProposalStatus = Literal[
    "submitted",
    "feasible",
    "not_feasible",
    "on_ballot",
    "funded",
    "not_funded",
    "withdrawn",
    "merged",
]


class ProposalOut(BaseModel):
    id: UUID
    process_id: UUID
    title: str
    description: str
    estimated_cost: str = Field(description="Kroner, decimal string with two decimals")
    estimated_cost_ore: int
    local_area: str
    core_task: str
    status: str = Field(
        description="submitted, feasible, not_feasible, on_ballot, funded, not_funded, "
        "withdrawn or merged"
    )
    version: int
    revision: int
    supports: int
    feasible: bool | None
    review_reason: str
    cost_estimate: str | None
    price: str | None = Field(description="The published price citizens vote on, in kroner")
    price_ore: int | None
    on_ballot: bool
    merged_into: UUID | None
    incompatible_with: list[UUID]
    location: Location | None
    funded: str | None
    implementation_status: str | None
    progress_percent: int | None


@router.post("/processes", status_code=201, response_model=Recorded)
async def create_process(
    body: ProcessIn,
    call: AdminCall,
) -> Recorded:
    process_id = uuid4()
    command = domain.CreateProcess(
        process_id,
        body.title,
        body.municipality,
        body.description,
        title_en=body.title_en,
        description_en=body.description_en,
        budgets=tuple(
            Budget(local_area=b.local_area, amount_ore=b.amount, name=b.name) for b in body.budgets
        ),
        core_tasks=tuple(body.core_tasks),
        initial_phase=body.initial_phase,
    )
    meta = call.meta()
    version = await use.on_process(call.store, process_id, command, meta)
    return Recorded(id=process_id, version=version)


@router.post("/processes/{process_id}/proposals", status_code=201, response_model=Recorded)
async def submit_proposal(
    process_id: UUID,
    body: ProposalIn,
    call: CitizenCall,
) -> Recorded:
    process = await process_of(call.request, process_id)
    proposal_id = uuid4()
    command = domain.SubmitProposal(
        proposal_id=proposal_id,
        process_id=process_id,
        author=call.principal.subject,
        **_details(body),
    )
    meta = call.meta()
    version = await use.submit_proposal(call.store, process.state, command, meta)
    return Recorded(id=proposal_id, version=version)


@router.patch("/processes/{process_id}/proposals/{proposal_id}", response_model=Recorded)
async def edit_proposal(
    process_id: UUID,
    proposal_id: UUID,
    body: ProposalPatch,
    call: CitizenCall,
    expected: IfMatch,
) -> Recorded:
    command = domain.EditProposal(
        proposal_id=proposal_id,
        editor=call.principal.subject,
        **_details(body),
    )
    return await _on_proposal(call, process_id, command, expected)


@router.post("/processes/{process_id}/proposals/{proposal_id}/withdraw", response_model=Recorded)
async def withdraw_proposal(
    process_id: UUID,
    proposal_id: UUID,
    body: WithdrawIn,
    call: CitizenCall,
    expected: IfMatch,
) -> Recorded:
    command = domain.WithdrawProposal(proposal_id, call.principal.subject, body.reason)
    return await _on_proposal(call, process_id, command, expected)


async def _on_proposal(
    call: Call,
    process_id: UUID,
    command: domain.EditProposal | domain.WithdrawProposal,
    expected: int | None,
) -> Recorded:
    """The author's command on their proposal, decided against the process as stored."""
    es = call.store
    process = await load(es, PROCESS, domain.process_stream(process_id))
    version = await decide_on_proposal(
        es,
        process.state,
        process_id,
        command.proposal_id,
        command,
        call.meta(),
        expected_version=expected,
    )
    return Recorded(id=command.proposal_id, version=version)


@router.get("/processes/{process_id}/proposals", response_model=list[ProposalOut])
async def list_proposals(
    process_id: UUID,
    request: Request,
    response: Response,
    hidden: OutcomeHidden,
    include_withdrawn: bool = False,
    local_area: str | None = None,
    core_task: str | None = None,
    status: Annotated[list[ProposalStatus] | None, Query()] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Text search (Danish stemming)")
    ] = None,
) -> list[ProposalOut]:
    """The catalog from the read model, filtered by area, core task, status and text."""
    s = schema("proposals")
    if hidden and status is not None:  # under embargo funded and not funded read as on_ballot
        status = [x for x in status if x not in OUTCOME_STATUSES]
        status += ["funded", "not_funded"] if "on_ballot" in status else []
        if not status:
            return []
    rows = await pool(request).fetch(
        f"select * from {s}.proposals where process_id = $1 "
        "and (status not in ('withdrawn', 'merged') or $2 or $5::text[] is not null) "
        "and ($3::text is null or local_area = $3) and ($4::text is null or core_task = $4) "
        "and ($5::text[] is null or status = any($5)) "
        "and ($6::text is null or search @@ websearch_to_tsquery('danish', $6)) "
        "order by submitted_at, proposal_id",
        process_id,
        include_withdrawn,
        local_area,
        core_task,
        status,
        q,
    )
    if not rows:
        await process_of(request, process_id)  # none, or no such process
    return [_out(r, hidden) for r in rows]


@router.get("/processes/{process_id}/proposals/{proposal_id}", response_model=ProposalOut)
async def get_proposal(
    process_id: UUID, proposal_id: UUID, request: Request, hidden: OutcomeHidden
) -> ProposalOut:
    return _out(await _proposal_row(request, process_id, proposal_id), hidden)


async def _proposal_row(request: Request, process_id: UUID, proposal_id: UUID) -> asyncpg.Record:
    """The proposal as the catalog holds it; refused when the process has no such proposal."""
    row: asyncpg.Record | None = await pool(request).fetchrow(
        f"select * from {schema('proposals')}.proposals where process_id = $1 and proposal_id = $2",
        process_id,
        proposal_id,
    )
    if row is None:
        raise BudgetingRejected(Msg.PROPOSAL_NOT_FOUND)
    return row


def _out(r: asyncpg.Record, hidden: bool = False) -> ProposalOut:
    """A proposal as the catalog shows it; `hidden`: the outcome is under embargo."""
    outcome = hidden and r["status"] in OUTCOME_STATUSES
    return ProposalOut(
        id=r["proposal_id"],
        process_id=r["process_id"],
        title=r["title"],
        description=r["description"],
        estimated_cost=from_ore(r["estimated_cost_ore"]),
        estimated_cost_ore=r["estimated_cost_ore"],
        local_area=r["local_area"],
        core_task=r["core_task"],
        status="on_ballot" if outcome else r["status"],
        version=r["version"],
        revision=r["revision"],
        supports=r["supports"],
        feasible=r["feasible"],
        review_reason=r["review_reason"],
        cost_estimate=_kr(r["cost_estimate_ore"]),
        price=_kr(r["price_ore"]),
        price_ore=r["price_ore"],
        on_ballot=r["on_ballot"],
        merged_into=r["merged_into"],
        incompatible_with=list(r["incompatible_with"]),
        location=None if r["location"] is None else Location.model_validate(r["location"]),
        funded=None if hidden else _kr(r["funded_ore"]),
        # only a funded project gets an implementation status: under embargo it would tell
        implementation_status=None if hidden else r["implementation_status"],
        progress_percent=None if hidden else r["progress_percent"],
    )


def _kr(ore: int | None) -> str | None:
    return None if ore is None else from_ore(ore)


class MilestoneOut(BaseModel):
    id: UUID
    title: str
    due_on: date | None
    completed_on: date | None


class ImplementationOut(BaseModel):
    proposal_id: UUID
    status: str | None
    progress_percent: int | None
    note: str
    funded: str | None
    milestones: list[MilestoneOut]


@router.get(
    "/processes/{process_id}/proposals/{proposal_id}/implementation",
    response_model=ImplementationOut,
)
async def get_implementation(
    process_id: UUID, proposal_id: UUID, request: Request, hidden: OutcomeHidden
) -> ImplementationOut:
    """How far a funded project has come: status, progress and milestones (public)."""
    row = await _proposal_row(request, process_id, proposal_id)
    milestones = await pool(request).fetch(
        f"select * from {schema('proposals')}.milestones where proposal_id = $1 "
        "order by due_on nulls last, title, milestone_id",
        proposal_id,
    )
    return ImplementationOut(
        proposal_id=proposal_id,
        status=None if hidden else row["implementation_status"],
        progress_percent=None if hidden else row["progress_percent"],
        note=row["implementation_note"],
        funded=None if hidden else _kr(row["funded_ore"]),
        milestones=[
            MilestoneOut(
                id=m["milestone_id"],
                title=m["title"],
                due_on=m["due_on"],
                completed_on=m["completed_on"],
            )
            for m in milestones
        ],
    )
