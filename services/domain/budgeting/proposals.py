"""The proposal decider: submit, edit (each edit a revision), withdraw, support, staff review.

`decide_proposal(command, state, process, other=None)`: `process` is the state of the proposal's
process (phase, core tasks, budgets, ballot); `other` is the survivor of a merge or the other
proposal of an incompatibility.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar, assert_never
from uuid import UUID

from events.base import Event
from events.budgeting_common import Location, Phase
from events.budgeting_proposals import (
    ProposalCostEstimated,
    ProposalEdited,
    ProposalMerged,
    ProposalPricePublished,
    ProposalReviewed,
    ProposalsMarkedIncompatible,
    ProposalSubmitted,
    ProposalSupported,
    ProposalWithdrawn,
)
from services.domain.budgeting.process import ProcessState, require_phase
from services.domain.budgeting.proposal_state import ProposalState
from services.domain.messages import BudgetingRejected, Msg


def proposal_stream(proposal_id: UUID) -> str:
    return f"proposal-{proposal_id}"


_EDITABLE = ("title", "description", "estimated_cost_ore", "local_area", "core_task", "location")


# --- commands --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmitProposal:
    allowed_in: ClassVar[frozenset[Phase]] = frozenset({Phase.IDEAS})

    proposal_id: UUID
    process_id: UUID
    author: str
    title: str
    description: str
    estimated_cost_ore: int
    local_area: str
    core_task: str
    location: Location | None = None


@dataclass(frozen=True)
class EditProposal:
    allowed_in: ClassVar[frozenset[Phase]] = frozenset({Phase.IDEAS})

    proposal_id: UUID
    editor: str
    title: str | None = None
    description: str | None = None
    estimated_cost_ore: int | None = None
    local_area: str | None = None
    core_task: str | None = None
    location: Location | None = None


@dataclass(frozen=True)
class WithdrawProposal:
    allowed_in: ClassVar[frozenset[Phase]] = frozenset({Phase.IDEAS, Phase.REVIEW, Phase.SUPPORTS})

    proposal_id: UUID
    requested_by: str
    reason: str = ""


@dataclass(frozen=True)
class SupportProposal:
    allowed_in: ClassVar[frozenset[Phase]] = frozenset({Phase.SUPPORTS})

    proposal_id: UUID
    supporter: str


@dataclass(frozen=True)
class MergeProposal:
    """Staff: merge this proposal (a duplicate) into `into_proposal_id`, the survivor."""

    allowed_in: ClassVar[frozenset[Phase]] = frozenset({Phase.IDEAS, Phase.REVIEW})

    proposal_id: UUID
    into_proposal_id: UUID
    reason: str = ""


@dataclass(frozen=True)
class ReviewProposal:
    allowed_in: ClassVar[frozenset[Phase]] = frozenset({Phase.IDEAS, Phase.REVIEW})

    proposal_id: UUID
    feasible: bool
    reason: str = ""


@dataclass(frozen=True)
class EstimateCost:
    allowed_in: ClassVar[frozenset[Phase]] = frozenset({Phase.IDEAS, Phase.REVIEW})

    proposal_id: UUID
    cost_ore: int
    note: str = ""


@dataclass(frozen=True)
class MarkIncompatible:
    allowed_in: ClassVar[frozenset[Phase]] = frozenset({Phase.IDEAS, Phase.REVIEW, Phase.SUPPORTS})

    proposal_id: UUID
    other_proposal_id: UUID
    reason: str = ""


@dataclass(frozen=True)
class PublishPrice:
    """Publish the price citizens vote on: staff's estimate unless `price_ore` is given."""

    allowed_in: ClassVar[frozenset[Phase]] = frozenset({Phase.REVIEW, Phase.SUPPORTS})

    proposal_id: UUID
    price_ore: int | None = None


ProposalCommand = (
    SubmitProposal
    | EditProposal
    | WithdrawProposal
    | SupportProposal
    | MergeProposal
    | ReviewProposal
    | EstimateCost
    | MarkIncompatible
    | PublishPrice
)


# --- decide ----------------------------------------------------------------------------------


def decide_proposal(
    command: ProposalCommand,
    state: ProposalState,
    process: ProcessState,
    other: ProposalState | None = None,
) -> list[Event]:
    """Decide a proposal command; `process` is the state of the process it belongs to."""
    if not process.exists:
        raise BudgetingRejected(Msg.PROCESS_NOT_FOUND)
    if not isinstance(command, SubmitProposal) and not state.exists:
        raise BudgetingRejected(Msg.PROPOSAL_NOT_FOUND)  # whatever the phase: not there
    require_phase(command, process.phase)
    if isinstance(command, SubmitProposal):
        return _submit(command, state, process)
    _require_live(state)
    assert state.process_id is not None
    pid, prop = state.process_id, command.proposal_id
    match command:
        case EditProposal():
            _require_author(state, command.editor, "edit")
            changes = {
                name: getattr(command, name)
                for name in _EDITABLE
                if getattr(command, name) is not None
                and getattr(command, name) != getattr(state, name)
            }
            if not changes:
                return []
            _check_vocabulary(process, changes.get("local_area"), changes.get("core_task"))
            if changes.get("estimated_cost_ore", 0) < 0:
                raise BudgetingRejected(Msg.AMOUNT_NEGATIVE)
            if "title" in changes and not changes["title"].strip():
                raise BudgetingRejected(Msg.TITLE_REQUIRED)
            return [
                ProposalEdited(
                    process_id=pid, proposal_id=prop, revision=state.revision + 1, **changes
                )
            ]
        case WithdrawProposal():
            _require_author(state, command.requested_by, "withdraw")
            if process.price_on_ballot(prop) is not None:
                raise BudgetingRejected(Msg.PROPOSAL_ON_BALLOT)
            return [ProposalWithdrawn(process_id=pid, proposal_id=prop, reason=command.reason)]
        case SupportProposal():
            if command.supporter in state.supporters:
                raise BudgetingRejected(Msg.ALREADY_SUPPORTED)
            if state.feasible is False:
                raise BudgetingRejected(Msg.NOT_FEASIBLE)
            return [
                ProposalSupported(process_id=pid, proposal_id=prop, supporter=command.supporter)
            ]
        case MergeProposal():
            if command.into_proposal_id == prop:
                raise BudgetingRejected(Msg.MERGE_INTO_SELF)
            _require_other_live(other, pid)
            if process.price_on_ballot(prop) is not None:
                raise BudgetingRejected(Msg.PROPOSAL_ON_BALLOT)
            return [
                ProposalMerged(
                    process_id=pid,
                    proposal_id=prop,
                    into_proposal_id=command.into_proposal_id,
                    reason=command.reason,
                )
            ]
        case ReviewProposal():
            if not command.feasible and not command.reason.strip():
                raise BudgetingRejected(Msg.REASON_REQUIRED)
            return [
                ProposalReviewed(
                    process_id=pid,
                    proposal_id=prop,
                    feasible=command.feasible,
                    reason=command.reason,
                )
            ]
        case EstimateCost():
            if command.cost_ore < 0:
                raise BudgetingRejected(Msg.AMOUNT_NEGATIVE)
            return [
                ProposalCostEstimated(
                    process_id=pid, proposal_id=prop, cost_ore=command.cost_ore, note=command.note
                )
            ]
        case MarkIncompatible():
            if command.other_proposal_id == prop:
                raise BudgetingRejected(Msg.INCOMPATIBLE_WITH_SELF)
            _require_other_live(other, pid)
            assert other is not None
            if other.local_area != state.local_area:
                raise BudgetingRejected(Msg.INCOMPATIBLE_ACROSS_AREAS)
            if command.other_proposal_id in state.incompatible_with or prop in (
                other.incompatible_with
            ):
                raise BudgetingRejected(Msg.ALREADY_INCOMPATIBLE)
            return [
                ProposalsMarkedIncompatible(
                    process_id=pid,
                    proposal_id=prop,
                    other_proposal_id=command.other_proposal_id,
                    reason=command.reason,
                )
            ]
        case PublishPrice():
            if state.feasible is not True:
                raise BudgetingRejected(Msg.NOT_FEASIBLE)
            price = command.price_ore if command.price_ore is not None else state.cost_estimate_ore
            if price is None:
                raise BudgetingRejected(Msg.NO_COST_ESTIMATE)
            if price < 0:
                raise BudgetingRejected(Msg.AMOUNT_NEGATIVE)
            budget = process.budgets.get(state.local_area)
            if budget is not None and price > budget:
                raise BudgetingRejected(Msg.PRICE_OVER_BUDGET, price_ore=price, budget_ore=budget)
            return [ProposalPricePublished(process_id=pid, proposal_id=prop, price_ore=price)]
        case SubmitProposal():  # handled above; kept so the match stays exhaustive
            raise AssertionError("unreachable")
        case _:
            assert_never(command)


def _submit(command: SubmitProposal, state: ProposalState, process: ProcessState) -> list[Event]:
    if state.exists:
        raise BudgetingRejected(Msg.PROPOSAL_EXISTS)
    if not command.title.strip():
        raise BudgetingRejected(Msg.TITLE_REQUIRED)
    if command.estimated_cost_ore < 0:
        raise BudgetingRejected(Msg.AMOUNT_NEGATIVE)
    _check_vocabulary(process, command.local_area, command.core_task)
    return [
        ProposalSubmitted(
            process_id=command.process_id,
            proposal_id=command.proposal_id,
            title=command.title,
            description=command.description,
            estimated_cost_ore=command.estimated_cost_ore,
            local_area=command.local_area,
            core_task=command.core_task,
            author=command.author,
            location=command.location,
        )
    ]


def _check_vocabulary(process: ProcessState, area: str | None, core_task: str | None) -> None:
    """A proposal names one of the process's core tasks, and (once the process has budgets)
    a local area that has a budget."""
    if core_task is not None and core_task not in process.core_tasks:
        raise BudgetingRejected(
            Msg.CORE_TASK_UNKNOWN, core_task=core_task, allowed=", ".join(process.core_tasks)
        )
    if area is not None and process.budgets and area not in process.budgets:
        raise BudgetingRejected(Msg.LOCAL_AREA_UNKNOWN, area=area)


def _require_live(state: ProposalState) -> None:
    if not state.exists:
        raise BudgetingRejected(Msg.PROPOSAL_NOT_FOUND)
    if state.withdrawn:
        raise BudgetingRejected(Msg.PROPOSAL_WITHDRAWN)
    if state.merged_into is not None:
        raise BudgetingRejected(Msg.PROPOSAL_MERGED)


def _require_other_live(other: ProposalState | None, process_id: UUID) -> None:
    if other is None:
        raise BudgetingRejected(Msg.PROPOSAL_NOT_FOUND)
    _require_live(other)
    if other.process_id != process_id:
        raise BudgetingRejected(Msg.WRONG_PROCESS)


def _require_author(state: ProposalState, who: str, action: str) -> None:
    if state.author != who:
        raise BudgetingRejected(Msg.NOT_AUTHOR, action=action)


# --- evolve ----------------------------------------------------------------------------------


def evolve_proposal(state: ProposalState, event: Event) -> ProposalState:
    match event:
        case ProposalSubmitted():
            return ProposalState(
                exists=True,
                process_id=event.process_id,
                author=event.author,
                title=event.title,
                description=event.description,
                estimated_cost_ore=event.estimated_cost_ore,
                local_area=event.local_area,
                core_task=event.core_task,
                location=event.location,
                revision=1,
            )
        case ProposalEdited():
            changed = {
                name: getattr(event, name) for name in _EDITABLE if getattr(event, name) is not None
            }
            return replace(state, revision=event.revision or state.revision + 1, **changed)
        case ProposalWithdrawn():
            return replace(state, withdrawn=True)
        case ProposalSupported():
            return replace(state, supporters=state.supporters | {event.supporter})
        case ProposalMerged():
            return replace(state, merged_into=event.into_proposal_id)
        case ProposalReviewed():
            return replace(state, feasible=event.feasible, review_reason=event.reason)
        case ProposalCostEstimated():
            return replace(state, cost_estimate_ore=event.cost_ore)
        case ProposalsMarkedIncompatible():
            other = event.other_proposal_id
            return replace(state, incompatible_with=state.incompatible_with | {other})
        case ProposalPricePublished():
            return replace(state, price_ore=event.price_ore)
        case _:
            return state
