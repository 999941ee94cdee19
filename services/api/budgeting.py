"""HTTP routes for budgeting processes and proposals."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID, uuid4

import asyncpg
from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from services.api.deps import Admin, Citizen, CorrelationId, IfMatch, meta_for
from services.api.handlers import Aggregate, execute, load
from services.api.money import Kroner, from_ore
from services.domain import budgeting as domain

router = APIRouter(prefix="/api/v1", tags=["budgeting"])

PROCESS = Aggregate(domain.PROCESS_INITIAL, domain.evolve_process)
PROPOSAL = Aggregate(domain.PROPOSAL_INITIAL, domain.evolve_proposal)

Text = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(max_length=10_000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ProcessIn(Strict):
    title: Text
    municipality: Annotated[str, Field(min_length=1, max_length=100)]
    description: LongText = ""


class ProposalIn(Strict):
    title: Text
    description: LongText
    estimated_cost: Kroner
    local_area: Text
    core_task: Text


class ProposalPatch(Strict):
    title: Text | None = None
    description: LongText | None = None
    estimated_cost: Kroner | None = None
    local_area: Text | None = None
    core_task: Text | None = None


class WithdrawIn(Strict):
    reason: LongText = ""


class Created(BaseModel):
    id: UUID
    version: int


class ProposalOut(BaseModel):
    id: UUID
    process_id: UUID
    title: str
    description: str
    estimated_cost: str = Field(description="Kroner, decimal string with two decimals")
    estimated_cost_ore: int
    local_area: str
    core_task: str
    status: str
    version: int


def _store(request: Request) -> Any:
    return request.app.state.store


def _schema(request: Request) -> str:
    return str(request.app.state.proposals_schema)


def _if_match(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip().strip('"').removeprefix("W/").strip('"'))
    except ValueError as exc:
        raise HTTPException(422, "If-Match must be the proposal's version number") from exc


@router.post("/processes", status_code=201, response_model=Created)
async def create_process(
    body: ProcessIn,
    request: Request,
    principal: Admin,
    x_correlation_id: CorrelationId = None,
) -> Created:
    process_id = uuid4()
    command = domain.CreateProcess(process_id, body.title, body.municipality, body.description)
    stored = await execute(
        _store(request),
        PROCESS,
        domain.process_stream(process_id),
        lambda state: domain.decide_process(command, state),
        meta_for(principal, x_correlation_id),
    )
    return Created(id=process_id, version=stored[-1].stream_version)


@router.post("/processes/{process_id}/proposals", status_code=201, response_model=Created)
async def submit_proposal(
    process_id: UUID,
    body: ProposalIn,
    request: Request,
    principal: Citizen,
    x_correlation_id: CorrelationId = None,
) -> Created:
    store = _store(request)
    process = await load(store, PROCESS, domain.process_stream(process_id))
    proposal_id = uuid4()
    command = domain.SubmitProposal(
        proposal_id=proposal_id,
        process_id=process_id,
        author=principal.subject,
        title=body.title,
        description=body.description,
        estimated_cost_ore=body.estimated_cost,
        local_area=body.local_area,
        core_task=body.core_task,
    )
    stored = await execute(
        store,
        PROPOSAL,
        domain.proposal_stream(proposal_id),
        lambda state: domain.decide_proposal(command, state, process.state),
        meta_for(principal, x_correlation_id),
    )
    return Created(id=proposal_id, version=stored[-1].stream_version)


@router.patch("/processes/{process_id}/proposals/{proposal_id}", response_model=Created)
async def edit_proposal(
    process_id: UUID,
    proposal_id: UUID,
    body: ProposalPatch,
    request: Request,
    principal: Citizen,
    if_match: IfMatch = None,
    x_correlation_id: CorrelationId = None,
) -> Created:
    store = _store(request)
    process = await load(store, PROCESS, domain.process_stream(process_id))
    command = domain.EditProposal(
        proposal_id=proposal_id,
        editor=principal.subject,
        title=body.title,
        description=body.description,
        estimated_cost_ore=body.estimated_cost,
        local_area=body.local_area,
        core_task=body.core_task,
    )
    stream = domain.proposal_stream(proposal_id)
    stored = await execute(
        store,
        PROPOSAL,
        stream,
        lambda state: domain.decide_proposal(command, _in(state, process_id), process.state),
        meta_for(principal, x_correlation_id),
        expected_version=_if_match(if_match),
    )
    version = stored[-1].stream_version if stored else len(await store.load(stream))
    return Created(id=proposal_id, version=version)


@router.post("/processes/{process_id}/proposals/{proposal_id}/withdraw", response_model=Created)
async def withdraw_proposal(
    process_id: UUID,
    proposal_id: UUID,
    body: WithdrawIn,
    request: Request,
    principal: Citizen,
    if_match: IfMatch = None,
    x_correlation_id: CorrelationId = None,
) -> Created:
    store = _store(request)
    process = await load(store, PROCESS, domain.process_stream(process_id))
    command = domain.WithdrawProposal(proposal_id, principal.subject, body.reason)
    stored = await execute(
        store,
        PROPOSAL,
        domain.proposal_stream(proposal_id),
        lambda state: domain.decide_proposal(command, _in(state, process_id), process.state),
        meta_for(principal, x_correlation_id),
        expected_version=_if_match(if_match),
    )
    return Created(id=proposal_id, version=stored[-1].stream_version)


def _in(state: domain.ProposalState, process_id: UUID) -> domain.ProposalState:
    """A proposal addressed under another process is, for that process, not there."""
    return state if state.process_id == process_id else domain.PROPOSAL_INITIAL


@router.get("/processes/{process_id}/proposals", response_model=list[ProposalOut])
async def list_proposals(
    process_id: UUID,
    request: Request,
    response: Response,
    include_withdrawn: bool = False,
) -> list[ProposalOut]:
    pool: asyncpg.Pool[Any] = request.app.state.pool
    s = _schema(request)
    rows = await pool.fetch(
        f"select * from {s}.proposals where process_id = $1 "
        "and (status <> 'withdrawn' or $2) order by submitted_at, proposal_id",
        process_id,
        include_withdrawn,
    )
    if not rows and not await _process_exists(request, process_id):
        raise HTTPException(404, f"process {process_id} does not exist")
    return [_out(r) for r in rows]


@router.get("/processes/{process_id}/proposals/{proposal_id}", response_model=ProposalOut)
async def get_proposal(process_id: UUID, proposal_id: UUID, request: Request) -> ProposalOut:
    pool: asyncpg.Pool[Any] = request.app.state.pool
    row = await pool.fetchrow(
        f"select * from {_schema(request)}.proposals where process_id = $1 and proposal_id = $2",
        process_id,
        proposal_id,
    )
    if row is None:
        raise HTTPException(404, f"proposal {proposal_id} is not listed in process {process_id}")
    return _out(row)


async def _process_exists(request: Request, process_id: UUID) -> bool:
    loaded = await load(_store(request), PROCESS, domain.process_stream(process_id))
    return loaded.state.exists


def _out(r: asyncpg.Record) -> ProposalOut:
    return ProposalOut(
        id=r["proposal_id"],
        process_id=r["process_id"],
        title=r["title"],
        description=r["description"],
        estimated_cost=from_ore(r["estimated_cost_ore"]),
        estimated_cost_ore=r["estimated_cost_ore"],
        local_area=r["local_area"],
        core_task=r["core_task"],
        status=r["status"],
        version=r["version"],
    )
