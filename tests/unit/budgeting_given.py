"""Shared givens for the budgeting decider tests: a process walked to a phase, proposals, ids."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from functools import reduce
from typing import TypeVar
from uuid import UUID, uuid4

from events.base import Event
from events.budgeting_common import ApprovalRules, Budget, BudgetScope, Phase
from services.domain.budgeting.process import (
    PROCESS_INITIAL,
    AdvancePhase,
    AnyRules,
    CreateProcess,
    ProcessCommand,
    PutOnBallot,
    RecordCensus,
    SetBallotRules,
    decide_process,
    evolve_process,
)
from services.domain.budgeting.proposal_state import PROPOSAL_INITIAL, ProposalState
from services.domain.budgeting.proposals import (
    EstimateCost,
    ProposalCommand,
    PublishPrice,
    ReviewProposal,
    SubmitProposal,
    decide_proposal,
    evolve_proposal,
)

S = TypeVar("S")

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
KR = 100  # øre per krone
AREA = "Tørring"
OTHER_AREA = "Juelsminde"
BUDGETS = (
    Budget(local_area=AREA, amount_ore=1_000_000 * KR),
    Budget(local_area=OTHER_AREA, amount_ore=500_000 * KR),
)
CORE_TASK = "Fritid og fællesskab"


def fold(evolve: Callable[[S, Event], S], initial: S, events: Iterable[Event]) -> S:
    return reduce(evolve, events, initial)


class World:
    """One process and its proposals, driven through the deciders as the handlers would."""

    def __init__(self, initial_phase: Phase = Phase.DRAFT) -> None:
        self.process_id = uuid4()
        self.process = PROCESS_INITIAL
        self.proposals: dict[UUID, ProposalState] = {}
        self.now = T0
        self.other_ids: list[UUID] = []
        self.apply(
            CreateProcess(
                process_id=self.process_id,
                title="Borgerbudget 2026",
                municipality="Hedensted",
                budgets=BUDGETS,
                initial_phase=initial_phase,
            )
        )

    def apply(self, command: ProcessCommand, proposal: ProposalState | None = None) -> list[Event]:
        events = decide_process(command, self.process, proposal)
        self.process = fold(evolve_process, self.process, events)
        return events

    def census(self, eligible: dict[str, int] | None = None) -> None:
        """The census summary: by default 10 voters in each area."""
        eligible = eligible if eligible is not None else {AREA: 10, OTHER_AREA: 10}
        self.apply(RecordCensus(self.process_id, uuid4(), 15, self.now.date(), eligible))

    def advance(self, to: Phase) -> None:
        self.now += timedelta(days=1)
        self.apply(AdvancePhase(self.process_id, to, self.now))

    def submit(self, area: str = AREA, cost_kr: int = 100_000, author: str = "citizen-1") -> UUID:
        pid = uuid4()
        command = SubmitProposal(
            proposal_id=pid,
            process_id=self.process_id,
            author=author,
            title=f"Forslag {pid.hex[:6]}",
            description="Et bedre lokalområde",
            estimated_cost_ore=cost_kr * KR,
            local_area=area,
            core_task=CORE_TASK,
        )
        self.proposal_do(pid, command)
        return pid

    def proposal_do(
        self, pid: UUID, command: ProposalCommand, other: ProposalState | None = None
    ) -> list[Event]:
        state = self.proposals.get(pid, PROPOSAL_INITIAL)
        events = decide_proposal(command, state, self.process, other)
        self.proposals[pid] = fold(evolve_proposal, state, events)
        return events

    def make_ready(self, pid: UUID, price_kr: int) -> None:
        self.proposal_do(pid, ReviewProposal(pid, feasible=True))
        self.proposal_do(pid, EstimateCost(pid, price_kr * KR))

    def price(self, pid: UUID) -> None:
        self.proposal_do(pid, PublishPrice(pid))

    def put_on_ballot(self, pid: UUID) -> None:
        self.apply(PutOnBallot(self.process_id, pid), self.proposals[pid])


def world_in_voting(
    rules: AnyRules | None = None,
    prices_kr: tuple[int, ...] = (400_000, 300_000, 300_000, 200_000),
    scope: BudgetScope = BudgetScope.OWN_AREA,
) -> tuple[World, list[UUID]]:
    """A process with the given ballot rules, `prices_kr` on the Tørring ballot (the ids returned)
    and one 100,000 kr. project on the Juelsminde ballot (`w.other_ids`), voting open."""
    w = World(Phase.DRAFT)
    w.apply(SetBallotRules(w.process_id, rules or ApprovalRules(max_selections=5), scope))
    w.advance(Phase.IDEAS)
    ids = [w.submit(cost_kr=p) for p in prices_kr]
    w.other_ids = [w.submit(area=OTHER_AREA, cost_kr=100_000)]
    w.advance(Phase.REVIEW)
    for pid, p in zip([*ids, *w.other_ids], [*prices_kr, 100_000], strict=True):
        w.make_ready(pid, p)
        w.price(pid)
        w.put_on_ballot(pid)
    w.census()
    w.advance(Phase.VOTING)
    return w, ids
