"""Given/when/then for the ledger and implementation tracking after the allocation decision."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest

from events.budgeting import ImplementationStatus, Phase, ProjectFunding, TallyRule
from services.domain.budgeting.implementation import (
    IMPLEMENTATION_INITIAL,
    AddMilestone,
    CompleteMilestone,
    ImplementationCommand,
    ImplementationState,
    UpdateImplementation,
    decide_implementation,
    evolve_implementation,
)
from services.domain.budgeting.ledger import (
    LEDGER_INITIAL,
    DisburseFunds,
    LedgerCommand,
    LedgerState,
    ReturnFunds,
    balance,
    decide_ledger,
    evolve_ledger,
)
from services.domain.budgeting.process import DecideAllocation, ProposeAllocation
from services.domain.messages import BudgetingRejected, Msg
from services.texts.rejections import rejection_text
from tests.unit.budgeting_given import AREA, KR, OTHER_AREA, World, fold, world_in_voting


def decided() -> tuple[World, list[UUID]]:
    """Tørring funds its first project in full and its second at 150,000 of 300,000 kr."""
    w, ids = world_in_voting()
    w.advance(Phase.TALLYING)
    funded = (
        ProjectFunding(proposal_id=ids[0], amount_ore=400_000 * KR),
        ProjectFunding(proposal_id=ids[1], amount_ore=150_000 * KR),
    )
    w.apply(ProposeAllocation(w.process_id, AREA, TallyRule.GREEDY, funded, ballots_counted=9))
    w.apply(DecideAllocation(w.process_id, AREA, decided_by="admin-1"))
    w.apply(DecideAllocation(w.process_id, OTHER_AREA, "admin-1", funded=(), reason="Ingen"))
    w.advance(Phase.RESULTS_PUBLISHED)
    return w, ids


def run_ledger(w: World, *commands: LedgerCommand) -> LedgerState:
    state = LEDGER_INITIAL
    for c in commands:
        state = fold(evolve_ledger, state, decide_ledger(c, state, w.process))
    return state


def test_the_ledger_balances_after_disbursements_and_returns() -> None:
    w, ids = decided()
    state = run_ledger(
        w,
        DisburseFunds(w.process_id, AREA, ids[0], 250_000 * KR, w.now, reference="F-1"),
        ReturnFunds(w.process_id, AREA, ids[1], 50_000 * KR, w.now, reason="Billigere"),
    )
    b = balance(w.process, state, AREA)
    assert b.allocated_ore == 550_000 * KR
    assert b.disbursed_ore == 250_000 * KR
    assert b.returned_ore == 50_000 * KR
    assert b.remaining_ore == 500_000 * KR
    assert b.outstanding_ore == 250_000 * KR
    assert b.budget_ore == b.remaining_ore + b.disbursed_ore + b.outstanding_ore


def test_disbursing_more_than_is_outstanding_is_refused_with_the_figures() -> None:
    w, ids = decided()
    with pytest.raises(BudgetingRejected) as err:
        run_ledger(w, DisburseFunds(w.process_id, AREA, ids[1], 200_000 * KR, w.now))
    assert err.value.code is Msg.OVER_OUTSTANDING
    assert "200,000 kr." in rejection_text(err.value, "en") and "150,000 kr." in rejection_text(
        err.value, "en"
    )


def test_an_unfunded_project_receives_no_money() -> None:
    w, ids = decided()
    with pytest.raises(BudgetingRejected) as err:
        run_ledger(w, DisburseFunds(w.process_id, AREA, ids[3], 1 * KR, w.now))
    assert err.value.code is Msg.NOT_FUNDED


def test_no_money_moves_before_results_are_published() -> None:
    w, ids = world_in_voting()
    with pytest.raises(BudgetingRejected) as err:
        run_ledger(w, DisburseFunds(w.process_id, AREA, ids[0], 1 * KR, w.now))
    assert err.value.code is Msg.WRONG_PHASE


def run_impl(w: World, pid: UUID, *commands: ImplementationCommand) -> ImplementationState:
    state = IMPLEMENTATION_INITIAL
    for c in commands:
        state = fold(evolve_implementation, state, decide_implementation(c, state, w.process))
    return state


def test_implementation_tracks_status_progress_and_milestones() -> None:
    w, ids = decided()
    w.advance(Phase.IMPLEMENTATION)
    m = uuid4()
    p, pr = w.process_id, ids[0]
    state = run_impl(
        w,
        pr,
        AddMilestone(p, pr, m, "Bænke opsat", due_on=date(2026, 9, 1)),
        UpdateImplementation(p, pr, ImplementationStatus.IN_PROGRESS, 40, w.now),
        CompleteMilestone(p, pr, m, completed_on=date(2026, 8, 28)),
    )
    assert state.status is ImplementationStatus.IN_PROGRESS and state.progress_percent == 40
    assert state.milestones[m].completed_on == date(2026, 8, 28)


def test_a_project_cannot_be_completed_below_full_progress() -> None:
    w, ids = decided()
    with pytest.raises(BudgetingRejected) as err:
        run_impl(
            w,
            ids[0],
            UpdateImplementation(w.process_id, ids[0], ImplementationStatus.COMPLETED, 90, w.now),
        )
    assert err.value.code is Msg.COMPLETED_NEEDS_FULL_PROGRESS


def test_a_finished_project_is_not_changed_again() -> None:
    w, ids = decided()
    p, pr = w.process_id, ids[0]
    with pytest.raises(BudgetingRejected) as err:
        run_impl(
            w,
            pr,
            UpdateImplementation(p, pr, ImplementationStatus.COMPLETED, 100, w.now),
            UpdateImplementation(p, pr, ImplementationStatus.IN_PROGRESS, 50, w.now),
        )
    assert err.value.code is Msg.IMPLEMENTATION_FINISHED


def test_completing_an_unknown_milestone_is_refused() -> None:
    w, ids = decided()
    with pytest.raises(BudgetingRejected) as err:
        run_impl(w, ids[0], CompleteMilestone(w.process_id, ids[0], uuid4(), date(2026, 1, 1)))
    assert err.value.code is Msg.MILESTONE_NOT_FOUND
