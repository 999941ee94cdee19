"""Why a budgeting command was refused, as the deciders say it: a code and what kind of "no" it is.

The code and its params travel with the rejection (`BudgetingRejected`); the words people read
are rendered at the edge from them (`services/texts/budgeting.py`).
"""

from __future__ import annotations

from enum import StrEnum

from services.domain.errors import CommandRejected, Param, RejectionKind, kinds


class Msg(StrEnum):
    PROCESS_NOT_FOUND = "process_not_found"
    PROCESS_EXISTS = "process_exists"
    INITIAL_PHASE_INVALID = "initial_phase_invalid"
    TITLE_REQUIRED = "title_required"
    WRONG_PHASE = "wrong_phase"
    PHASE_TRANSITION_INVALID = "phase_transition_invalid"
    PHASE_NOT_DUE = "phase_not_due"
    VOTING_NEEDS_RULES = "voting_needs_rules"
    VOTING_NEEDS_BUDGET = "voting_needs_budget"
    VOTING_NEEDS_BALLOT = "voting_needs_ballot"
    VOTING_NEEDS_CENSUS = "voting_needs_census"
    ALLOCATIONS_UNDECIDED = "allocations_undecided"
    SCHEDULE_INVALID = "schedule_invalid"
    BUDGET_NOT_FOUND = "budget_not_found"
    BUDGET_HAS_BALLOT = "budget_has_ballot"
    BUDGET_AREA_REPEATED = "budget_area_repeated"
    CORE_TASKS_EMPTY = "core_tasks_empty"
    CORE_TASK_UNKNOWN = "core_task_unknown"
    LOCAL_AREA_UNKNOWN = "local_area_unknown"
    APPROVAL_RULES_INVALID = "approval_rules_invalid"
    CUMULATIVE_RULES_INVALID = "cumulative_rules_invalid"
    TALLY_RULE_UNFIT = "tally_rule_unfit"
    PROPOSAL_NOT_FOUND = "proposal_not_found"
    PROPOSAL_EXISTS = "proposal_exists"
    WRONG_PROCESS = "wrong_process"
    NOT_AUTHOR = "not_author"
    PROPOSAL_WITHDRAWN = "proposal_withdrawn"
    PROPOSAL_MERGED = "proposal_merged"
    PROPOSAL_ON_BALLOT = "proposal_on_ballot"
    ALREADY_SUPPORTED = "already_supported"
    MERGE_INTO_SELF = "merge_into_self"
    REASON_REQUIRED = "reason_required"
    AMOUNT_NEGATIVE = "amount_negative"
    AMOUNT_NOT_POSITIVE = "amount_not_positive"
    INCOMPATIBLE_WITH_SELF = "incompatible_with_self"
    INCOMPATIBLE_ACROSS_AREAS = "incompatible_across_areas"
    ALREADY_INCOMPATIBLE = "already_incompatible"
    NOT_FEASIBLE = "not_feasible"
    NO_PRICE = "no_price"
    NO_COST_ESTIMATE = "no_cost_estimate"
    ALREADY_ON_BALLOT = "already_on_ballot"
    NOT_ON_BALLOT = "not_on_ballot"
    PRICE_OVER_BUDGET = "price_over_budget"
    TOO_FEW_SUPPORTS = "too_few_supports"
    VOTER_NOT_ELIGIBLE = "voter_not_eligible"
    VOTER_NOT_IN_CENSUS = "voter_not_in_census"
    WRONG_AREA = "wrong_area"
    VOTER_WRONG_AREA = "voter_wrong_area"
    PAPER_BALLOT_EXISTS = "paper_ballot_exists"
    VOTER_VOTED_ON_PAPER = "voter_voted_on_paper"
    STAFF_REQUIRED = "staff_required"
    VOTING_CLOSED = "voting_closed"
    NO_ACTIVE_BALLOT = "no_active_ballot"
    VOTER_NO_ACTIVE_BALLOT = "voter_no_active_ballot"
    BALLOT_WRONG_FORMAT = "ballot_wrong_format"
    UNKNOWN_PROJECT = "unknown_project"
    DUPLICATE_CHOICE = "duplicate_choice"
    TOO_MANY_SELECTIONS = "too_many_selections"
    TOO_FEW_SELECTIONS = "too_few_selections"
    OVER_BUDGET = "over_budget"
    ALLOCATION_OVER_BUDGET = "allocation_over_budget"
    UNDER_MIN_SPEND = "under_min_spend"
    TOO_FEW_PROJECTS = "too_few_projects"
    TOO_MANY_POINTS = "too_many_points"
    TOO_MANY_POINTS_ON_ONE = "too_many_points_on_one"
    POINTS_NOT_POSITIVE = "points_not_positive"
    TOO_MANY_RANKED = "too_many_ranked"
    EMPTY_BALLOT = "empty_ballot"
    ALLOCATION_DECIDED = "allocation_decided"
    NO_ALLOCATION_PROPOSAL = "no_allocation_proposal"
    FUNDING_OVER_PRICE = "funding_over_price"
    DUPLICATE_FUNDING = "duplicate_funding"
    INCOMPATIBLE_FUNDED = "incompatible_funded"
    NOT_FUNDED = "not_funded"
    OVER_OUTSTANDING = "over_outstanding"
    IMPLEMENTATION_FINISHED = "implementation_finished"
    COMPLETED_NEEDS_FULL_PROGRESS = "completed_needs_full_progress"
    PROGRESS_INVALID = "progress_invalid"
    MILESTONE_EXISTS = "milestone_exists"
    MILESTONE_NOT_FOUND = "milestone_not_found"
    MILESTONE_DONE = "milestone_done"


# Each code's kind of refusal: not found, forbidden, conflict, invalid.
KIND = kinds(
    {
        RejectionKind.NOT_FOUND: (
            Msg.PROCESS_NOT_FOUND,
            Msg.BUDGET_NOT_FOUND,
            Msg.PROPOSAL_NOT_FOUND,
            Msg.VOTER_NOT_IN_CENSUS,
            Msg.VOTER_NO_ACTIVE_BALLOT,
            Msg.NO_ACTIVE_BALLOT,
            Msg.MILESTONE_NOT_FOUND,
        ),
        RejectionKind.FORBIDDEN: (
            Msg.NOT_AUTHOR,
            Msg.VOTER_NOT_ELIGIBLE,
            Msg.VOTER_WRONG_AREA,
            Msg.WRONG_AREA,
            Msg.STAFF_REQUIRED,
        ),
        RejectionKind.CONFLICT: (
            Msg.PROCESS_EXISTS,
            Msg.WRONG_PHASE,
            Msg.PHASE_TRANSITION_INVALID,
            Msg.PHASE_NOT_DUE,
            Msg.VOTING_NEEDS_RULES,
            Msg.VOTING_NEEDS_BUDGET,
            Msg.VOTING_NEEDS_BALLOT,
            Msg.VOTING_NEEDS_CENSUS,
            Msg.ALLOCATIONS_UNDECIDED,
            Msg.BUDGET_HAS_BALLOT,
            Msg.PROPOSAL_EXISTS,
            Msg.PROPOSAL_WITHDRAWN,
            Msg.PROPOSAL_MERGED,
            Msg.PROPOSAL_ON_BALLOT,
            Msg.ALREADY_SUPPORTED,
            Msg.ALREADY_INCOMPATIBLE,
            Msg.NOT_FEASIBLE,
            Msg.NO_PRICE,
            Msg.NO_COST_ESTIMATE,
            Msg.ALREADY_ON_BALLOT,
            Msg.NOT_ON_BALLOT,
            Msg.TOO_FEW_SUPPORTS,
            Msg.VOTER_VOTED_ON_PAPER,
            Msg.PAPER_BALLOT_EXISTS,
            Msg.VOTING_CLOSED,
            Msg.ALLOCATION_DECIDED,
            Msg.NO_ALLOCATION_PROPOSAL,
            Msg.NOT_FUNDED,
            Msg.IMPLEMENTATION_FINISHED,
            Msg.MILESTONE_EXISTS,
            Msg.MILESTONE_DONE,
        ),
        RejectionKind.INVALID: (
            Msg.INITIAL_PHASE_INVALID,
            Msg.TITLE_REQUIRED,
            Msg.SCHEDULE_INVALID,
            Msg.BUDGET_AREA_REPEATED,
            Msg.CORE_TASKS_EMPTY,
            Msg.CORE_TASK_UNKNOWN,
            Msg.LOCAL_AREA_UNKNOWN,
            Msg.APPROVAL_RULES_INVALID,
            Msg.CUMULATIVE_RULES_INVALID,
            Msg.TALLY_RULE_UNFIT,
            Msg.WRONG_PROCESS,
            Msg.MERGE_INTO_SELF,
            Msg.REASON_REQUIRED,
            Msg.AMOUNT_NEGATIVE,
            Msg.AMOUNT_NOT_POSITIVE,
            Msg.INCOMPATIBLE_WITH_SELF,
            Msg.INCOMPATIBLE_ACROSS_AREAS,
            Msg.PRICE_OVER_BUDGET,
            Msg.BALLOT_WRONG_FORMAT,
            Msg.UNKNOWN_PROJECT,
            Msg.DUPLICATE_CHOICE,
            Msg.TOO_MANY_SELECTIONS,
            Msg.TOO_FEW_SELECTIONS,
            Msg.OVER_BUDGET,
            Msg.ALLOCATION_OVER_BUDGET,
            Msg.UNDER_MIN_SPEND,
            Msg.TOO_FEW_PROJECTS,
            Msg.TOO_MANY_POINTS,
            Msg.TOO_MANY_POINTS_ON_ONE,
            Msg.POINTS_NOT_POSITIVE,
            Msg.TOO_MANY_RANKED,
            Msg.EMPTY_BALLOT,
            Msg.FUNDING_OVER_PRICE,
            Msg.DUPLICATE_FUNDING,
            Msg.INCOMPATIBLE_FUNDED,
            Msg.OVER_OUTSTANDING,
            Msg.COMPLETED_NEEDS_FULL_PROGRESS,
            Msg.PROGRESS_INVALID,
        ),
    }
)


class BudgetingRejected(CommandRejected):
    """A budgeting command refused: its code, and the params its text needs."""

    def __init__(self, code: Msg, **params: Param) -> None:
        super().__init__(KIND[code], code, params)
        self.code: Msg = code
