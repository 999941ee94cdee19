"""Events of a process stream: setup, budgets, phases, rules, census, ballot, allocation."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from events.budgeting_common import (
    DEFAULT_CORE_TASKS,
    BallotRules,
    Budget,
    BudgetingEvent,
    BudgetScope,
    Phase,
    ProjectFunding,
    SkippedProject,
    TallyRule,
)


class ProcessCreated(BudgetingEvent):
    """A process exists. Events written before `initial_phase` existed start in `ideas`."""

    type_name: ClassVar[str] = "ProcessCreated"

    title: str = Field(min_length=1, max_length=200)
    municipality: str = Field(min_length=1, max_length=100)
    description: str = ""
    title_en: str = Field(default="", max_length=200)
    description_en: str = ""
    initial_phase: Phase = Phase.IDEAS
    core_tasks: tuple[str, ...] = DEFAULT_CORE_TASKS
    budgets: tuple[Budget, ...] = ()


class ProcessDetailsChanged(BudgetingEvent):
    """Only the fields that changed are present."""

    type_name: ClassVar[str] = "ProcessDetailsChanged"

    title: str | None = Field(default=None, min_length=1, max_length=200)
    title_en: str | None = Field(default=None, max_length=200)
    description: str | None = None
    description_en: str | None = None


class BudgetSet(BudgetingEvent):
    """A local area's budget is created or its amount changed."""

    type_name: ClassVar[str] = "BudgetSet"

    budget: Budget


class BudgetRemoved(BudgetingEvent):
    type_name: ClassVar[str] = "BudgetRemoved"

    local_area: str


class CoreTasksSet(BudgetingEvent):
    """The core-task (kerneopgave) vocabulary proposals must use."""

    type_name: ClassVar[str] = "CoreTasksSet"

    core_tasks: tuple[str, ...] = Field(min_length=1)


class PhaseScheduled(BudgetingEvent):
    type_name: ClassVar[str] = "PhaseScheduled"

    phase: Phase
    starts_at: datetime | None = None
    ends_at: datetime | None = None


class PhaseChanged(BudgetingEvent):
    type_name: ClassVar[str] = "PhaseChanged"

    from_phase: Phase
    to_phase: Phase
    at: datetime
    by_schedule: bool = False


class BallotRulesSet(BudgetingEvent):
    """A new version of the ballot rules; the latest before voting opens is in force."""

    type_name: ClassVar[str] = "BallotRulesSet"

    rules_version: int = Field(ge=1)
    rules: BallotRules
    budget_scope: BudgetScope = BudgetScope.OWN_AREA


class TallyRuleChosen(BudgetingEvent):
    type_name: ClassVar[str] = "TallyRuleChosen"

    rule: TallyRule


class LiveResultsVisibilitySet(BudgetingEvent):
    """Whether live results are public during voting (False = embargo until results published)."""

    type_name: ClassVar[str] = "LiveResultsVisibilitySet"

    public: bool


class SupportThresholdSet(BudgetingEvent):
    """Proposals need at least `min_supports` supports to go on the ballot."""

    type_name: ClassVar[str] = "SupportThresholdSet"

    min_supports: int = Field(ge=0)


class CensusImported(BudgetingEvent):
    """A census was imported: counts only; each voter is registered on its eligibility stream."""

    type_name: ClassVar[str] = "CensusImported"

    census_id: UUID
    minimum_age: int = Field(ge=0)
    reference_date: date
    eligible_by_area: dict[str, int]


class ProposalPutOnBallot(BudgetingEvent):
    type_name: ClassVar[str] = "ProposalPutOnBallot"

    proposal_id: UUID
    local_area: str
    price_ore: int = Field(ge=0)


class ProposalRemovedFromBallot(BudgetingEvent):
    type_name: ClassVar[str] = "ProposalRemovedFromBallot"

    proposal_id: UUID
    local_area: str


class AllocationProposed(BudgetingEvent):
    """The tally's outcome for one budget, computed elsewhere and recorded here."""

    type_name: ClassVar[str] = "AllocationProposed"

    local_area: str
    rule: TallyRule
    funded: tuple[ProjectFunding, ...]
    ballots_counted: int = Field(ge=0)
    input_hash: str = Field(default="", description="Hash of the last event the tally included")
    skipped: tuple[SkippedProject, ...] = Field(
        default=(), description="Left out because incompatible with a project selected earlier"
    )


class AllocationDecided(BudgetingEvent):
    """An administrator's decision for one budget: the proposal confirmed, or a deviation."""

    type_name: ClassVar[str] = "AllocationDecided"

    local_area: str
    confirmed: bool
    funded: tuple[ProjectFunding, ...]
    reason: str = ""
    decided_by: str


EVENTS = (
    ProcessCreated,
    ProcessDetailsChanged,
    BudgetSet,
    BudgetRemoved,
    CoreTasksSet,
    PhaseScheduled,
    PhaseChanged,
    BallotRulesSet,
    TallyRuleChosen,
    LiveResultsVisibilitySet,
    SupportThresholdSet,
    CensusImported,
    ProposalPutOnBallot,
    ProposalRemovedFromBallot,
    AllocationProposed,
    AllocationDecided,
)
