"""Proposals marked incompatible cannot both win: the count skips the later one, the decision
refuses an allocation that funds both."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from events.budgeting_common import (
    ApprovalRules,
    BallotChannel,
    Phase,
    ProjectFunding,
    RankedRules,
    SkippedProject,
    TallyRule,
)
from events.budgeting_process import AllocationProposed
from services.domain.budgeting.ballots import BallotState
from services.domain.budgeting.incompatibility import count_compatible, first_conflict, pairs_of
from services.domain.budgeting.process import DecideAllocation, ProposeAllocation
from services.domain.budgeting.tally_input import tally_compatible
from services.domain.messages import BudgetingRejected, Msg
from services.tally import Rule
from services.texts.rejections import rejection_text
from tests.unit.budgeting_given import AREA, KR, world_in_voting


def approve(*ids: UUID, voters: int = 1) -> list[BallotState]:
    one = BallotState(active=True, local_area=AREA, channel=BallotChannel.WEB, approvals=ids)
    return [one] * voters


def test_walking_the_selection_order_the_first_selected_of_a_pair_is_kept() -> None:
    a, b, c, d = uuid4(), uuid4(), uuid4(), uuid4()
    pairs = pairs_of([(c, a), (d, b)])
    assert first_conflict([a, b, c, d], pairs) == (a, c)
    assert first_conflict([b, d, a], pairs) == (b, d)
    assert first_conflict([a, b], pairs) is None
    assert first_conflict([a, d], pairs) is None


def test_each_round_skips_one_project_and_counts_again_without_it() -> None:
    a, b, c = uuid4(), uuid4(), uuid4()
    seen: list[frozenset[UUID]] = []

    def count(excluded: frozenset[UUID]) -> list[UUID]:
        seen.append(excluded)
        return [p for p in (a, b, c) if p not in excluded]

    compatible = count_compatible(count, pairs_of([(a, b), (a, c)]))
    assert compatible.order == (a,)
    assert compatible.skipped == (
        SkippedProject(proposal_id=b, incompatible_with=a),
        SkippedProject(proposal_id=c, incompatible_with=a),
    )
    assert seen == [frozenset(), frozenset({b}), frozenset({b, c})]


def test_the_money_of_a_skipped_project_goes_to_the_next_in_line() -> None:
    """Greedy by approvals: A (5 votes) and B (4) are incompatible, C (3) fits only once B is
    out. Without the marking A and B win; with it, A and C."""
    a, b, c = uuid4(), uuid4(), uuid4()
    prices = {a: 500_000 * KR, b: 400_000 * KR, c: 450_000 * KR}
    ballots = approve(a, b, voters=4) + approve(a, c) + approve(c, voters=2)
    budget = 1_000_000 * KR

    def winners(pairs: frozenset[frozenset[UUID]]) -> set[UUID]:
        counted = tally_compatible(
            ApprovalRules(), AREA, budget, prices, ballots, Rule.GREEDY, pairs
        )
        return {UUID(s) for s in counted.result.selected_ids}

    assert winners(frozenset()) == {a, b}
    counted = tally_compatible(
        ApprovalRules(), AREA, budget, prices, ballots, Rule.GREEDY, pairs_of([(b, a)])
    )
    assert {UUID(s) for s in counted.result.selected_ids} == {a, c}
    assert counted.skipped == (SkippedProject(proposal_id=b, incompatible_with=a),)
    assert counted.election.voter_count == 7


@pytest.mark.parametrize("rule", [Rule.MES, Rule.PHRAGMEN, Rule.MES_ADD1])
def test_no_rule_selects_two_incompatible_projects(rule: Rule) -> None:
    a, b, c = uuid4(), uuid4(), uuid4()
    prices = {a: 300_000 * KR, b: 300_000 * KR, c: 300_000 * KR}
    ballots = approve(a, b, voters=6) + approve(c, voters=2)
    counted = tally_compatible(
        ApprovalRules(), AREA, 1_000_000 * KR, prices, ballots, rule, pairs_of([(a, b)])
    )
    selected = {UUID(s) for s in counted.result.selected_ids}
    assert not {a, b} <= selected
    assert [s.proposal_id for s in counted.skipped] in ([a], [b])


def test_a_ranking_closes_up_around_a_skipped_project() -> None:
    a, b, c = uuid4(), uuid4(), uuid4()
    prices = {a: 400_000 * KR, b: 400_000 * KR, c: 400_000 * KR}
    ranked = [
        BallotState(active=True, local_area=AREA, channel=BallotChannel.WEB, ranking=(a, b, c))
    ] * 3
    counted = tally_compatible(
        RankedRules(top_k=3), AREA, 1_000_000 * KR, prices, ranked, Rule.GREEDY, pairs_of([(a, b)])
    )
    assert [UUID(s) for s in counted.result.selected_ids] == [a, c]
    assert counted.skipped == (SkippedProject(proposal_id=b, incompatible_with=a),)


def test_the_allocation_proposal_records_what_was_skipped_and_why() -> None:
    w, ids = world_in_voting()
    w.advance(Phase.TALLYING)
    a, b = ids[0], ids[1]
    skipped = (SkippedProject(proposal_id=b, incompatible_with=a),)
    funded = (ProjectFunding(proposal_id=a, amount_ore=400_000 * KR),)
    (event,) = w.apply(
        ProposeAllocation(
            w.process_id,
            AREA,
            TallyRule.GREEDY,
            funded,
            ballots_counted=3,
            skipped=skipped,
            incompatible=pairs_of([(a, b)]),
        )
    )
    assert isinstance(event, AllocationProposed)
    assert event.skipped == skipped
    assert event.skipped[0].reason == "incompatible"


def test_a_decision_funding_two_incompatible_proposals_is_refused_in_both_languages() -> None:
    w, ids = world_in_voting()
    w.advance(Phase.TALLYING)
    a, b = ids[0], ids[1]
    funded = (
        ProjectFunding(proposal_id=a, amount_ore=400_000 * KR),
        ProjectFunding(proposal_id=b, amount_ore=300_000 * KR),
    )
    deviate = DecideAllocation(
        w.process_id, AREA, "admin-1", funded, "Byrådet vil begge", pairs_of([(b, a)])
    )
    with pytest.raises(BudgetingRejected) as refused:
        w.apply(deviate)
    assert refused.value.code is Msg.INCOMPATIBLE_FUNDED
    assert str(a) in rejection_text(refused.value, "da") and "uforenelige" in rejection_text(
        refused.value, "da"
    )
    assert str(b) in rejection_text(refused.value, "en") and "incompatible" in rejection_text(
        refused.value, "en"
    )
    assert w.process.decided_allocations == {}
    one = (funded[0], ProjectFunding(proposal_id=ids[2], amount_ore=300_000 * KR))
    w.apply(DecideAllocation(w.process_id, AREA, "admin-1", one, "Byrådet", pairs_of([(b, a)])))
    assert w.process.decided_allocations[AREA] == one


def test_a_tally_outcome_with_two_incompatible_proposals_is_not_recorded() -> None:
    w, ids = world_in_voting()
    w.advance(Phase.TALLYING)
    funded = tuple(ProjectFunding(proposal_id=p, amount_ore=300_000 * KR) for p in ids[1:3])
    with pytest.raises(BudgetingRejected) as refused:
        w.apply(
            ProposeAllocation(
                w.process_id,
                AREA,
                TallyRule.GREEDY,
                funded,
                ballots_counted=1,
                incompatible=pairs_of([(ids[1], ids[2])]),
            )
        )
    assert refused.value.code is Msg.INCOMPATIBLE_FUNDED
