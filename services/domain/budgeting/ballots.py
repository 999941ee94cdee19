"""Eligibility and ballot deciders.

A ballot stream holds one voter's ballot in one budget, so "exactly one active ballot per voter
per budget" is the stream's identity: its id is a uuid5 of (process, budget, voter pseudonym).
When a voter may vote in any one budget, the budget part is `*`, so one stream spans them all.
Concurrent casts by one voter contend for the same stream version: one wins, the others are
re-decided against the new state and become replacements (or clean refusals).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import ClassVar, assert_never
from uuid import UUID, uuid5

from events.base import Event
from events.budgeting_ballots import (
    BallotCast,
    BallotReplaced,
    BallotWithdrawn,
    VoterRegistered,
    ballot_receipt,
)
from events.budgeting_common import (
    ApprovalRules,
    BallotChannel,
    BallotFormat,
    BudgetScope,
    CumulativeRules,
    KnapsackRules,
    Phase,
    RankedRules,
)
from services.domain.budgeting.phases import UNTIL_VOTING_ENDS
from services.domain.budgeting.process import AnyRules, ProcessState, require_phase
from services.domain.messages import BudgetingRejected, Msg

# Fixed forever: changing it would move every ballot to a new stream.
STREAM_NAMESPACE = UUID("6f1c2a8e-5b7d-4e8a-9c3f-2d4b6a8e0c11")
ANY_BUDGET = "*"


def ballot_stream_id(process_id: UUID, budget: str, voter: str) -> UUID:
    return uuid5(STREAM_NAMESPACE, f"ballot|{process_id}|{budget}|{voter}")


def ballot_stream(process_id: UUID, local_area: str, voter: str, scope: BudgetScope) -> str:
    """The stream of the voter's ballot for `local_area` under the process's budget scope."""
    budget = ANY_BUDGET if scope is BudgetScope.ANY_ONE else local_area
    return f"ballot-{ballot_stream_id(process_id, budget, voter)}"


def eligibility_stream(process_id: UUID, voter: str) -> str:
    return f"eligibility-{uuid5(STREAM_NAMESPACE, f'eligibility|{process_id}|{voter}')}"


# --- eligibility -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EligibilityState:
    registered: bool = False
    local_area: str = ""
    census_id: UUID | None = None


ELIGIBILITY_INITIAL = EligibilityState()


@dataclass(frozen=True)
class RegisterVoter:
    """From a census import: `voter` is the keyed pseudonym, age already checked at the edge."""

    allowed_in: ClassVar[frozenset[Phase]] = UNTIL_VOTING_ENDS

    process_id: UUID
    voter: str
    local_area: str
    census_id: UUID


def decide_eligibility(
    command: RegisterVoter, state: EligibilityState, process: ProcessState
) -> list[Event]:
    if not process.exists:
        raise BudgetingRejected(Msg.PROCESS_NOT_FOUND)
    require_phase(command, process.phase)
    if state.registered and (state.local_area, state.census_id) == (
        command.local_area,
        command.census_id,
    ):
        return []  # a re-run of the same import changes nothing
    return [
        VoterRegistered(
            process_id=command.process_id,
            voter=command.voter,
            local_area=command.local_area,
            census_id=command.census_id,
        )
    ]


def evolve_eligibility(state: EligibilityState, event: Event) -> EligibilityState:
    match event:
        case VoterRegistered():
            return EligibilityState(True, event.local_area, event.census_id)
        case _:
            return state


# --- ballots ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CastBallot:
    """Cast a ballot, or replace the voter's active one in this stream.

    `nonce` is a random salt from the edge (it makes the receipt unguessable); `entered_by` is
    the staff member who typed in a paper or assisted ballot.
    """

    allowed_in: ClassVar[frozenset[Phase]] = frozenset({Phase.VOTING})

    process_id: UUID
    local_area: str
    voter: str
    channel: BallotChannel
    at: datetime
    nonce: str
    approvals: tuple[UUID, ...] = ()
    points: Mapping[UUID, int] = field(default_factory=dict)
    ranking: tuple[UUID, ...] = ()
    entered_by: str | None = None


@dataclass(frozen=True)
class WithdrawBallot:
    allowed_in: ClassVar[frozenset[Phase]] = frozenset({Phase.VOTING})

    process_id: UUID
    local_area: str
    voter: str
    at: datetime
    withdrawn_by_staff: str | None = None


BallotCommand = CastBallot | WithdrawBallot


@dataclass(frozen=True)
class BallotState:
    active: bool = False
    local_area: str = ""
    channel: BallotChannel | None = None
    paper_recorded: bool = False
    times_cast: int = 0
    rules_version: int = 0
    approvals: tuple[UUID, ...] = ()
    points: Mapping[UUID, int] = field(default_factory=dict)
    ranking: tuple[UUID, ...] = ()
    last_ballot: BallotCast | BallotReplaced | None = None


BALLOT_INITIAL = BallotState()

_STAFF_CHANNELS = frozenset({BallotChannel.PAPER, BallotChannel.ASSISTED})


def decide_ballot(
    command: BallotCommand,
    state: BallotState,
    process: ProcessState,
    eligibility: EligibilityState,
) -> list[Event]:
    """Decide a ballot command against the process (phase, rules, ballot) and the voter's
    eligibility (from their eligibility stream)."""
    if not process.exists:
        raise BudgetingRejected(Msg.PROCESS_NOT_FOUND)
    require_phase(command, process.phase)
    _require_open(command.at, process)
    match command:
        case CastBallot():
            return _cast(command, state, process, eligibility)
        case WithdrawBallot():
            if not state.active:
                by_staff = command.withdrawn_by_staff is not None
                raise BudgetingRejected(
                    Msg.VOTER_NO_ACTIVE_BALLOT if by_staff else Msg.NO_ACTIVE_BALLOT
                )
            if state.channel in _STAFF_CHANNELS and command.withdrawn_by_staff is None:
                raise BudgetingRejected(Msg.STAFF_REQUIRED, channel=str(state.channel))
            return [
                BallotWithdrawn(
                    process_id=command.process_id,
                    local_area=state.local_area,
                    voter=command.voter,
                    withdrawn_at=command.at,
                )
            ]
        case _:
            assert_never(command)


def _require_open(at: datetime, process: ProcessState) -> None:
    ends_at = process.schedule.get(Phase.VOTING, (None, None))[1]
    if ends_at is not None and at >= ends_at:
        raise BudgetingRejected(Msg.VOTING_CLOSED)


def _cast(
    command: CastBallot,
    state: BallotState,
    process: ProcessState,
    eligibility: EligibilityState,
) -> list[Event]:
    # Staff entering a ballot for a voter are told about the voter, a voter about themselves.
    by_staff = command.entered_by is not None
    if not eligibility.registered:
        raise BudgetingRejected(Msg.VOTER_NOT_IN_CENSUS if by_staff else Msg.VOTER_NOT_ELIGIBLE)
    area = command.local_area
    if area not in process.budgets:
        raise BudgetingRejected(Msg.BUDGET_NOT_FOUND, area=area)
    if process.budget_scope is BudgetScope.OWN_AREA and area != eligibility.local_area:
        wrong = Msg.VOTER_WRONG_AREA if by_staff else Msg.WRONG_AREA
        raise BudgetingRejected(wrong, area=area, own_area=eligibility.local_area)
    if command.channel in _STAFF_CHANNELS and not command.entered_by:
        raise BudgetingRejected(Msg.STAFF_REQUIRED, channel=command.channel.value)
    if state.paper_recorded and command.channel is not BallotChannel.PAPER:
        raise BudgetingRejected(Msg.VOTER_VOTED_ON_PAPER if by_staff else Msg.PAPER_BALLOT_EXISTS)
    assert process.rules is not None  # voting cannot open without rules
    validate_choices(
        process.rules,
        area,
        process.budgets[area],
        process.ballot.get(area, {}),
        approvals=command.approvals,
        points=command.points,
        ranking=command.ranking,
    )
    cls = BallotReplaced if state.active else BallotCast
    return [
        cls(
            process_id=command.process_id,
            local_area=area,
            voter=command.voter,
            channel=command.channel,
            ballot_format=BallotFormat(process.rules.format),
            rules_version=process.rules_version,
            approvals=command.approvals,
            points=dict(command.points),
            ranking=command.ranking,
            cast_at=command.at,
            entered_by=command.entered_by,
            nonce=command.nonce,
        )
    ]


def validate_choices(
    rules: AnyRules,
    area: str,
    budget_ore: int,
    prices: Mapping[UUID, int],
    *,
    approvals: tuple[UUID, ...] = (),
    points: Mapping[UUID, int] | None = None,
    ranking: tuple[UUID, ...] = (),
) -> None:
    """Refuse a ballot that breaks the rules, naming the rule and the figures."""
    points = points or {}
    used = {
        "approvals": bool(approvals),
        "points": bool(points),
        "ranking": bool(ranking),
    }
    expected = {
        "approval": "approvals",
        "knapsack": "approvals",
        "cumulative": "points",
        "ranked": "ranking",
    }[rules.format]
    if any(v for k, v in used.items() if k != expected):
        raise BudgetingRejected(Msg.BALLOT_WRONG_FORMAT, format=rules.format)
    chosen = list(approvals) + list(points) + list(ranking)
    if len(set(chosen)) != len(chosen):
        raise BudgetingRejected(Msg.DUPLICATE_CHOICE)
    unknown = [c for c in chosen if c not in prices]
    if unknown:
        raise BudgetingRejected(Msg.UNKNOWN_PROJECT, count=len(unknown), area=area)
    match rules:
        case ApprovalRules():
            n = len(approvals)
            if rules.max_selections is not None and n > rules.max_selections:
                raise BudgetingRejected(Msg.TOO_MANY_SELECTIONS, count=n, max=rules.max_selections)
            if n < max(rules.min_selections, 1):
                raise BudgetingRejected(
                    Msg.TOO_FEW_SELECTIONS, count=n, min=max(rules.min_selections, 1)
                )
        case KnapsackRules():
            _check_knapsack(rules, budget_ore, prices, approvals)
        case CumulativeRules():
            if any(p <= 0 for p in points.values()):
                raise BudgetingRejected(Msg.POINTS_NOT_POSITIVE)
            if not points:
                raise BudgetingRejected(Msg.EMPTY_BALLOT)
            total = sum(points.values())
            if total > rules.points:
                raise BudgetingRejected(Msg.TOO_MANY_POINTS, points=total, max=rules.points)
            top = max(points.values())
            if rules.max_per_project is not None and top > rules.max_per_project:
                raise BudgetingRejected(
                    Msg.TOO_MANY_POINTS_ON_ONE, points=top, max=rules.max_per_project
                )
        case RankedRules():
            if not ranking:
                raise BudgetingRejected(Msg.EMPTY_BALLOT)
            if len(ranking) > rules.top_k:
                raise BudgetingRejected(Msg.TOO_MANY_RANKED, count=len(ranking), max=rules.top_k)
        case _:
            assert_never(rules)


def _check_knapsack(
    rules: KnapsackRules, budget_ore: int, prices: Mapping[UUID, int], approvals: tuple[UUID, ...]
) -> None:
    if not approvals:
        raise BudgetingRejected(Msg.EMPTY_BALLOT)
    spent = sum(prices[a] for a in approvals)
    if spent > budget_ore:
        raise BudgetingRejected(Msg.OVER_BUDGET, spent_ore=spent, budget_ore=budget_ore)
    if rules.min_spend_percent is not None and spent * 100 < rules.min_spend_percent * budget_ore:
        minimum = -(-rules.min_spend_percent * budget_ore // 100)  # rounded up to whole øre
        raise BudgetingRejected(
            Msg.UNDER_MIN_SPEND,
            spent_ore=spent,
            minimum_ore=minimum,
            percent=rules.min_spend_percent,
        )
    if rules.min_projects is not None and len(approvals) < rules.min_projects:
        raise BudgetingRejected(Msg.TOO_FEW_PROJECTS, count=len(approvals), min=rules.min_projects)


def evolve_ballot(state: BallotState, event: Event) -> BallotState:
    match event:
        case BallotCast() | BallotReplaced():
            return replace(
                state,
                active=True,
                local_area=event.local_area,
                channel=event.channel,
                paper_recorded=state.paper_recorded or event.channel is BallotChannel.PAPER,
                times_cast=state.times_cast + 1,
                rules_version=event.rules_version,
                approvals=event.approvals,
                points=event.points,
                ranking=event.ranking,
                last_ballot=event,
            )
        case BallotWithdrawn():
            return replace(state, active=False, approvals=(), points={}, ranking=())
        case _:
            return state


def counted_receipts(states: Mapping[str, BallotState]) -> frozenset[str]:
    """Receipts of the active ballots among `states` (stream id -> state)."""
    return frozenset(
        ballot_receipt(s.last_ballot)
        for s in states.values()
        if s.active and s.last_ballot is not None
    )
