"""HTTP routes after voting: the allocation (tallied, then decided by an administrator), the
budget ledger per area (disburse, return) and implementation tracking; and their reads."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID, uuid4

import asyncpg
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, field_validator
from pydantic_core import PydanticCustomError

from events.budgeting_common import ProjectFunding
from events.budgeting_followup import ImplementationStatus
from services.api.bounds import LongText, Percent, Strict, Text
from services.api.budgeting.edge import now, process_of, schema
from services.api.budgeting.tally.routes import OutcomeHidden
from services.api.deps import AdminCall, Call, Overseer, Recorded, StaffCall, pool
from services.api.money import Kroner, PositiveKroner, from_ore
from services.api.refusals import Refused
from services.application import allocation
from services.application.budgeting import on_implementation, on_ledger, process_not_found
from services.domain.budgeting import implementation, ledger
from services.texts.request import RequestMsg

router = APIRouter(prefix="/api/v1/processes/{process_id}", tags=["allocation and follow-up"])


class FundingIn(Strict):
    proposal_id: UUID
    amount: Kroner = Field(description="Kroner; less than the price means partial funding")


class DecisionIn(Strict):
    """Confirm the tally's proposal (`confirm: true`), or deviate: `funded` and a `reason`."""

    confirm: bool = False
    funded: list[FundingIn] | None = Field(default=None, max_length=1000)
    reason: LongText = ""


class AllocationRecorded(BaseModel):
    local_area: str
    version: int
    funded: list[dict[str, Any]]
    ballots_counted: int | None = None
    skipped: list[dict[str, Any]] = Field(
        default=[],
        description="Projects the count left out: incompatible with one it selected before",
    )


class FundsIn(Strict):
    proposal_id: UUID
    amount: PositiveKroner
    reference: Annotated[str, Field(max_length=200)] = ""


class ReturnIn(Strict):
    proposal_id: UUID
    amount: PositiveKroner
    reason: LongText = ""


class ImplementationIn(Strict):
    status: ImplementationStatus
    progress_percent: Percent
    note: LongText = ""


class MilestoneIn(Strict):
    title: Text
    due_on: date | None = None


class MilestoneDoneIn(Strict):
    completed_on: date = Field(description="Today or earlier: a milestone is done when it is")

    @field_validator("completed_on")
    @classmethod
    def _not_in_the_future(cls, value: date) -> date:
        # A day's grace: the caller's today may be ahead of UTC's.
        if value > datetime.now(UTC).date() + timedelta(days=1):
            raise PydanticCustomError(
                "date_in_future", "a milestone cannot be completed in the future"
            )
        return value


def _funded_out(funded: tuple[ProjectFunding, ...]) -> list[dict[str, Any]]:
    return [
        {"proposal_id": f.proposal_id, "amount": from_ore(f.amount_ore), "amount_ore": f.amount_ore}
        for f in funded
    ]


@router.post("/allocations/{local_area}/propose", response_model=AllocationRecorded)
async def propose_allocation(
    process_id: UUID,
    local_area: str,
    call: AdminCall,
) -> AllocationRecorded:
    """Count the area's ballots with the process's tally rule and record the outcome as the
    allocation proposal (in the tallying phase)."""
    cmd, version = await allocation.propose_allocation(
        call.store, pool(call.request), process_id, local_area, call.meta()
    )
    return AllocationRecorded(
        local_area=local_area,
        version=version,
        funded=_funded_out(cmd.funded),
        ballots_counted=cmd.ballots_counted,
        skipped=[s.model_dump(mode="json") for s in cmd.skipped],
    )


@router.post("/allocations/{local_area}/decide", response_model=AllocationRecorded)
async def decide_allocation(
    process_id: UUID,
    local_area: str,
    body: DecisionIn,
    call: AdminCall,
) -> AllocationRecorded:
    """Decide the area's allocation: confirm the proposal, or deviate with a written reason
    (partial funding allowed). After the decision the results are frozen."""
    await process_of(call.request, process_id)
    if body.confirm == (body.funded is not None):
        raise _either()
    funded = (
        None
        if body.funded is None
        else tuple(
            ProjectFunding(proposal_id=f.proposal_id, amount_ore=f.amount) for f in body.funded
        )
    )
    decided, version = await allocation.decide_allocation(
        call.store,
        pool(call.request),
        process_id,
        local_area,
        call.principal.subject,
        funded,
        body.reason,
        call.meta(),
    )
    return AllocationRecorded(local_area=local_area, version=version, funded=_funded_out(decided))


def _either() -> Exception:
    return Refused(RequestMsg.ALLOCATION_CHOICE)


# --- ledger ----------------------------------------------------------------------------------


async def _ledger_command(call: Call, cmd: ledger.LedgerCommand) -> Recorded:
    process = (await process_of(call.request, cmd.process_id)).state
    version = await on_ledger(call.store, process, cmd, call.meta())
    return Recorded(id=cmd.process_id, version=version)


@router.post("/ledger/{local_area}/disbursements", response_model=Recorded)
async def disburse(
    process_id: UUID,
    local_area: str,
    body: FundsIn,
    call: AdminCall,
) -> Recorded:
    """Pay out (part of) a funded project's allocation; never more than is outstanding."""
    cmd = ledger.DisburseFunds(
        process_id, local_area, body.proposal_id, body.amount, now(), body.reference
    )
    return await _ledger_command(call, cmd)


@router.post("/ledger/{local_area}/returns", response_model=Recorded)
async def return_funds(
    process_id: UUID,
    local_area: str,
    body: ReturnIn,
    call: AdminCall,
) -> Recorded:
    """Allocated money a project will not use goes back to the area's remaining budget."""
    cmd = ledger.ReturnFunds(
        process_id, local_area, body.proposal_id, body.amount, now(), body.reason
    )
    return await _ledger_command(call, cmd)


# --- implementation --------------------------------------------------------------------------


async def _implementation_command(
    call: Call, cmd: implementation.ImplementationCommand
) -> Recorded:
    process = (await process_of(call.request, cmd.process_id)).state
    version = await on_implementation(call.store, process, cmd, call.meta())
    return Recorded(id=cmd.proposal_id, version=version)


@router.put("/proposals/{proposal_id}/implementation", response_model=Recorded)
async def update_implementation(
    process_id: UUID,
    proposal_id: UUID,
    body: ImplementationIn,
    call: StaffCall,
) -> Recorded:
    """Status and progress of a funded project."""
    cmd = implementation.UpdateImplementation(
        process_id, proposal_id, body.status, body.progress_percent, now(), body.note
    )
    return await _implementation_command(call, cmd)


@router.post("/proposals/{proposal_id}/milestones", response_model=Recorded, status_code=201)
async def add_milestone(
    process_id: UUID,
    proposal_id: UUID,
    body: MilestoneIn,
    call: StaffCall,
) -> Recorded:
    """Add a milestone; answers the milestone's id and the implementation stream's version."""
    milestone_id = uuid4()
    cmd = implementation.AddMilestone(
        process_id, proposal_id, milestone_id, body.title, body.due_on
    )
    recorded = await _implementation_command(call, cmd)
    return Recorded(id=milestone_id, version=recorded.version)


@router.post("/proposals/{proposal_id}/milestones/{milestone_id}/complete", response_model=Recorded)
async def complete_milestone(
    process_id: UUID,
    proposal_id: UUID,
    milestone_id: UUID,
    body: MilestoneDoneIn,
    call: StaffCall,
) -> Recorded:
    cmd = implementation.CompleteMilestone(process_id, proposal_id, milestone_id, body.completed_on)
    return await _implementation_command(call, cmd)


# --- reads -----------------------------------------------------------------------------------


class AllocationOut(BaseModel):
    local_area: str
    proposed_rule: str | None
    proposed: list[dict[str, Any]] | None
    ballots_counted: int | None
    input_hash: str | None
    decided: list[dict[str, Any]] | None
    confirmed: bool | None
    reason: str | None


class LedgerProject(BaseModel):
    proposal_id: UUID
    title: str = Field(description="The proposal's title (from the catalog)")
    allocated: str
    disbursed: str
    returned: str
    outstanding: str


UNDER_EMBARGO = "null while the results are under embargo for the caller"


class LedgerArea(BaseModel):
    local_area: str
    budget: str
    allocated: str | None = Field(description=UNDER_EMBARGO)
    disbursed: str
    returned: str
    remaining: str | None = Field(description=f"budget - allocated + returned; {UNDER_EMBARGO}")
    outstanding: str | None = Field(
        description=f"allocated - returned - disbursed; {UNDER_EMBARGO}"
    )
    budget_ore: int
    allocated_ore: int | None
    disbursed_ore: int
    returned_ore: int
    remaining_ore: int | None
    outstanding_ore: int | None
    projects: list[LedgerProject] = Field(description="Empty while under embargo for the caller")


class ParticipationArea(BaseModel):
    local_area: str
    eligible: int
    ballots: int
    turnout_percent: float | None = Field(description="ballots ÷ eligible × 100, one decimal")
    by_channel: dict[str, int]


def _money(
    items: list[dict[str, Any]] | None, titles: dict[UUID, str]
) -> list[dict[str, Any]] | None:
    """Each funded project with its amount in kroner and its title."""
    if items is None:
        return None
    return [
        {
            **i,
            "amount": from_ore(i["amount_ore"]),
            "title": titles.get(UUID(str(i["proposal_id"])), ""),
        }
        for i in items
    ]


async def _titles(db: Any, process_id: UUID) -> dict[UUID, str]:
    """The process's proposals by id: their titles, as the catalog shows them."""
    rows = await db.fetch(
        f"select proposal_id, title from {schema('proposals')}.proposals where process_id = $1",
        process_id,
    )
    return {r["proposal_id"]: r["title"] for r in rows}


async def _require_listed(request: Request, process_id: UUID) -> None:
    found = await pool(request).fetchval(
        f"select 1 from {schema('processes')}.processes where process_id = $1", process_id
    )
    if found is None:
        raise process_not_found()


@router.get("/allocations", response_model=list[AllocationOut])
async def allocations(
    process_id: UUID, request: Request, principal: Overseer, hidden: OutcomeHidden
) -> list[AllocationOut]:
    """Allocation proposals and decisions per area (administrators and auditors; staff too
    once the outcome may be seen, as the tally's embargo says)."""
    await _require_listed(request, process_id)
    if hidden:
        raise Refused(RequestMsg.RESULTS_EMBARGOED)
    rows = await pool(request).fetch(
        f"select * from {schema('processes')}.allocations where process_id = $1 "
        "order by local_area",
        process_id,
    )
    titles = await _titles(pool(request), process_id)
    return [
        AllocationOut(
            local_area=r["local_area"],
            proposed_rule=r["proposed_rule"],
            proposed=_money(r["proposed"], titles),
            ballots_counted=r["ballots_counted"],
            input_hash=r["input_hash"],
            decided=_money(r["decided"], titles),
            confirmed=r["confirmed"],
            reason=r["reason"],
        )
        for r in rows
    ]


@router.get("/ledger", response_model=list[LedgerArea])
async def ledger_view(
    process_id: UUID, request: Request, hidden: OutcomeHidden
) -> list[LedgerArea]:
    """The budget ledger per local area (public); it always balances to the budget. Until the
    results are published, citizens and anonymous callers of a process under embargo see each
    budget without what is allocated (null), as the tally itself is hidden from them."""
    await _require_listed(request, process_id)
    s = schema("ledger")
    db = pool(request)
    areas = await db.fetch(
        f"select * from {s}.areas where process_id = $1 order by local_area", process_id
    )
    projects = await db.fetch(
        f"select * from {s}.projects where process_id = $1 order by proposal_id", process_id
    )
    titles = await _titles(db, process_id) if projects and not hidden else {}
    out = []
    for a in areas:
        if hidden:
            out.append(_embargoed_area(a))
            continue
        remaining = a["budget_ore"] - a["allocated_ore"] + a["returned_ore"]
        outstanding = a["allocated_ore"] - a["returned_ore"] - a["disbursed_ore"]
        out.append(
            LedgerArea(
                local_area=a["local_area"],
                budget=from_ore(a["budget_ore"]),
                allocated=from_ore(a["allocated_ore"]),
                disbursed=from_ore(a["disbursed_ore"]),
                returned=from_ore(a["returned_ore"]),
                remaining=from_ore(remaining),
                outstanding=from_ore(outstanding),
                budget_ore=a["budget_ore"],
                allocated_ore=a["allocated_ore"],
                disbursed_ore=a["disbursed_ore"],
                returned_ore=a["returned_ore"],
                remaining_ore=remaining,
                outstanding_ore=outstanding,
                projects=[
                    LedgerProject(
                        proposal_id=p["proposal_id"],
                        title=titles.get(p["proposal_id"], ""),
                        allocated=from_ore(p["allocated_ore"]),
                        disbursed=from_ore(p["disbursed_ore"]),
                        returned=from_ore(p["returned_ore"]),
                        outstanding=from_ore(
                            p["allocated_ore"] - p["disbursed_ore"] - p["returned_ore"]
                        ),
                    )
                    for p in projects
                    if p["local_area"] == a["local_area"]
                ],
            )
        )
    return out


def _embargoed_area(a: asyncpg.Record) -> LedgerArea:
    """A budget as the ledger shows it under embargo: nothing allocated is told. Money moves
    only after the results are published, so disbursed and returned are still nothing."""
    return LedgerArea(
        local_area=a["local_area"],
        budget=from_ore(a["budget_ore"]),
        allocated=None,
        disbursed=from_ore(a["disbursed_ore"]),
        returned=from_ore(a["returned_ore"]),
        remaining=None,
        outstanding=None,
        budget_ore=a["budget_ore"],
        allocated_ore=None,
        disbursed_ore=a["disbursed_ore"],
        returned_ore=a["returned_ore"],
        remaining_ore=None,
        outstanding_ore=None,
        projects=[],
    )


@router.get("/participation", response_model=list[ParticipationArea])
async def participation(process_id: UUID, request: Request) -> list[ParticipationArea]:
    """Active ballots ÷ eligible voters per local area (public)."""
    await _require_listed(request, process_id)
    s = schema("participation")
    db = pool(request)
    areas = await db.fetch(
        f"select * from {s}.areas where process_id = $1 order by local_area", process_id
    )
    counts = await db.fetch(
        f"select local_area, channel, count(*) as n from {s}.ballot_streams "
        "where process_id = $1 and active group by local_area, channel",
        process_id,
    )
    out = []
    for a in areas:
        channels = {c["channel"]: int(c["n"]) for c in counts if c["local_area"] == a["local_area"]}
        ballots = sum(channels.values())
        eligible = a["eligible"]
        out.append(
            ParticipationArea(
                local_area=a["local_area"],
                eligible=eligible,
                ballots=ballots,
                turnout_percent=round(ballots * 100 / eligible, 1) if eligible else None,
                by_channel=channels,
            )
        )
    return out
