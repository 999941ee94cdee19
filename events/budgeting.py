"""Events of participatory budgeting (borgerbudgettering). Money is integer øre, never a float."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import Field

from events.base import Event

TOPIC = "budgeting"


class BudgetingEvent(Event):
    """Every budgeting event belongs to one process; the process id is its partition key."""

    topic: ClassVar[str] = TOPIC
    process_id: UUID

    def partition_key(self) -> str:
        return str(self.process_id)


class ProcessCreated(BudgetingEvent):
    type_name: ClassVar[str] = "ProcessCreated"

    title: str = Field(min_length=1, max_length=200)
    municipality: str = Field(min_length=1, max_length=100)
    description: str = ""


class ProposalSubmitted(BudgetingEvent):
    type_name: ClassVar[str] = "ProposalSubmitted"

    proposal_id: UUID
    title: str
    description: str
    estimated_cost_ore: int = Field(ge=0)
    local_area: str
    core_task: str
    author: str = Field(description="Keyed pseudonym of the citizen who submitted it")


class ProposalEdited(BudgetingEvent):
    """An edit by the author; only the fields that changed are present in `changes`."""

    type_name: ClassVar[str] = "ProposalEdited"

    proposal_id: UUID
    title: str | None = None
    description: str | None = None
    estimated_cost_ore: int | None = Field(default=None, ge=0)
    local_area: str | None = None
    core_task: str | None = None


class ProposalWithdrawn(BudgetingEvent):
    type_name: ClassVar[str] = "ProposalWithdrawn"

    proposal_id: UUID
    reason: str = ""


EVENTS: tuple[type[Event], ...] = (
    ProcessCreated,
    ProposalSubmitted,
    ProposalEdited,
    ProposalWithdrawn,
)
