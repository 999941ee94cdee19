"""Deciders for budgeting processes and proposals: pure functions, no I/O.

`decide_*(command, state) -> list[Event]` enforces the rules; `evolve_*(state, event) -> state`
only sets fields. Commands carry everything the decision needs (ids, actor), filled in at the edge.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import assert_never
from uuid import UUID

from events.base import Event
from events.budgeting import (
    ProcessCreated,
    ProposalEdited,
    ProposalSubmitted,
    ProposalWithdrawn,
)
from services.domain.errors import CommandRejected, RejectionKind


def process_stream(process_id: UUID) -> str:
    return f"process-{process_id}"


def proposal_stream(proposal_id: UUID) -> str:
    return f"proposal-{proposal_id}"


# --- process ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateProcess:
    process_id: UUID
    title: str
    municipality: str
    description: str = ""


@dataclass(frozen=True)
class ProcessState:
    exists: bool = False
    title: str = ""
    municipality: str = ""


PROCESS_INITIAL = ProcessState()

ProcessCommand = CreateProcess


def decide_process(command: ProcessCommand, state: ProcessState) -> list[Event]:
    match command:
        case CreateProcess():
            if state.exists:
                raise CommandRejected(RejectionKind.CONFLICT, "the process already exists")
            return [
                ProcessCreated(
                    process_id=command.process_id,
                    title=command.title,
                    municipality=command.municipality,
                    description=command.description,
                )
            ]
        case _:
            assert_never(command)


def evolve_process(state: ProcessState, event: Event) -> ProcessState:
    match event:
        case ProcessCreated():
            return replace(state, exists=True, title=event.title, municipality=event.municipality)
        case _:
            return state


# --- proposal --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmitProposal:
    proposal_id: UUID
    process_id: UUID
    author: str
    title: str
    description: str
    estimated_cost_ore: int
    local_area: str
    core_task: str


@dataclass(frozen=True)
class EditProposal:
    proposal_id: UUID
    editor: str
    title: str | None = None
    description: str | None = None
    estimated_cost_ore: int | None = None
    local_area: str | None = None
    core_task: str | None = None


@dataclass(frozen=True)
class WithdrawProposal:
    proposal_id: UUID
    requested_by: str
    reason: str = ""


ProposalCommand = SubmitProposal | EditProposal | WithdrawProposal


@dataclass(frozen=True)
class ProposalState:
    exists: bool = False
    process_id: UUID | None = None
    author: str = ""
    title: str = ""
    description: str = ""
    estimated_cost_ore: int = 0
    local_area: str = ""
    core_task: str = ""
    withdrawn: bool = False


PROPOSAL_INITIAL = ProposalState()

_EDITABLE = ("title", "description", "estimated_cost_ore", "local_area", "core_task")


def decide_proposal(
    command: ProposalCommand, state: ProposalState, process: ProcessState
) -> list[Event]:
    """Decide a proposal command; `process` is the state of the process it belongs to."""
    match command:
        case SubmitProposal():
            if not process.exists:
                raise CommandRejected(RejectionKind.NOT_FOUND, "the process does not exist")
            if state.exists:
                raise CommandRejected(RejectionKind.CONFLICT, "the proposal already exists")
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
                )
            ]
        case EditProposal():
            _require_author_of_live_proposal(state, command.editor, "edit")
            assert state.process_id is not None
            changes = {
                name: getattr(command, name)
                for name in _EDITABLE
                if getattr(command, name) is not None
                and getattr(command, name) != getattr(state, name)
            }
            if not changes:
                return []
            return [
                ProposalEdited(
                    process_id=state.process_id, proposal_id=command.proposal_id, **changes
                )
            ]
        case WithdrawProposal():
            _require_author_of_live_proposal(state, command.requested_by, "withdraw")
            assert state.process_id is not None
            return [
                ProposalWithdrawn(
                    process_id=state.process_id,
                    proposal_id=command.proposal_id,
                    reason=command.reason,
                )
            ]
        case _:
            assert_never(command)


def _require_author_of_live_proposal(state: ProposalState, who: str, action: str) -> None:
    if not state.exists:
        raise CommandRejected(RejectionKind.NOT_FOUND, "the proposal does not exist")
    if state.author != who:
        raise CommandRejected(
            RejectionKind.FORBIDDEN, f"only the author may {action} this proposal"
        )
    if state.withdrawn:
        raise CommandRejected(RejectionKind.CONFLICT, "the proposal has been withdrawn")


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
            )
        case ProposalEdited():
            changed = {
                name: getattr(event, name) for name in _EDITABLE if getattr(event, name) is not None
            }
            return replace(state, **changed)
        case ProposalWithdrawn():
            return replace(state, withdrawn=True)
        case _:
            return state
