"""The budget ledger of one local area: allocated, disbursed, returned, remaining.

Per project, `returned` is allocated money the project gives back unspent; it returns to the
area's remaining budget. The books always balance:
    budget = remaining + disbursed + outstanding
where remaining = budget - allocated + returned and outstanding = allocated - returned - disbursed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import ClassVar, assert_never
from uuid import UUID, uuid5

from events.base import Event
from events.budgeting_common import Phase
from events.budgeting_followup import FundsDisbursed, FundsReturned
from services.domain.budgeting.ballots import STREAM_NAMESPACE
from services.domain.budgeting.phases import FOLLOW_UP
from services.domain.budgeting.process import ProcessState, require_phase
from services.domain.messages import BudgetingRejected, Msg


def ledger_stream(process_id: UUID, local_area: str) -> str:
    return f"ledger-{uuid5(STREAM_NAMESPACE, f'ledger|{process_id}|{local_area}')}"


@dataclass(frozen=True)
class LedgerState:
    disbursed: Mapping[UUID, int] = field(default_factory=dict)
    returned: Mapping[UUID, int] = field(default_factory=dict)


LEDGER_INITIAL = LedgerState()


@dataclass(frozen=True)
class DisburseFunds:
    allowed_in: ClassVar[frozenset[Phase]] = FOLLOW_UP

    process_id: UUID
    local_area: str
    proposal_id: UUID
    amount_ore: int
    at: datetime
    reference: str = ""


@dataclass(frozen=True)
class ReturnFunds:
    allowed_in: ClassVar[frozenset[Phase]] = FOLLOW_UP

    process_id: UUID
    local_area: str
    proposal_id: UUID
    amount_ore: int
    at: datetime
    reason: str = ""


LedgerCommand = DisburseFunds | ReturnFunds


@dataclass(frozen=True)
class LedgerBalance:
    budget_ore: int
    allocated_ore: int
    disbursed_ore: int
    returned_ore: int
    remaining_ore: int
    outstanding_ore: int


def balance(process: ProcessState, state: LedgerState, local_area: str) -> LedgerBalance:
    budget = process.budgets.get(local_area, 0)
    allocated = sum(f.amount_ore for f in process.decided_allocations.get(local_area, ()))
    disbursed = sum(state.disbursed.values())
    returned = sum(state.returned.values())
    return LedgerBalance(
        budget_ore=budget,
        allocated_ore=allocated,
        disbursed_ore=disbursed,
        returned_ore=returned,
        remaining_ore=budget - allocated + returned,
        outstanding_ore=allocated - returned - disbursed,
    )


def outstanding(process: ProcessState, state: LedgerState, proposal_id: UUID) -> int:
    """What is still allocated to the project and neither disbursed nor returned."""
    funding = process.funding(proposal_id)
    allocated = 0 if funding is None else funding[1]
    return allocated - state.disbursed.get(proposal_id, 0) - state.returned.get(proposal_id, 0)


def decide_ledger(command: LedgerCommand, state: LedgerState, process: ProcessState) -> list[Event]:
    if not process.exists:
        raise BudgetingRejected(Msg.PROCESS_NOT_FOUND)
    require_phase(command, process.phase)
    funding = process.funding(command.proposal_id)
    if funding is None or funding[0] != command.local_area:
        raise BudgetingRejected(Msg.NOT_FUNDED)
    if command.amount_ore <= 0:
        raise BudgetingRejected(Msg.AMOUNT_NOT_POSITIVE)
    left = outstanding(process, state, command.proposal_id)
    if command.amount_ore > left:
        raise BudgetingRejected(
            Msg.OVER_OUTSTANDING, amount_ore=command.amount_ore, outstanding_ore=left
        )
    match command:
        case DisburseFunds():
            return [
                FundsDisbursed(
                    process_id=command.process_id,
                    local_area=command.local_area,
                    proposal_id=command.proposal_id,
                    amount_ore=command.amount_ore,
                    at=command.at,
                    reference=command.reference,
                )
            ]
        case ReturnFunds():
            return [
                FundsReturned(
                    process_id=command.process_id,
                    local_area=command.local_area,
                    proposal_id=command.proposal_id,
                    amount_ore=command.amount_ore,
                    at=command.at,
                    reason=command.reason,
                )
            ]
        case _:
            assert_never(command)


def evolve_ledger(state: LedgerState, event: Event) -> LedgerState:
    match event:
        case FundsDisbursed():
            total = state.disbursed.get(event.proposal_id, 0) + event.amount_ore
            return replace(state, disbursed={**state.disbursed, event.proposal_id: total})
        case FundsReturned():
            total = state.returned.get(event.proposal_id, 0) + event.amount_ore
            return replace(state, returned={**state.returned, event.proposal_id: total})
        case _:
            return state
