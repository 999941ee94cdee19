"""HTTP routes for what happens to a proposal after submission: supports (citizens), merge,
review, cost estimate, incompatibility, price and the ballot (staff), and its public history."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from events.base import Role
from services.api.bounds import LongText, Strict
from services.api.budgeting.edge import process_of
from services.api.deps import Call, CitizenCall, Recorded, StaffCall, store
from services.api.money import PositiveKroner
from services.application.budgeting import decide_on_proposal, load_proposal, on_process
from services.domain import budgeting as domain
from services.domain.messages import BudgetingRejected, Msg

router = APIRouter(prefix="/api/v1/processes/{process_id}/proposals", tags=["proposals"])


class MergeIn(Strict):
    into_proposal_id: UUID
    reason: LongText = ""


class ReviewIn(Strict):
    feasible: bool
    reason: LongText = ""


class CostIn(Strict):
    cost: PositiveKroner
    note: LongText = ""


class IncompatibleIn(Strict):
    other_proposal_id: UUID
    reason: LongText = ""


class PriceIn(Strict):
    price: PositiveKroner | None = Field(
        default=None, description="Kroner; when left out, staff's cost estimate is published"
    )


async def _proposal_command(
    call: Call,
    process_id: UUID,
    proposal_id: UUID,
    cmd: domain.ProposalCommand,
    other_id: UUID | None = None,
) -> Recorded:
    es = call.store
    process = await process_of(call.request, process_id)
    other = None
    if other_id is not None:
        other = (await load_proposal(es, process_id, other_id)).state
    version = await decide_on_proposal(
        es, process.state, process_id, proposal_id, cmd, call.meta(), other
    )
    return Recorded(id=proposal_id, version=version)


@router.post("/{proposal_id}/support", response_model=Recorded)
async def support(
    process_id: UUID,
    proposal_id: UUID,
    call: CitizenCall,
) -> Recorded:
    """Support a proposal (once per citizen), in the supports phase."""
    cmd = domain.SupportProposal(proposal_id, call.principal.subject)
    return await _proposal_command(call, process_id, proposal_id, cmd)


@router.post("/{proposal_id}/merge", response_model=Recorded)
async def merge(
    process_id: UUID,
    proposal_id: UUID,
    body: MergeIn,
    call: StaffCall,
) -> Recorded:
    """Merge this proposal (a duplicate) into `into_proposal_id`, which survives."""
    cmd = domain.MergeProposal(proposal_id, body.into_proposal_id, body.reason)
    return await _proposal_command(call, process_id, proposal_id, cmd, body.into_proposal_id)


@router.post("/{proposal_id}/review", response_model=Recorded)
async def review(
    process_id: UUID,
    proposal_id: UUID,
    body: ReviewIn,
    call: StaffCall,
) -> Recorded:
    """Feasible or not; not feasible needs a reason."""
    cmd = domain.ReviewProposal(proposal_id, body.feasible, body.reason)
    return await _proposal_command(call, process_id, proposal_id, cmd)


@router.post("/{proposal_id}/cost-estimate", response_model=Recorded)
async def estimate_cost(
    process_id: UUID,
    proposal_id: UUID,
    body: CostIn,
    call: StaffCall,
) -> Recorded:
    cmd = domain.EstimateCost(proposal_id, body.cost, body.note)
    return await _proposal_command(call, process_id, proposal_id, cmd)


@router.post("/{proposal_id}/incompatible", response_model=Recorded)
async def mark_incompatible(
    process_id: UUID,
    proposal_id: UUID,
    body: IncompatibleIn,
    call: StaffCall,
) -> Recorded:
    """The two proposals cannot both win."""
    cmd = domain.MarkIncompatible(proposal_id, body.other_proposal_id, body.reason)
    return await _proposal_command(call, process_id, proposal_id, cmd, body.other_proposal_id)


@router.post("/{proposal_id}/price", response_model=Recorded)
async def publish_price(
    process_id: UUID,
    proposal_id: UUID,
    body: PriceIn,
    call: StaffCall,
) -> Recorded:
    """Publish the price citizens vote on (staff's estimate unless `price` is given)."""
    cmd = domain.PublishPrice(proposal_id, body.price)
    return await _proposal_command(call, process_id, proposal_id, cmd)


@router.post("/{proposal_id}/ballot", response_model=Recorded)
async def put_on_ballot(
    process_id: UUID,
    proposal_id: UUID,
    call: StaffCall,
) -> Recorded:
    """Put a feasible, priced proposal on its area's ballot. Answers the process version."""
    return await _ballot_command(call, domain.PutOnBallot(process_id, proposal_id))


@router.delete("/{proposal_id}/ballot", response_model=Recorded)
async def remove_from_ballot(
    process_id: UUID,
    proposal_id: UUID,
    call: StaffCall,
) -> Recorded:
    return await _ballot_command(call, domain.RemoveFromBallot(process_id, proposal_id))


async def _ballot_command(
    call: Call,
    cmd: domain.PutOnBallot | domain.RemoveFromBallot,
) -> Recorded:
    """A proposal put on or taken off its area's ballot: decided on the process (the proposal's
    state read for putting it on); answers the process's version."""
    es = call.store
    await process_of(call.request, cmd.process_id)  # refused here when there is no such process
    proposal = None
    if isinstance(cmd, domain.PutOnBallot):
        proposal = (await load_proposal(es, cmd.process_id, cmd.proposal_id)).state
    meta = call.meta()
    version = await on_process(es, cmd.process_id, cmd, meta, proposal)
    return Recorded(id=cmd.process_id, version=version)


# --- history (public, straight from the event store) -----------------------------------------

_PSEUDONYMS = ("author", "supporter")


class HistoryEntry(BaseModel):
    version: int
    type: str
    occurred_at: datetime
    actor_role: Role
    data: dict[str, Any] = Field(
        description="The event's payload; the pseudonyms of authors and supporters are left out"
    )


@router.get("/{proposal_id}/history", response_model=list[HistoryEntry])
async def history(process_id: UUID, proposal_id: UUID, request: Request) -> list[HistoryEntry]:
    """Every version of the proposal and everything that happened to it, oldest first."""
    envelopes = await store(request).load(domain.proposal_stream(proposal_id))
    if not envelopes or envelopes[0].data.get("process_id") != str(process_id):
        raise BudgetingRejected(Msg.PROPOSAL_NOT_FOUND)
    return [
        HistoryEntry(
            version=e.stream_version,
            type=e.type,
            occurred_at=e.occurred_at,
            actor_role=e.actor.role,
            data={k: v for k, v in e.data.items() if k not in _PSEUDONYMS},
        )
        for e in envelopes
    ]
