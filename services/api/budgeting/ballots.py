"""HTTP routes for ballots: a citizen casts, replaces and withdraws their own; staff enter paper
and assisted ballots; a voter reads their ballot and receipt; anyone checks a receipt."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from events.budgeting import BallotCast, BallotReplaced, ballot_receipt
from events.budgeting_common import BallotChannel
from events.registry import decode
from services.api.bounds import Count, Strict, Text
from services.api.budgeting.edge import now, process_of, schema
from services.api.deps import Call, Citizen, CitizenCall, StaffCall, pool
from services.api.refusals import Refused
from services.application.ballots import on_ballot
from services.application.commands import Meta
from services.auth import pseudonym
from services.domain.budgeting import ballots as domain
from services.store.eventstore import ConcurrencyConflict
from services.texts.request import RequestMsg

router = APIRouter(prefix="/api/v1/processes/{process_id}", tags=["ballots"])

RACE_ROUNDS = 3  # each round is up to three decisions (on_ballot); then a clean 409


class BallotIn(Strict):
    """One of `approvals` (approval and knapsack), `points` (cumulative) or `ranking` (ranked,
    best first) is used, as the process's ballot rules say."""

    local_area: Text
    approvals: list[UUID] = Field(default_factory=list, max_length=500)
    points: dict[UUID, Count] = Field(default_factory=dict, max_length=500)
    ranking: list[UUID] = Field(default_factory=list, max_length=500)


class PaperBallotIn(BallotIn):
    voter: Text = Field(description="The voter's identifier as in the census file")
    channel: Literal[BallotChannel.PAPER, BallotChannel.ASSISTED] = BallotChannel.PAPER


class WithdrawIn(Strict):
    local_area: Text


class PaperWithdrawIn(WithdrawIn):
    voter: Text


class BallotRecorded(BaseModel):
    receipt: str = Field(description="sha256 of the ballot event; check it at /receipts/{receipt}")
    replaced: bool = Field(description="True when this ballot replaced the voter's earlier one")
    version: int


class WithdrawnOut(BaseModel):
    version: int


async def _cast(
    call: Call,
    process_id: UUID,
    voter: str,
    body: BallotIn,
    channel: BallotChannel,
    entered_by: str | None,
) -> BallotRecorded:
    """Decide against fresh state; a lost race is decided again (it becomes a replacement or a
    clean refusal), and after RACE_ROUNDS rounds the caller gets a 409 with nothing recorded."""
    meta = call.meta()
    for _ in range(RACE_ROUNDS):
        try:
            return await _cast_once(call, meta, process_id, voter, body, channel, entered_by)
        except ConcurrencyConflict:
            continue
    raise _busy()


async def _cast_once(
    call: Call,
    meta: Meta,
    process_id: UUID,
    voter: str,
    body: BallotIn,
    channel: BallotChannel,
    entered_by: str | None,
) -> BallotRecorded:
    process = await process_of(call.request, process_id)
    cmd = domain.CastBallot(
        process_id=process_id,
        local_area=body.local_area,
        voter=voter,
        channel=channel,
        at=now(),
        nonce=secrets.token_urlsafe(24),
        approvals=tuple(body.approvals),
        points=dict(body.points),
        ranking=tuple(body.ranking),
        entered_by=entered_by,
    )
    version, stored = await on_ballot(call.store, process.state, cmd, meta)
    event = decode(stored[-1].type, stored[-1].version, stored[-1].data)
    assert isinstance(event, BallotCast | BallotReplaced)
    return BallotRecorded(
        receipt=ballot_receipt(event), replaced=isinstance(event, BallotReplaced), version=version
    )


def _busy() -> Exception:
    return Refused(RequestMsg.BALLOT_BUSY)


@router.post("/ballots", response_model=BallotRecorded)
async def cast_ballot(
    process_id: UUID,
    body: BallotIn,
    call: CitizenCall,
) -> BallotRecorded:
    """Cast your ballot on the web, or replace the one you cast (until voting closes)."""
    return await _cast(
        call,
        process_id,
        call.principal.subject,
        body,
        BallotChannel.WEB,
        None,
    )


@router.post("/ballots/paper", response_model=BallotRecorded)
async def enter_paper_ballot(
    process_id: UUID,
    body: PaperBallotIn,
    call: StaffCall,
) -> BallotRecorded:
    """Staff enter a paper or assisted ballot for a voter; a paper ballot wins over the web."""
    voter = pseudonym(call.request.app.state.keys.pseudonym, body.voter)
    return await _cast(
        call,
        process_id,
        voter,
        body,
        body.channel,
        call.principal.subject,
    )


async def _withdraw(
    call: Call,
    process_id: UUID,
    voter: str,
    local_area: str,
    by_staff: str | None,
) -> WithdrawnOut:
    process = await process_of(call.request, process_id)
    cmd = domain.WithdrawBallot(process_id, local_area, voter, now(), by_staff)
    version, _ = await on_ballot(call.store, process.state, cmd, call.meta())
    return WithdrawnOut(version=version)


@router.post("/ballots/withdraw", response_model=WithdrawnOut)
async def withdraw_ballot(
    process_id: UUID,
    body: WithdrawIn,
    call: CitizenCall,
) -> WithdrawnOut:
    """Withdraw your web ballot in an area (a paper ballot is withdrawn by staff)."""
    return await _withdraw(call, process_id, call.principal.subject, body.local_area, None)


@router.post("/ballots/paper/withdraw", response_model=WithdrawnOut)
async def withdraw_paper_ballot(
    process_id: UUID,
    body: PaperWithdrawIn,
    call: StaffCall,
) -> WithdrawnOut:
    voter = pseudonym(call.request.app.state.keys.pseudonym, body.voter)
    return await _withdraw(call, process_id, voter, body.local_area, call.principal.subject)


# --- reads -----------------------------------------------------------------------------------


class MyBallot(BaseModel):
    local_area: str
    channel: BallotChannel
    ballot_format: str
    rules_version: int
    approvals: list[UUID]
    points: dict[UUID, int]
    ranking: list[UUID]
    receipt: str
    active: bool
    times_cast: int
    cast_at: datetime
    withdrawn_at: datetime | None


class MyReceipt(BaseModel):
    local_area: str
    receipt: str
    status: str = Field(description="counted, or withdrawn")


class ReceiptCheck(BaseModel):
    receipt: str
    status: str = Field(description="counted, replaced (by a newer ballot) or withdrawn")
    counted: bool


async def _mine(request: Request, process_id: UUID, voter: str) -> list[Any]:
    return list(
        await pool(request).fetch(
            f"select * from {schema('ballots')}.ballots where process_id = $1 and voter = $2 "
            "order by local_area",
            process_id,
            voter,
        )
    )


@router.get("/ballots/mine", response_model=list[MyBallot])
async def my_ballot(process_id: UUID, request: Request, principal: Citizen) -> list[MyBallot]:
    """Your ballot (one per budget you voted in), as recorded; nobody else can read it."""
    return [
        MyBallot(
            local_area=r["local_area"],
            channel=BallotChannel(r["channel"]),
            ballot_format=r["ballot_format"],
            rules_version=r["rules_version"],
            approvals=r["choices"]["approvals"],
            points=r["choices"]["points"],
            ranking=r["choices"]["ranking"],
            receipt=r["receipt"],
            active=r["active"],
            times_cast=r["times_cast"],
            cast_at=r["cast_at"],
            withdrawn_at=r["withdrawn_at"],
        )
        for r in await _mine(request, process_id, principal.subject)
    ]


@router.get("/ballots/mine/receipt", response_model=list[MyReceipt])
async def my_receipt(process_id: UUID, request: Request, principal: Citizen) -> list[MyReceipt]:
    """The receipt of your latest ballot per budget."""
    return [
        MyReceipt(
            local_area=r["local_area"],
            receipt=r["receipt"],
            status="counted" if r["active"] else "withdrawn",
        )
        for r in await _mine(request, process_id, principal.subject)
    ]


Receipt = Annotated[str, Path(pattern="^[0-9a-f]{64}$")]


@router.get("/receipts/{receipt}", response_model=ReceiptCheck)
async def check_receipt(process_id: UUID, receipt: Receipt, request: Request) -> ReceiptCheck:
    """Is the ballot behind this receipt among those counted? Reveals nothing else."""
    status = await pool(request).fetchval(
        f"select status from {schema('ballots')}.receipts where receipt = $1 and process_id = $2",
        receipt,
        process_id,
    )
    if status is None:
        raise Refused(RequestMsg.RECEIPT_NOT_FOUND)
    return ReceiptCheck(receipt=receipt, status=status, counted=status == "counted")
