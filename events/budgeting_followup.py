"""Events after the decision: the budget ledger per local area and implementation tracking."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from events.budgeting_common import BudgetingEvent


class FundsDisbursed(BudgetingEvent):
    type_name: ClassVar[str] = "FundsDisbursed"

    local_area: str
    proposal_id: UUID
    amount_ore: int = Field(gt=0)
    at: datetime
    reference: str = Field(default="", description="Finance/ERP voucher reference")


class FundsReturned(BudgetingEvent):
    """Allocated money a project will not use goes back to the area's remaining budget."""

    type_name: ClassVar[str] = "FundsReturned"

    local_area: str
    proposal_id: UUID
    amount_ore: int = Field(gt=0)
    at: datetime
    reason: str = ""


class ImplementationStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ImplementationUpdated(BudgetingEvent):
    type_name: ClassVar[str] = "ImplementationUpdated"

    proposal_id: UUID
    status: ImplementationStatus
    progress_percent: int = Field(ge=0, le=100)
    note: str = ""
    at: datetime


class MilestoneAdded(BudgetingEvent):
    type_name: ClassVar[str] = "MilestoneAdded"

    proposal_id: UUID
    milestone_id: UUID
    title: str = Field(min_length=1, max_length=200)
    due_on: date | None = None


class MilestoneCompleted(BudgetingEvent):
    type_name: ClassVar[str] = "MilestoneCompleted"

    proposal_id: UUID
    milestone_id: UUID
    completed_on: date


EVENTS = (
    FundsDisbursed,
    FundsReturned,
    ImplementationUpdated,
    MilestoneAdded,
    MilestoneCompleted,
)
