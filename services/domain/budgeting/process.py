"""The process decider: setup, budgets, phases, ballot rules, census, the ballot and allocations.

`decide_process(command, state, proposal=None) -> list[Event]` enforces the rules;
`evolve_process(state, event) -> ProcessState` only sets fields. The process stream is the
single writer of everything a ballot is validated against (rules, budgets, prices on the
ballot), and of the allocation decisions the ledger and implementation check against.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import ClassVar, assert_never
from uuid import UUID

from events.base import Event
from events.budgeting_common import (
    DEFAULT_CORE_TASKS,
    ApprovalRules,
    Budget,
    BudgetScope,
    CumulativeRules,
    KnapsackRules,
    Phase,
    ProjectFunding,
    RankedRules,
    SkippedProject,
    TallyRule,
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
from services.domain.budgeting.incompatibility import Pairs, first_conflict
from services.domain.budgeting.phases import (
    BEFORE_VOTING,
    NEXT,
    NOT_CLOSED,
    UNTIL_VOTING_ENDS,
    PhaseGated,
    phases_in_order,
)
from services.domain.budgeting.proposal_state import ProposalState
from services.domain.messages import BudgetingRejected, Msg

AnyRules = ApprovalRules | KnapsackRules | CumulativeRules | RankedRules
Window = tuple[datetime | None, datetime | None]


def process_stream(process_id: UUID) -> str:
    return f"process-{process_id}"


# --- state -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessState:
    exists: bool = False
    title: str = ""
    municipality: str = ""
    description: str = ""
    title_en: str = ""
    description_en: str = ""
    phase: Phase = Phase.DRAFT
    core_tasks: tuple[str, ...] = DEFAULT_CORE_TASKS
    budgets: Mapping[str, int] = field(default_factory=dict)  # local area -> øre
    schedule: Mapping[Phase, Window] = field(default_factory=dict)
    rules: AnyRules | None = None
    rules_version: int = 0
    budget_scope: BudgetScope = BudgetScope.OWN_AREA
    tally_rule: TallyRule = TallyRule.GREEDY
    live_results_public: bool = False
    support_threshold: int = 0
    minimum_age: int | None = None
    eligible_by_area: Mapping[str, int] = field(default_factory=dict)
    ballot: Mapping[str, Mapping[UUID, int]] = field(default_factory=dict)  # area -> id -> price
    proposed_allocations: Mapping[str, tuple[ProjectFunding, ...]] = field(default_factory=dict)
    decided_allocations: Mapping[str, tuple[ProjectFunding, ...]] = field(default_factory=dict)

    def price_on_ballot(self, proposal_id: UUID) -> tuple[str, int] | None:
        """The (local area, price) of a proposal on the ballot, or None."""
        for area, prices in self.ballot.items():
            if proposal_id in prices:
                return area, prices[proposal_id]
        return None

    def funding(self, proposal_id: UUID) -> tuple[str, int] | None:
        """The (local area, decided amount) of a funded proposal, or None."""
        for area, funded in self.decided_allocations.items():
            for f in funded:
                if f.proposal_id == proposal_id and f.amount_ore > 0:
                    return area, f.amount_ore
        return None


PROCESS_INITIAL = ProcessState()


# --- commands --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateProcess:
    """`initial_phase` is `ideas` so a new process accepts proposals at once; `draft` lets an
    administrator set budgets and rules first and open ideas with AdvancePhase."""

    process_id: UUID
    title: str
    municipality: str
    description: str = ""
    title_en: str = ""
    description_en: str = ""
    budgets: tuple[Budget, ...] = ()
    core_tasks: tuple[str, ...] = DEFAULT_CORE_TASKS
    initial_phase: Phase = Phase.IDEAS


@dataclass(frozen=True)
class ChangeProcessDetails:
    allowed_in: ClassVar[frozenset[Phase]] = NOT_CLOSED

    process_id: UUID
    title: str | None = None
    title_en: str | None = None
    description: str | None = None
    description_en: str | None = None


@dataclass(frozen=True)
class SetBudget:
    allowed_in: ClassVar[frozenset[Phase]] = BEFORE_VOTING

    process_id: UUID
    local_area: str
    amount_ore: int
    name: str = ""


@dataclass(frozen=True)
class RemoveBudget:
    allowed_in: ClassVar[frozenset[Phase]] = BEFORE_VOTING

    process_id: UUID
    local_area: str


@dataclass(frozen=True)
class SetCoreTasks:
    allowed_in: ClassVar[frozenset[Phase]] = frozenset({Phase.DRAFT, Phase.IDEAS})

    process_id: UUID
    core_tasks: tuple[str, ...]


@dataclass(frozen=True)
class SchedulePhase:
    allowed_in: ClassVar[frozenset[Phase]] = NOT_CLOSED

    process_id: UUID
    phase: Phase
    starts_at: datetime | None = None
    ends_at: datetime | None = None


@dataclass(frozen=True)
class AdvancePhase:
    """Move to the next phase; `by_schedule` when the scheduler (not a person) moves it."""

    process_id: UUID
    to_phase: Phase
    at: datetime
    by_schedule: bool = False


@dataclass(frozen=True)
class SetBallotRules:
    allowed_in: ClassVar[frozenset[Phase]] = BEFORE_VOTING

    process_id: UUID
    rules: AnyRules
    budget_scope: BudgetScope = BudgetScope.OWN_AREA


@dataclass(frozen=True)
class ChooseTallyRule:
    allowed_in: ClassVar[frozenset[Phase]] = BEFORE_VOTING

    process_id: UUID
    rule: TallyRule


@dataclass(frozen=True)
class SetLiveResultsVisibility:
    allowed_in: ClassVar[frozenset[Phase]] = UNTIL_VOTING_ENDS | {Phase.TALLYING}

    process_id: UUID
    public: bool


@dataclass(frozen=True)
class SetSupportThreshold:
    allowed_in: ClassVar[frozenset[Phase]] = BEFORE_VOTING

    process_id: UUID
    min_supports: int


@dataclass(frozen=True)
class RecordCensus:
    """The summary of a census import; each voter is registered with RegisterVoter."""

    allowed_in: ClassVar[frozenset[Phase]] = UNTIL_VOTING_ENDS

    process_id: UUID
    census_id: UUID
    minimum_age: int
    reference_date: date
    eligible_by_area: Mapping[str, int]


@dataclass(frozen=True)
class PutOnBallot:
    allowed_in: ClassVar[frozenset[Phase]] = frozenset({Phase.REVIEW, Phase.SUPPORTS})

    process_id: UUID
    proposal_id: UUID


@dataclass(frozen=True)
class RemoveFromBallot:
    allowed_in: ClassVar[frozenset[Phase]] = frozenset({Phase.REVIEW, Phase.SUPPORTS})

    process_id: UUID
    proposal_id: UUID


@dataclass(frozen=True)
class ProposeAllocation:
    """Record the tally's outcome for one budget (computed outside the domain), with the
    projects it skipped as incompatible; `incompatible` are the process's marked pairs."""

    allowed_in: ClassVar[frozenset[Phase]] = frozenset({Phase.TALLYING})

    process_id: UUID
    local_area: str
    rule: TallyRule
    funded: tuple[ProjectFunding, ...]
    ballots_counted: int
    input_hash: str = ""
    skipped: tuple[SkippedProject, ...] = ()
    incompatible: Pairs = frozenset()


@dataclass(frozen=True)
class DecideAllocation:
    """Confirm the proposed allocation (`funded=None`) or deviate from it with a reason;
    `incompatible` are the process's marked pairs (no two of them may both be funded)."""

    allowed_in: ClassVar[frozenset[Phase]] = frozenset({Phase.TALLYING})

    process_id: UUID
    local_area: str
    decided_by: str
    funded: tuple[ProjectFunding, ...] | None = None
    reason: str = ""
    incompatible: Pairs = frozenset()


ProcessCommand = (
    CreateProcess
    | ChangeProcessDetails
    | SetBudget
    | RemoveBudget
    | SetCoreTasks
    | SchedulePhase
    | AdvancePhase
    | SetBallotRules
    | ChooseTallyRule
    | SetLiveResultsVisibility
    | SetSupportThreshold
    | RecordCensus
    | PutOnBallot
    | RemoveFromBallot
    | ProposeAllocation
    | DecideAllocation
)


# --- decide ----------------------------------------------------------------------------------


def require_phase(command: PhaseGated | type[PhaseGated], phase: Phase) -> None:
    """Refuse a command (or a kind of command) its phase does not allow, naming the phase and
    where it is allowed."""
    name = (command if isinstance(command, type) else type(command)).__name__
    allowed = command.allowed_in
    if phase not in allowed:
        raise BudgetingRejected(
            Msg.WRONG_PHASE,
            action=name,
            phase=phase.value,
            phases=",".join(p.value for p in phases_in_order(allowed)),
        )


def decide_process(
    command: ProcessCommand, state: ProcessState, proposal: ProposalState | None = None
) -> list[Event]:
    """Decide a process command; `proposal` is the state of the proposal PutOnBallot names."""
    if isinstance(command, CreateProcess):
        return _create(command, state)
    if not state.exists:
        raise BudgetingRejected(Msg.PROCESS_NOT_FOUND)
    if not isinstance(command, AdvancePhase):
        require_phase(command, state.phase)
    pid = command.process_id
    match command:
        case ChangeProcessDetails():
            if command.title is not None and not command.title.strip():
                raise BudgetingRejected(Msg.TITLE_REQUIRED)
            names = ("title", "title_en", "description", "description_en")
            changes = {
                n: getattr(command, n)
                for n in names
                if getattr(command, n) is not None and getattr(command, n) != getattr(state, n)
            }
            return [ProcessDetailsChanged(process_id=pid, **changes)] if changes else []
        case SetBudget():
            if command.amount_ore < 0:
                raise BudgetingRejected(Msg.AMOUNT_NEGATIVE)
            too_dear = [p for p in state.ballot.get(command.local_area, {}).values()]
            if too_dear and max(too_dear) > command.amount_ore:
                raise BudgetingRejected(
                    Msg.PRICE_OVER_BUDGET, price_ore=max(too_dear), budget_ore=command.amount_ore
                )
            budget = Budget(
                local_area=command.local_area, amount_ore=command.amount_ore, name=command.name
            )
            return [BudgetSet(process_id=pid, budget=budget)]
        case RemoveBudget():
            if command.local_area not in state.budgets:
                raise BudgetingRejected(Msg.BUDGET_NOT_FOUND, area=command.local_area)
            if state.ballot.get(command.local_area):
                raise BudgetingRejected(Msg.BUDGET_HAS_BALLOT, area=command.local_area)
            return [BudgetRemoved(process_id=pid, local_area=command.local_area)]
        case SetCoreTasks():
            tasks = tuple(t.strip() for t in command.core_tasks if t.strip())
            if not tasks:
                raise BudgetingRejected(Msg.CORE_TASKS_EMPTY)
            return [CoreTasksSet(process_id=pid, core_tasks=tasks)]
        case SchedulePhase():
            s, e = command.starts_at, command.ends_at
            if s is not None and e is not None and e <= s:
                raise BudgetingRejected(Msg.SCHEDULE_INVALID)
            return [PhaseScheduled(process_id=pid, phase=command.phase, starts_at=s, ends_at=e)]
        case AdvancePhase():
            _check_transition(command, state)
            return [
                PhaseChanged(
                    process_id=pid,
                    from_phase=state.phase,
                    to_phase=command.to_phase,
                    at=command.at,
                    by_schedule=command.by_schedule,
                )
            ]
        case SetBallotRules():
            _check_rules(command.rules)
            _check_rule_fits(state.tally_rule, command.rules)
            return [
                BallotRulesSet(
                    process_id=pid,
                    rules_version=state.rules_version + 1,
                    rules=command.rules,
                    budget_scope=command.budget_scope,
                )
            ]
        case ChooseTallyRule():
            if state.rules is not None:
                _check_rule_fits(command.rule, state.rules)
            return [TallyRuleChosen(process_id=pid, rule=command.rule)]
        case SetLiveResultsVisibility():
            return [LiveResultsVisibilitySet(process_id=pid, public=command.public)]
        case SetSupportThreshold():
            if command.min_supports < 0:
                raise BudgetingRejected(Msg.AMOUNT_NEGATIVE)
            return [SupportThresholdSet(process_id=pid, min_supports=command.min_supports)]
        case RecordCensus():
            return [
                CensusImported(
                    process_id=pid,
                    census_id=command.census_id,
                    minimum_age=command.minimum_age,
                    reference_date=command.reference_date,
                    eligible_by_area=dict(command.eligible_by_area),
                )
            ]
        case PutOnBallot():
            return _put_on_ballot(command, state, proposal)
        case RemoveFromBallot():
            placed = state.price_on_ballot(command.proposal_id)
            if placed is None:
                raise BudgetingRejected(Msg.NOT_ON_BALLOT)
            return [
                ProposalRemovedFromBallot(
                    process_id=pid, proposal_id=command.proposal_id, local_area=placed[0]
                )
            ]
        case ProposeAllocation():
            _check_allocation(command.local_area, command.funded, state, command.incompatible)
            return [
                AllocationProposed(
                    process_id=pid,
                    local_area=command.local_area,
                    rule=command.rule,
                    funded=command.funded,
                    ballots_counted=command.ballots_counted,
                    input_hash=command.input_hash,
                    skipped=command.skipped,
                )
            ]
        case DecideAllocation():
            return _decide_allocation(command, state)
        case CreateProcess():  # handled above; kept so the match stays exhaustive
            raise AssertionError("unreachable")
        case _:
            assert_never(command)


def check_countable(state: ProcessState, local_area: str) -> None:
    """Refuse counting the ballots of `local_area` for an allocation proposal when the decider
    would refuse the proposal whatever the count: outside tallying, or for an area without a
    budget. Counting is the costly part, so it is refused first."""
    if not state.exists:
        raise BudgetingRejected(Msg.PROCESS_NOT_FOUND)
    require_phase(ProposeAllocation, state.phase)
    if local_area not in state.budgets:
        raise BudgetingRejected(Msg.BUDGET_NOT_FOUND, area=local_area)


def _create(command: CreateProcess, state: ProcessState) -> list[Event]:
    if state.exists:
        raise BudgetingRejected(Msg.PROCESS_EXISTS)
    areas = [b.local_area for b in command.budgets]
    if len(set(areas)) != len(areas):
        raise BudgetingRejected(Msg.BUDGET_AREA_REPEATED)
    if command.initial_phase not in (Phase.DRAFT, Phase.IDEAS):
        raise BudgetingRejected(Msg.INITIAL_PHASE_INVALID, phase=command.initial_phase.value)
    if not command.title.strip():
        raise BudgetingRejected(Msg.TITLE_REQUIRED)
    tasks = tuple(t.strip() for t in command.core_tasks if t.strip())
    if not tasks:
        raise BudgetingRejected(Msg.CORE_TASKS_EMPTY)
    return [
        ProcessCreated(
            process_id=command.process_id,
            title=command.title,
            municipality=command.municipality,
            description=command.description,
            title_en=command.title_en,
            description_en=command.description_en,
            initial_phase=command.initial_phase,
            core_tasks=tasks,
            budgets=command.budgets,
        )
    ]


def _check_transition(command: AdvancePhase, state: ProcessState) -> None:
    to = command.to_phase
    if to not in NEXT[state.phase]:
        raise BudgetingRejected(
            Msg.PHASE_TRANSITION_INVALID,
            from_phase=state.phase.value,
            to_phase=to.value,
            phases=",".join(p.value for p in NEXT[state.phase]),
        )
    if command.by_schedule:
        starts_at = state.schedule.get(to, (None, None))[0]
        ends_at = state.schedule.get(state.phase, (None, None))[1]
        due = (starts_at is not None and starts_at <= command.at) or (
            ends_at is not None and ends_at <= command.at
        )
        if not due:
            raise BudgetingRejected(Msg.PHASE_NOT_DUE, to_phase=to.value)
    if to is Phase.VOTING:
        if state.rules is None:
            raise BudgetingRejected(Msg.VOTING_NEEDS_RULES)
        if not state.budgets:
            raise BudgetingRejected(Msg.VOTING_NEEDS_BUDGET)
        if not any(state.ballot.values()):
            raise BudgetingRejected(Msg.VOTING_NEEDS_BALLOT)
        if not any(state.eligible_by_area.values()):
            raise BudgetingRejected(Msg.VOTING_NEEDS_CENSUS)
    if to is Phase.RESULTS_PUBLISHED:
        undecided = sorted(set(state.budgets) - set(state.decided_allocations))
        if undecided:
            raise BudgetingRejected(Msg.ALLOCATIONS_UNDECIDED, areas=", ".join(undecided))


def _check_rules(rules: AnyRules) -> None:
    match rules:
        case ApprovalRules(min_selections=lo, max_selections=hi) if hi is not None and lo > hi:
            raise BudgetingRejected(Msg.APPROVAL_RULES_INVALID, min=lo, max=hi)
        case CumulativeRules(points=n, max_per_project=m) if m is not None and m > n:
            raise BudgetingRejected(Msg.CUMULATIVE_RULES_INVALID, max=m, points=n)
        case _:
            return


_APPROVAL_RULES = frozenset(TallyRule)
_FITTING_RULES: dict[str, frozenset[TallyRule]] = {
    "approval": _APPROVAL_RULES,
    "knapsack": _APPROVAL_RULES,
    "cumulative": _APPROVAL_RULES - {TallyRule.PHRAGMEN},
    "ranked": frozenset(
        {
            TallyRule.GREEDY,
            TallyRule.GREEDY_SCORE,
            TallyRule.GREEDY_NO_SKIP,
            TallyRule.GREEDY_SCORE_NO_SKIP,
        }
    ),
}


def _check_rule_fits(rule: TallyRule, rules: AnyRules) -> None:
    if rule not in _FITTING_RULES[rules.format]:
        raise BudgetingRejected(Msg.TALLY_RULE_UNFIT, rule=rule.value, format=rules.format)


def _put_on_ballot(
    command: PutOnBallot, state: ProcessState, proposal: ProposalState | None
) -> list[Event]:
    if proposal is None or not proposal.exists:
        raise BudgetingRejected(Msg.PROPOSAL_NOT_FOUND)
    if proposal.process_id != command.process_id:
        raise BudgetingRejected(Msg.WRONG_PROCESS)
    if proposal.withdrawn:
        raise BudgetingRejected(Msg.PROPOSAL_WITHDRAWN)
    if proposal.merged_into is not None:
        raise BudgetingRejected(Msg.PROPOSAL_MERGED)
    if state.price_on_ballot(command.proposal_id) is not None:
        raise BudgetingRejected(Msg.ALREADY_ON_BALLOT)
    if proposal.feasible is not True:
        raise BudgetingRejected(Msg.NOT_FEASIBLE)
    if proposal.price_ore is None:
        raise BudgetingRejected(Msg.NO_PRICE)
    budget = state.budgets.get(proposal.local_area)
    if budget is None:
        raise BudgetingRejected(Msg.LOCAL_AREA_UNKNOWN, area=proposal.local_area)
    if proposal.price_ore > budget:
        raise BudgetingRejected(
            Msg.PRICE_OVER_BUDGET, price_ore=proposal.price_ore, budget_ore=budget
        )
    if len(proposal.supporters) < state.support_threshold:
        raise BudgetingRejected(
            Msg.TOO_FEW_SUPPORTS,
            supports=len(proposal.supporters),
            threshold=state.support_threshold,
        )
    return [
        ProposalPutOnBallot(
            process_id=command.process_id,
            proposal_id=command.proposal_id,
            local_area=proposal.local_area,
            price_ore=proposal.price_ore,
        )
    ]


def _check_allocation(
    area: str, funded: tuple[ProjectFunding, ...], state: ProcessState, incompatible: Pairs
) -> None:
    budget = state.budgets.get(area)
    if budget is None:
        raise BudgetingRejected(Msg.BUDGET_NOT_FOUND, area=area)
    if area in state.decided_allocations:
        raise BudgetingRejected(Msg.ALLOCATION_DECIDED, area=area)
    prices = state.ballot.get(area, {})
    ids = [f.proposal_id for f in funded]
    if len(set(ids)) != len(ids):
        raise BudgetingRejected(Msg.DUPLICATE_FUNDING)
    unknown = [i for i in ids if i not in prices]
    if unknown:
        raise BudgetingRejected(Msg.UNKNOWN_PROJECT, count=len(unknown), area=area)
    for f in funded:
        if f.amount_ore <= 0:
            raise BudgetingRejected(Msg.AMOUNT_NOT_POSITIVE)
        if f.amount_ore > prices[f.proposal_id]:
            raise BudgetingRejected(
                Msg.FUNDING_OVER_PRICE, amount_ore=f.amount_ore, price_ore=prices[f.proposal_id]
            )
    spent = sum(f.amount_ore for f in funded)
    if spent > budget:
        raise BudgetingRejected(Msg.ALLOCATION_OVER_BUDGET, spent_ore=spent, budget_ore=budget)
    conflict = first_conflict([f.proposal_id for f in funded if f.amount_ore > 0], incompatible)
    if conflict is not None:
        raise BudgetingRejected(
            Msg.INCOMPATIBLE_FUNDED, first=str(conflict[0]), second=str(conflict[1])
        )


def _decide_allocation(command: DecideAllocation, state: ProcessState) -> list[Event]:
    area = command.local_area
    proposed = state.proposed_allocations.get(area)
    if area in state.decided_allocations:
        raise BudgetingRejected(Msg.ALLOCATION_DECIDED, area=area)
    if command.funded is None:
        if proposed is None:
            raise BudgetingRejected(Msg.NO_ALLOCATION_PROPOSAL, area=area)
        funded = proposed
    else:
        funded = command.funded
    _check_allocation(area, funded, state, command.incompatible)
    confirmed = proposed is not None and _same_funding(funded, proposed)
    if not confirmed and not command.reason.strip():
        raise BudgetingRejected(Msg.REASON_REQUIRED)
    return [
        AllocationDecided(
            process_id=command.process_id,
            local_area=area,
            confirmed=confirmed,
            funded=funded,
            reason=command.reason,
            decided_by=command.decided_by,
        )
    ]


def _same_funding(a: tuple[ProjectFunding, ...], b: tuple[ProjectFunding, ...]) -> bool:
    return sorted((f.proposal_id, f.amount_ore) for f in a) == sorted(
        (f.proposal_id, f.amount_ore) for f in b
    )


# --- evolve ----------------------------------------------------------------------------------


def evolve_process(state: ProcessState, event: Event) -> ProcessState:
    match event:
        case ProcessCreated():
            return ProcessState(
                exists=True,
                title=event.title,
                municipality=event.municipality,
                description=event.description,
                title_en=event.title_en,
                description_en=event.description_en,
                phase=event.initial_phase,
                core_tasks=event.core_tasks,
                budgets={b.local_area: b.amount_ore for b in event.budgets},
            )
        case ProcessDetailsChanged():
            names = ("title", "title_en", "description", "description_en")
            changed = {n: getattr(event, n) for n in names if getattr(event, n) is not None}
            return replace(state, **changed)
        case BudgetSet():
            budget = event.budget
            return replace(state, budgets={**state.budgets, budget.local_area: budget.amount_ore})
        case BudgetRemoved():
            budgets = {a: v for a, v in state.budgets.items() if a != event.local_area}
            return replace(state, budgets=budgets)
        case CoreTasksSet():
            return replace(state, core_tasks=event.core_tasks)
        case PhaseScheduled():
            window = (event.starts_at, event.ends_at)
            return replace(state, schedule={**state.schedule, event.phase: window})
        case PhaseChanged():
            return replace(state, phase=event.to_phase)
        case BallotRulesSet():
            return replace(
                state,
                rules=event.rules,
                rules_version=event.rules_version,
                budget_scope=event.budget_scope,
            )
        case TallyRuleChosen():
            return replace(state, tally_rule=event.rule)
        case LiveResultsVisibilitySet():
            return replace(state, live_results_public=event.public)
        case SupportThresholdSet():
            return replace(state, support_threshold=event.min_supports)
        case CensusImported():
            return replace(
                state, minimum_age=event.minimum_age, eligible_by_area=event.eligible_by_area
            )
        case ProposalPutOnBallot():
            area = {**state.ballot.get(event.local_area, {}), event.proposal_id: event.price_ore}
            return replace(state, ballot={**state.ballot, event.local_area: area})
        case ProposalRemovedFromBallot():
            area = {
                k: v
                for k, v in state.ballot.get(event.local_area, {}).items()
                if k != event.proposal_id
            }
            return replace(state, ballot={**state.ballot, event.local_area: area})
        case AllocationProposed():
            proposed = {**state.proposed_allocations, event.local_area: event.funded}
            return replace(state, proposed_allocations=proposed)
        case AllocationDecided():
            decided = {**state.decided_allocations, event.local_area: event.funded}
            return replace(state, decided_allocations=decided)
        case _:
            return state
