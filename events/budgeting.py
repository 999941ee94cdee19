"""Events of participatory budgeting (borgerbudgettering). Money is integer øre, never a float.

The models live in `budgeting_*.py` by stream; this module is the one place that names them all.
"""

from __future__ import annotations

from events import budgeting_ballots, budgeting_followup, budgeting_process, budgeting_proposals
from events.base import Event
from events.budgeting_ballots import (
    BallotCast,
    BallotReplaced,
    BallotWithdrawn,
    VoterRegistered,
    ballot_receipt,
)
from events.budgeting_common import (
    DEFAULT_CORE_TASKS,
    TOPIC,
    ApprovalRules,
    BallotChannel,
    BallotFormat,
    BallotRules,
    Budget,
    BudgetingEvent,
    BudgetScope,
    CumulativeRules,
    KnapsackRules,
    Location,
    Phase,
    ProjectFunding,
    RankedRules,
    SkippedProject,
    TallyRule,
)
from events.budgeting_followup import (
    FundsDisbursed,
    FundsReturned,
    ImplementationStatus,
    ImplementationUpdated,
    MilestoneAdded,
    MilestoneCompleted,
)
from events.budgeting_process import (
    AllocationDecided,
    AllocationProposed,
    BallotRulesSet,
    BudgetRemoved,
    BudgetSet,
    CensusImported,
    CoreTasksSet,
    LiveResultsVisibilitySet,
    PhaseChanged,
    PhaseScheduled,
    ProcessCreated,
    ProcessDetailsChanged,
    ProposalPutOnBallot,
    ProposalRemovedFromBallot,
    SupportThresholdSet,
    TallyRuleChosen,
)
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

EVENTS: tuple[type[Event], ...] = (
    budgeting_process.EVENTS
    + budgeting_proposals.EVENTS
    + budgeting_ballots.EVENTS
    + budgeting_followup.EVENTS
)

__all__ = [
    "DEFAULT_CORE_TASKS",
    "EVENTS",
    "TOPIC",
    "AllocationDecided",
    "AllocationProposed",
    "ApprovalRules",
    "BallotCast",
    "BallotChannel",
    "BallotFormat",
    "BallotReplaced",
    "BallotRules",
    "BallotRulesSet",
    "BallotWithdrawn",
    "Budget",
    "BudgetRemoved",
    "BudgetScope",
    "BudgetSet",
    "BudgetingEvent",
    "CensusImported",
    "CoreTasksSet",
    "CumulativeRules",
    "FundsDisbursed",
    "FundsReturned",
    "ImplementationStatus",
    "ImplementationUpdated",
    "KnapsackRules",
    "LiveResultsVisibilitySet",
    "Location",
    "MilestoneAdded",
    "MilestoneCompleted",
    "Phase",
    "PhaseChanged",
    "PhaseScheduled",
    "ProcessCreated",
    "ProcessDetailsChanged",
    "ProjectFunding",
    "ProposalCostEstimated",
    "ProposalEdited",
    "ProposalMerged",
    "ProposalPricePublished",
    "ProposalPutOnBallot",
    "ProposalRemovedFromBallot",
    "ProposalReviewed",
    "ProposalSubmitted",
    "ProposalSupported",
    "ProposalWithdrawn",
    "ProposalsMarkedIncompatible",
    "RankedRules",
    "SkippedProject",
    "SupportThresholdSet",
    "TallyRule",
    "TallyRuleChosen",
    "VoterRegistered",
    "ballot_receipt",
]
