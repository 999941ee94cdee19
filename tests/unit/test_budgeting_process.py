"""Given/when/then for the process decider: creation, budgets, phases, rules, allocation."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from events.budgeting import (
    DEFAULT_CORE_TASKS,
    ApprovalRules,
    BallotRulesSet,
    Budget,
    CumulativeRules,
    KnapsackRules,
    Phase,
    PhaseChanged,
    ProcessCreated,
    ProjectFunding,
    RankedRules,
    TallyRule,
)
from services.domain.budgeting.phases import due_phase
from services.domain.budgeting.process import (
    PROCESS_INITIAL,
    AdvancePhase,
    ChooseTallyRule,
    CreateProcess,
    DecideAllocation,
    ProposeAllocation,
    SchedulePhase,
    SetBallotRules,
    SetBudget,
    SetLiveResultsVisibility,
    check_countable,
    decide_process,
    evolve_process,
)
from services.domain.budgeting.proposals import SubmitProposal
from services.domain.errors import CommandRejected, RejectionKind
from services.domain.messages import BudgetingRejected, Msg
from services.texts.rejections import rejection_text
from services.texts.words import format_kr
from tests.unit.budgeting_given import AREA, KR, OTHER_AREA, World, fold, world_in_voting


def test_a_new_process_accepts_proposals_by_default() -> None:
    pid = uuid4()
    events = decide_process(CreateProcess(pid, "Borgerbudget", "Hedensted"), PROCESS_INITIAL)
    state = fold(evolve_process, PROCESS_INITIAL, events)
    assert state.phase is Phase.IDEAS
    assert state.core_tasks == DEFAULT_CORE_TASKS


def test_a_process_created_as_draft_starts_in_draft() -> None:
    w = World(Phase.DRAFT)
    assert w.process.phase is Phase.DRAFT
    assert w.process.budgets == {AREA: 1_000_000 * KR, OTHER_AREA: 500_000 * KR}


def test_a_process_created_before_initial_phase_existed_replays_into_ideas() -> None:
    old = ProcessCreated.model_validate(
        {"process_id": str(uuid4()), "title": "Gammel", "municipality": "Hedensted"}
    )
    assert evolve_process(PROCESS_INITIAL, old).phase is Phase.IDEAS


def test_a_process_cannot_be_created_twice() -> None:
    w = World()
    with pytest.raises(CommandRejected) as err:
        w.apply(CreateProcess(w.process_id, "Igen", "Hedensted"))
    assert err.value.kind is RejectionKind.CONFLICT


def test_a_process_cannot_be_created_with_two_budgets_for_one_area() -> None:
    budgets = (
        Budget(local_area="Nord", amount_ore=100_000),
        Budget(local_area="Syd", amount_ore=100_000),
        Budget(local_area="Nord", amount_ore=50_000, name="Igen"),
    )
    with pytest.raises(BudgetingRejected) as err:
        decide_process(CreateProcess(uuid4(), "T", "H", budgets=budgets), PROCESS_INITIAL)
    assert err.value.code == Msg.BUDGET_AREA_REPEATED
    assert err.value.kind is RejectionKind.INVALID
    assert rejection_text(err.value, "da") == "Hvert lokalområde kan kun have ét budget."
    assert rejection_text(err.value, "en") == "Each local area may have only one budget."


def test_a_process_may_be_created_with_one_budget_for_each_area() -> None:
    budgets = (
        Budget(local_area="Nord", amount_ore=100_000),
        Budget(local_area="Syd", amount_ore=100_000),
    )
    [created] = decide_process(CreateProcess(uuid4(), "T", "H", budgets=budgets), PROCESS_INITIAL)
    assert isinstance(created, ProcessCreated)
    assert created.budgets == budgets


def test_a_process_cannot_start_in_voting() -> None:
    with pytest.raises(BudgetingRejected) as err:
        decide_process(
            CreateProcess(uuid4(), "T", "H", initial_phase=Phase.VOTING), PROCESS_INITIAL
        )
    assert err.value.code is Msg.INITIAL_PHASE_INVALID


def test_phases_move_forward_one_step_at_a_time() -> None:
    w = World(Phase.DRAFT)
    with pytest.raises(BudgetingRejected) as err:
        w.advance(Phase.VOTING)
    assert err.value.code is Msg.PHASE_TRANSITION_INVALID
    assert "draft" in rejection_text(err.value, "en") and "ideas" in rejection_text(err.value, "en")


def test_a_proposal_submitted_in_review_is_refused_naming_the_phase() -> None:
    w = World(Phase.IDEAS)
    w.advance(Phase.REVIEW)
    with pytest.raises(BudgetingRejected) as err:
        w.submit()
    assert err.value.code is Msg.WRONG_PHASE
    assert rejection_text(err.value, "en") == (
        "You cannot submit a proposal in the review phase; this is possible in: ideas."
    )
    assert rejection_text(err.value, "da") == (
        "Du kan ikke indsende et forslag i fasen »gennemgang«; det kan ske i: idéindsamling."
    )


def test_voting_cannot_open_without_ballot_rules() -> None:
    w = World(Phase.IDEAS)
    w.advance(Phase.REVIEW)
    with pytest.raises(BudgetingRejected) as err:
        w.advance(Phase.VOTING)
    assert err.value.code is Msg.VOTING_NEEDS_RULES


def test_voting_cannot_open_with_an_empty_ballot() -> None:
    w = World(Phase.IDEAS)
    w.apply(SetBallotRules(w.process_id, ApprovalRules()))
    w.advance(Phase.REVIEW)
    with pytest.raises(BudgetingRejected) as err:
        w.advance(Phase.VOTING)
    assert err.value.code is Msg.VOTING_NEEDS_BALLOT


def ready_for_voting_but_the_census() -> World:
    w = World(Phase.IDEAS)
    w.apply(SetBallotRules(w.process_id, ApprovalRules()))
    pid = w.submit()
    w.advance(Phase.REVIEW)
    w.make_ready(pid, 100_000)
    w.price(pid)
    w.put_on_ballot(pid)
    return w


def test_voting_cannot_open_before_the_census_is_imported() -> None:
    w = ready_for_voting_but_the_census()
    with pytest.raises(BudgetingRejected) as err:
        w.advance(Phase.VOTING)
    assert err.value.code is Msg.VOTING_NEEDS_CENSUS
    assert (
        rejection_text(err.value, "da") == "Afstemningen kan ikke åbne, før valglisten er indlæst."
    )


def test_voting_cannot_open_with_a_census_of_nobody() -> None:
    w = ready_for_voting_but_the_census()
    w.census({AREA: 0, OTHER_AREA: 0})
    with pytest.raises(BudgetingRejected) as err:
        w.advance(Phase.VOTING)
    assert err.value.code is Msg.VOTING_NEEDS_CENSUS
    w.census()
    w.advance(Phase.VOTING)
    assert w.process.phase is Phase.VOTING


def test_ballot_rules_are_versioned() -> None:
    w = World(Phase.DRAFT)
    w.apply(SetBallotRules(w.process_id, ApprovalRules(max_selections=3)))
    events = w.apply(SetBallotRules(w.process_id, KnapsackRules(min_spend_percent=50)))
    assert isinstance(events[0], BallotRulesSet)
    assert events[0].rules_version == 2
    assert w.process.rules == KnapsackRules(min_spend_percent=50)


def test_ballot_rules_are_frozen_once_voting_opens() -> None:
    w, _ = world_in_voting()
    with pytest.raises(BudgetingRejected) as err:
        w.apply(SetBallotRules(w.process_id, ApprovalRules(max_selections=1)))
    assert err.value.code is Msg.WRONG_PHASE
    assert "voting" in rejection_text(err.value, "en")


def test_the_tally_rule_is_frozen_once_voting_opens() -> None:
    w, _ = world_in_voting()
    with pytest.raises(BudgetingRejected):
        w.apply(ChooseTallyRule(w.process_id, TallyRule.MES))


def test_contradictory_approval_rules_are_refused_with_the_figures() -> None:
    w = World(Phase.DRAFT)
    with pytest.raises(BudgetingRejected) as err:
        w.apply(SetBallotRules(w.process_id, ApprovalRules(min_selections=4, max_selections=2)))
    assert "4" in rejection_text(err.value, "en") and "2" in rejection_text(err.value, "en")


def test_more_points_per_project_than_in_total_is_refused() -> None:
    w = World(Phase.DRAFT)
    with pytest.raises(BudgetingRejected) as err:
        w.apply(SetBallotRules(w.process_id, CumulativeRules(points=5, max_per_project=6)))
    assert err.value.code is Msg.CUMULATIVE_RULES_INVALID


def test_phragmen_cannot_count_ranked_ballots() -> None:
    w = World(Phase.DRAFT)
    w.apply(SetBallotRules(w.process_id, RankedRules(top_k=3)))
    with pytest.raises(BudgetingRejected) as err:
        w.apply(ChooseTallyRule(w.process_id, TallyRule.PHRAGMEN))
    assert err.value.code is Msg.TALLY_RULE_UNFIT


@pytest.mark.parametrize(
    "rule", [TallyRule.GREEDY_SCORE, TallyRule.GREEDY_NO_SKIP, TallyRule.GREEDY_SCORE_NO_SKIP]
)
def test_ranked_ballots_can_be_counted_by_score_or_without_skipping(rule: TallyRule) -> None:
    w = World(Phase.DRAFT)
    w.apply(SetBallotRules(w.process_id, RankedRules(top_k=3)))
    w.apply(ChooseTallyRule(w.process_id, rule))
    assert w.process.tally_rule is rule


def test_the_embargo_can_be_lifted_during_voting() -> None:
    w, _ = world_in_voting()
    assert w.process.live_results_public is False
    w.apply(SetLiveResultsVisibility(w.process_id, public=True))
    assert w.process.live_results_public is True


def test_a_budget_cannot_shrink_below_a_price_on_its_ballot() -> None:
    w = World(Phase.IDEAS)
    pid = w.submit(cost_kr=400_000)
    w.advance(Phase.REVIEW)
    w.make_ready(pid, 400_000)
    w.price(pid)
    w.put_on_ballot(pid)
    with pytest.raises(BudgetingRejected) as err:
        w.apply(SetBudget(w.process_id, AREA, 300_000 * KR))
    assert "400,000 kr." in rejection_text(err.value, "en") and "300,000 kr." in rejection_text(
        err.value, "en"
    )


def test_the_schedule_moves_a_phase_only_when_it_is_due() -> None:
    w = World(Phase.DRAFT)
    start = w.now + timedelta(days=10)
    w.apply(SchedulePhase(w.process_id, Phase.IDEAS, starts_at=start))
    with pytest.raises(BudgetingRejected) as err:
        w.apply(AdvancePhase(w.process_id, Phase.IDEAS, w.now, by_schedule=True))
    assert err.value.code is Msg.PHASE_NOT_DUE
    events = w.apply(AdvancePhase(w.process_id, Phase.IDEAS, start, by_schedule=True))
    assert isinstance(events[0], PhaseChanged) and events[0].by_schedule


def test_due_phase_follows_the_schedule() -> None:
    w = World(Phase.DRAFT)
    start = w.now + timedelta(days=10)
    schedule = {Phase.IDEAS: (start, None)}
    assert due_phase(Phase.DRAFT, schedule, w.now) is None
    assert due_phase(Phase.DRAFT, schedule, start) is Phase.IDEAS
    review_ends = {Phase.REVIEW: (None, start)}
    assert due_phase(Phase.REVIEW, review_ends, start) is Phase.VOTING


def test_money_is_shown_in_kroner_in_both_languages() -> None:
    assert format_kr(125_000_000, "en") == "1,250,000 kr."
    assert format_kr(125_000_000, "da") == "1.250.000 kr."
    assert format_kr(12_345, "da") == "123,45 kr."


# --- allocation ------------------------------------------------------------------------------


def _tallying() -> tuple[World, list[UUID]]:
    w, ids = world_in_voting()
    w.advance(Phase.TALLYING)
    return w, ids


def test_an_allocation_proposal_is_confirmed_as_proposed() -> None:
    w, ids = _tallying()
    funded = (ProjectFunding(proposal_id=ids[0], amount_ore=400_000 * KR),)
    w.apply(ProposeAllocation(w.process_id, AREA, TallyRule.GREEDY, funded, ballots_counted=7))
    events = w.apply(DecideAllocation(w.process_id, AREA, decided_by="admin-1"))
    assert events[0].confirmed is True  # type: ignore[attr-defined]
    assert w.process.decided_allocations[AREA] == funded


def test_a_deviation_without_a_reason_is_refused() -> None:
    w, ids = _tallying()
    funded = (ProjectFunding(proposal_id=ids[0], amount_ore=400_000 * KR),)
    w.apply(ProposeAllocation(w.process_id, AREA, TallyRule.GREEDY, funded, ballots_counted=7))
    other = (ProjectFunding(proposal_id=ids[1], amount_ore=300_000 * KR),)
    with pytest.raises(BudgetingRejected) as err:
        w.apply(DecideAllocation(w.process_id, AREA, "admin-1", funded=other))
    assert err.value.code is Msg.REASON_REQUIRED


def test_a_deviation_with_a_reason_and_partial_funding_is_recorded() -> None:
    w, ids = _tallying()
    funded = (ProjectFunding(proposal_id=ids[0], amount_ore=400_000 * KR),)
    w.apply(ProposeAllocation(w.process_id, AREA, TallyRule.GREEDY, funded, ballots_counted=7))
    partial = (ProjectFunding(proposal_id=ids[1], amount_ore=150_000 * KR),)
    events = w.apply(
        DecideAllocation(w.process_id, AREA, "admin-1", funded=partial, reason="Byrådet")
    )
    assert events[0].confirmed is False  # type: ignore[attr-defined]


def test_an_allocation_over_the_budget_is_refused_with_the_figures() -> None:
    w, ids = _tallying()
    prices = (400_000, 300_000, 300_000, 200_000)
    funded = tuple(
        ProjectFunding(proposal_id=i, amount_ore=p * KR) for i, p in zip(ids, prices, strict=True)
    )
    with pytest.raises(BudgetingRejected) as err:
        w.apply(ProposeAllocation(w.process_id, AREA, TallyRule.GREEDY, funded, 3))
    assert (
        rejection_text(err.value, "en")
        == "The allocation spends 1,200,000 kr. of a 1,000,000 kr. budget."
    )
    assert (
        rejection_text(err.value, "da")
        == "Fordelingen bruger 1.200.000 kr. af et budget på 1.000.000 kr."
    )


def test_results_are_frozen_after_the_decision() -> None:
    w, ids = _tallying()
    funded = (ProjectFunding(proposal_id=ids[0], amount_ore=400_000 * KR),)
    w.apply(ProposeAllocation(w.process_id, AREA, TallyRule.GREEDY, funded, ballots_counted=7))
    w.apply(DecideAllocation(w.process_id, AREA, decided_by="admin-1"))
    with pytest.raises(BudgetingRejected) as err:
        w.apply(ProposeAllocation(w.process_id, AREA, TallyRule.MES, (), ballots_counted=7))
    assert err.value.code is Msg.ALLOCATION_DECIDED


def test_results_cannot_be_published_before_every_budget_is_decided() -> None:
    w, _ = _tallying()
    w.apply(ProposeAllocation(w.process_id, AREA, TallyRule.GREEDY, (), ballots_counted=0))
    w.apply(DecideAllocation(w.process_id, AREA, decided_by="admin-1"))
    with pytest.raises(BudgetingRejected) as err:
        w.advance(Phase.RESULTS_PUBLISHED)
    assert OTHER_AREA in rejection_text(err.value, "en")
    w.apply(DecideAllocation(w.process_id, OTHER_AREA, "admin-1", funded=(), reason="Ingen"))
    w.advance(Phase.RESULTS_PUBLISHED)
    assert w.process.phase is Phase.RESULTS_PUBLISHED


def test_submit_proposal_refused_when_the_process_is_unknown() -> None:
    from services.domain.budgeting.proposal_state import PROPOSAL_INITIAL
    from services.domain.budgeting.proposals import decide_proposal

    command = SubmitProposal(uuid4(), uuid4(), "c", "t", "d", 0, AREA, DEFAULT_CORE_TASKS[0])
    with pytest.raises(CommandRejected) as err:
        decide_proposal(command, PROPOSAL_INITIAL, PROCESS_INITIAL)
    assert err.value.kind is RejectionKind.NOT_FOUND


def test_counting_for_an_allocation_is_refused_outside_tallying_naming_the_phase() -> None:
    w = World()
    with pytest.raises(BudgetingRejected) as err:
        check_countable(w.process, "Nord")
    assert err.value.code is Msg.WRONG_PHASE
    assert err.value.params["action"] == "ProposeAllocation"
    assert err.value.params["phases"] == Phase.TALLYING.value


def test_counting_for_an_allocation_is_refused_for_an_area_without_a_budget() -> None:
    tallying = replace(World().process, phase=Phase.TALLYING, budgets={"Nord": 100_000})
    check_countable(tallying, "Nord")
    with pytest.raises(BudgetingRejected) as err:
        check_countable(tallying, "Syd")
    assert err.value.code is Msg.BUDGET_NOT_FOUND
    assert err.value.params == {"area": "Syd"}
