"""Implementation tracking of a funded project: status, progress %, milestones with dates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import ClassVar, assert_never
from uuid import UUID

from events.base import Event
from events.budgeting_common import Phase
from events.budgeting_followup import (
    ImplementationStatus,
    ImplementationUpdated,
    MilestoneAdded,
    MilestoneCompleted,
)
from services.domain.budgeting.phases import FOLLOW_UP
from services.domain.budgeting.process import ProcessState, require_phase
from services.domain.messages import BudgetingRejected, Msg


def implementation_stream(proposal_id: UUID) -> str:
    return f"implementation-{proposal_id}"


@dataclass(frozen=True)
class Milestone:
    title: str
    due_on: date | None = None
    completed_on: date | None = None


@dataclass(frozen=True)
class ImplementationState:
    status: ImplementationStatus = ImplementationStatus.NOT_STARTED
    progress_percent: int = 0
    milestones: Mapping[UUID, Milestone] = field(default_factory=dict)


IMPLEMENTATION_INITIAL = ImplementationState()

_FINISHED = frozenset({ImplementationStatus.COMPLETED, ImplementationStatus.CANCELLED})


@dataclass(frozen=True)
class UpdateImplementation:
    allowed_in: ClassVar[frozenset[Phase]] = FOLLOW_UP

    process_id: UUID
    proposal_id: UUID
    status: ImplementationStatus
    progress_percent: int
    at: datetime
    note: str = ""


@dataclass(frozen=True)
class AddMilestone:
    allowed_in: ClassVar[frozenset[Phase]] = FOLLOW_UP

    process_id: UUID
    proposal_id: UUID
    milestone_id: UUID
    title: str
    due_on: date | None = None


@dataclass(frozen=True)
class CompleteMilestone:
    allowed_in: ClassVar[frozenset[Phase]] = FOLLOW_UP

    process_id: UUID
    proposal_id: UUID
    milestone_id: UUID
    completed_on: date


ImplementationCommand = UpdateImplementation | AddMilestone | CompleteMilestone


def decide_implementation(
    command: ImplementationCommand, state: ImplementationState, process: ProcessState
) -> list[Event]:
    """Only a project funded in the decided allocation is implemented; a finished one is not
    changed again."""
    if not process.exists:
        raise BudgetingRejected(Msg.PROCESS_NOT_FOUND)
    require_phase(command, process.phase)
    if process.funding(command.proposal_id) is None:
        raise BudgetingRejected(Msg.NOT_FUNDED)
    if state.status in _FINISHED:
        raise BudgetingRejected(Msg.IMPLEMENTATION_FINISHED, status=state.status.value)
    pid, prop = command.process_id, command.proposal_id
    match command:
        case UpdateImplementation():
            progress = command.progress_percent
            if not 0 <= progress <= 100:
                raise BudgetingRejected(Msg.PROGRESS_INVALID, progress=progress)
            if command.status is ImplementationStatus.COMPLETED and progress != 100:
                raise BudgetingRejected(Msg.COMPLETED_NEEDS_FULL_PROGRESS, progress=progress)
            return [
                ImplementationUpdated(
                    process_id=pid,
                    proposal_id=prop,
                    status=command.status,
                    progress_percent=progress,
                    note=command.note,
                    at=command.at,
                )
            ]
        case AddMilestone():
            if command.milestone_id in state.milestones:
                raise BudgetingRejected(Msg.MILESTONE_EXISTS)
            if not command.title.strip():
                raise BudgetingRejected(Msg.TITLE_REQUIRED)
            return [
                MilestoneAdded(
                    process_id=pid,
                    proposal_id=prop,
                    milestone_id=command.milestone_id,
                    title=command.title,
                    due_on=command.due_on,
                )
            ]
        case CompleteMilestone():
            milestone = state.milestones.get(command.milestone_id)
            if milestone is None:
                raise BudgetingRejected(Msg.MILESTONE_NOT_FOUND)
            if milestone.completed_on is not None:
                raise BudgetingRejected(Msg.MILESTONE_DONE)
            return [
                MilestoneCompleted(
                    process_id=pid,
                    proposal_id=prop,
                    milestone_id=command.milestone_id,
                    completed_on=command.completed_on,
                )
            ]
        case _:
            assert_never(command)


def evolve_implementation(state: ImplementationState, event: Event) -> ImplementationState:
    match event:
        case ImplementationUpdated():
            return replace(state, status=event.status, progress_percent=event.progress_percent)
        case MilestoneAdded():
            milestone = Milestone(event.title, event.due_on)
            return replace(state, milestones={**state.milestones, event.milestone_id: milestone})
        case MilestoneCompleted():
            known = state.milestones.get(event.milestone_id, Milestone(title=""))
            done = replace(known, completed_on=event.completed_on)
            return replace(state, milestones={**state.milestones, event.milestone_id: done})
        case _:
            return state
