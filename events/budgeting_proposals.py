"""Events of a proposal stream: submission, versions, supports, merge, staff review."""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

from pydantic import Field, model_validator

from events.budgeting_common import BudgetingEvent, Location


class ProposalSubmitted(BudgetingEvent):
    type_name: ClassVar[str] = "ProposalSubmitted"

    proposal_id: UUID
    title: str
    description: str
    estimated_cost_ore: int = Field(ge=0)
    local_area: str
    core_task: str
    author: str = Field(description="Keyed pseudonym of the citizen who submitted it")
    location: Location | None = None


class ProposalEdited(BudgetingEvent):
    """An edit by the author; only the fields that changed are present in `changes`.

    `revision` numbers the versions: the submission is revision 1, each edit the next one.
    """

    type_name: ClassVar[str] = "ProposalEdited"

    proposal_id: UUID
    title: str | None = None
    description: str | None = None
    estimated_cost_ore: int | None = Field(default=None, ge=0)
    local_area: str | None = None
    core_task: str | None = None
    location: Location | None = None
    revision: int | None = Field(default=None, ge=2)


class ProposalWithdrawn(BudgetingEvent):
    """Version 2 adds `reason_given`, derived from `reason`; version 1 is upcast on read."""

    type_name: ClassVar[str] = "ProposalWithdrawn"
    version: ClassVar[int] = 2

    proposal_id: UUID
    reason: str = ""
    reason_given: bool = False

    @model_validator(mode="before")
    @classmethod
    def _derive_reason_given(cls, data: Any) -> Any:
        if isinstance(data, dict) and "reason_given" not in data:
            return {**data, "reason_given": bool(data.get("reason"))}
        return data


class ProposalSupported(BudgetingEvent):
    type_name: ClassVar[str] = "ProposalSupported"

    proposal_id: UUID
    supporter: str = Field(description="Keyed pseudonym of the supporting citizen")


class ProposalMerged(BudgetingEvent):
    """A duplicate was merged into `into_proposal_id`, the survivor; it is no longer live."""

    type_name: ClassVar[str] = "ProposalMerged"

    proposal_id: UUID
    into_proposal_id: UUID
    reason: str = ""


class ProposalReviewed(BudgetingEvent):
    """Staff's feasibility verdict; a proposal found not feasible always has a reason."""

    type_name: ClassVar[str] = "ProposalReviewed"

    proposal_id: UUID
    feasible: bool
    reason: str = ""


class ProposalCostEstimated(BudgetingEvent):
    type_name: ClassVar[str] = "ProposalCostEstimated"

    proposal_id: UUID
    cost_ore: int = Field(ge=0)
    note: str = ""


class ProposalsMarkedIncompatible(BudgetingEvent):
    """The two proposals cannot both win. Recorded once, on `proposal_id`'s stream; symmetric."""

    type_name: ClassVar[str] = "ProposalsMarkedIncompatible"

    proposal_id: UUID
    other_proposal_id: UUID
    reason: str = ""


class ProposalPricePublished(BudgetingEvent):
    """The price citizens see and vote on (staff's estimate, made public)."""

    type_name: ClassVar[str] = "ProposalPricePublished"

    proposal_id: UUID
    price_ore: int = Field(ge=0)


EVENTS = (
    ProposalSubmitted,
    ProposalEdited,
    ProposalWithdrawn,
    ProposalSupported,
    ProposalMerged,
    ProposalReviewed,
    ProposalCostEstimated,
    ProposalsMarkedIncompatible,
    ProposalPricePublished,
)
