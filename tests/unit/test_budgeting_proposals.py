"""Given/when/then for proposals: versions, supports, merge, review, prices, the ballot."""

from __future__ import annotations

from uuid import uuid4

import pytest

from events.budgeting import (
    Phase,
    ProposalEdited,
    ProposalMerged,
    ProposalsMarkedIncompatible,
    ProposalSupported,
)
from services.domain.budgeting.process import RemoveFromBallot, SetSupportThreshold
from services.domain.budgeting.proposals import (
    EditProposal,
    MarkIncompatible,
    MergeProposal,
    PublishPrice,
    ReviewProposal,
    SupportProposal,
    WithdrawProposal,
)
from services.domain.errors import RejectionKind
from services.domain.messages import BudgetingRejected, Msg
from services.texts.rejections import rejection_text
from tests.unit.budgeting_given import AREA, KR, OTHER_AREA, World


def test_every_edit_is_a_new_revision() -> None:
    w = World(Phase.IDEAS)
    pid = w.submit()
    first = w.proposal_do(pid, EditProposal(pid, "citizen-1", title="Bedre titel"))
    second = w.proposal_do(pid, EditProposal(pid, "citizen-1", description="Mere tekst"))
    assert isinstance(first[0], ProposalEdited) and first[0].revision == 2
    assert isinstance(second[0], ProposalEdited) and second[0].revision == 3
    assert w.proposals[pid].title == "Bedre titel" and w.proposals[pid].revision == 3


def test_an_edit_that_changes_nothing_records_nothing() -> None:
    w = World(Phase.IDEAS)
    pid = w.submit()
    assert w.proposal_do(pid, EditProposal(pid, "citizen-1", title=w.proposals[pid].title)) == []


def test_only_the_author_may_edit() -> None:
    w = World(Phase.IDEAS)
    pid = w.submit()
    with pytest.raises(BudgetingRejected) as err:
        w.proposal_do(pid, EditProposal(pid, "someone-else", title="Kapret"))
    assert err.value.kind is RejectionKind.FORBIDDEN
    assert rejection_text(err.value, "en") == "Only the author may edit this proposal."


def test_editing_after_ideas_close_is_refused_naming_the_phase() -> None:
    w = World(Phase.IDEAS)
    pid = w.submit()
    w.advance(Phase.REVIEW)
    with pytest.raises(BudgetingRejected) as err:
        w.proposal_do(pid, EditProposal(pid, "citizen-1", title="For sent"))
    assert "review" in rejection_text(err.value, "en") and "gennemgang" in rejection_text(
        err.value, "da"
    )


def test_a_proposal_that_is_not_there_is_not_found_in_any_phase() -> None:
    w = World(Phase.IDEAS)
    w.advance(Phase.REVIEW)
    absent = uuid4()
    with pytest.raises(BudgetingRejected) as err:
        w.proposal_do(absent, EditProposal(absent, "citizen-1", title="Andetsteds"))
    assert err.value.kind is RejectionKind.NOT_FOUND


def test_a_proposal_must_name_a_core_task_of_the_process() -> None:
    w = World(Phase.IDEAS)
    pid = w.submit()
    with pytest.raises(BudgetingRejected) as err:
        w.proposal_do(pid, EditProposal(pid, "citizen-1", core_task="Trafik"))
    assert err.value.code is Msg.CORE_TASK_UNKNOWN


def test_a_proposal_must_name_an_area_with_a_budget() -> None:
    w = World(Phase.IDEAS)
    with pytest.raises(BudgetingRejected) as err:
        w.submit(area="Atlantis")
    assert err.value.code is Msg.LOCAL_AREA_UNKNOWN


def test_a_citizen_supports_a_proposal_once() -> None:
    w = World(Phase.IDEAS)
    pid = w.submit()
    w.advance(Phase.REVIEW)
    w.advance(Phase.SUPPORTS)
    events = w.proposal_do(pid, SupportProposal(pid, "citizen-2"))
    assert isinstance(events[0], ProposalSupported)
    with pytest.raises(BudgetingRejected) as err:
        w.proposal_do(pid, SupportProposal(pid, "citizen-2"))
    assert err.value.code is Msg.ALREADY_SUPPORTED


def test_a_merged_proposal_points_at_the_survivor_and_is_no_longer_live() -> None:
    w = World(Phase.IDEAS)
    survivor, duplicate = w.submit(), w.submit(author="citizen-2")
    events = w.proposal_do(
        duplicate, MergeProposal(duplicate, survivor, "Samme idé"), w.proposals[survivor]
    )
    assert isinstance(events[0], ProposalMerged) and events[0].into_proposal_id == survivor
    assert w.proposals[duplicate].merged_into == survivor
    with pytest.raises(BudgetingRejected) as err:
        w.proposal_do(duplicate, EditProposal(duplicate, "citizen-2", title="Stadig her"))
    assert err.value.code is Msg.PROPOSAL_MERGED


def test_a_proposal_cannot_be_merged_into_a_withdrawn_one() -> None:
    w = World(Phase.IDEAS)
    survivor, duplicate = w.submit(), w.submit(author="citizen-2")
    w.proposal_do(survivor, WithdrawProposal(survivor, "citizen-1"))
    with pytest.raises(BudgetingRejected) as err:
        w.proposal_do(duplicate, MergeProposal(duplicate, survivor), w.proposals[survivor])
    assert err.value.code is Msg.PROPOSAL_WITHDRAWN


def test_not_feasible_needs_a_reason() -> None:
    w = World(Phase.IDEAS)
    pid = w.submit()
    with pytest.raises(BudgetingRejected) as err:
        w.proposal_do(pid, ReviewProposal(pid, feasible=False))
    assert err.value.code is Msg.REASON_REQUIRED
    w.proposal_do(pid, ReviewProposal(pid, feasible=False, reason="Privat grund"))
    assert w.proposals[pid].feasible is False


def test_two_proposals_can_be_marked_incompatible_once() -> None:
    w = World(Phase.IDEAS)
    a, b = w.submit(), w.submit()
    events = w.proposal_do(a, MarkIncompatible(a, b, "Samme grund"), w.proposals[b])
    assert isinstance(events[0], ProposalsMarkedIncompatible)
    with pytest.raises(BudgetingRejected) as err:
        w.proposal_do(a, MarkIncompatible(a, b), w.proposals[b])
    assert err.value.code is Msg.ALREADY_INCOMPATIBLE


def test_the_published_price_is_staffs_estimate() -> None:
    w = World(Phase.IDEAS)
    pid = w.submit(cost_kr=100_000)
    w.advance(Phase.REVIEW)
    w.make_ready(pid, 120_000)
    w.price(pid)
    assert w.proposals[pid].price_ore == 120_000 * KR


def test_a_price_cannot_be_published_without_an_estimate() -> None:
    w = World(Phase.IDEAS)
    pid = w.submit()
    w.advance(Phase.REVIEW)
    w.proposal_do(pid, ReviewProposal(pid, feasible=True))
    with pytest.raises(BudgetingRejected) as err:
        w.proposal_do(pid, PublishPrice(pid))
    assert err.value.code is Msg.NO_COST_ESTIMATE


def test_an_unfeasible_proposal_cannot_go_on_the_ballot() -> None:
    w = World(Phase.IDEAS)
    pid = w.submit()
    w.advance(Phase.REVIEW)
    w.proposal_do(pid, ReviewProposal(pid, feasible=False, reason="Ulovligt"))
    with pytest.raises(BudgetingRejected) as err:
        w.put_on_ballot(pid)
    assert err.value.code is Msg.NOT_FEASIBLE


def test_the_support_threshold_selects_which_proposals_go_on() -> None:
    w = World(Phase.IDEAS)
    pid = w.submit()
    w.apply(SetSupportThreshold(w.process_id, 2))
    w.advance(Phase.REVIEW)
    w.make_ready(pid, 100_000)
    w.price(pid)
    w.advance(Phase.SUPPORTS)
    w.proposal_do(pid, SupportProposal(pid, "citizen-2"))
    with pytest.raises(BudgetingRejected) as err:
        w.put_on_ballot(pid)
    assert (
        rejection_text(err.value, "en") == "The proposal has 1 supports; at least 2 are required."
    )
    w.proposal_do(pid, SupportProposal(pid, "citizen-3"))
    w.put_on_ballot(pid)
    assert w.process.ballot[AREA] == {pid: 100_000 * KR}


def test_a_proposal_on_the_ballot_cannot_be_withdrawn_until_removed() -> None:
    w = World(Phase.IDEAS)
    pid = w.submit()
    w.advance(Phase.REVIEW)
    w.make_ready(pid, 100_000)
    w.price(pid)
    w.put_on_ballot(pid)
    with pytest.raises(BudgetingRejected) as err:
        w.proposal_do(pid, WithdrawProposal(pid, "citizen-1"))
    assert err.value.code is Msg.PROPOSAL_ON_BALLOT
    w.apply(RemoveFromBallot(w.process_id, pid))
    w.proposal_do(pid, WithdrawProposal(pid, "citizen-1"))
    assert w.proposals[pid].withdrawn


def test_a_proposal_goes_on_the_ballot_once() -> None:
    w = World(Phase.IDEAS)
    pid = w.submit()
    w.advance(Phase.REVIEW)
    w.make_ready(pid, 100_000)
    w.price(pid)
    w.put_on_ballot(pid)
    with pytest.raises(BudgetingRejected) as err:
        w.put_on_ballot(pid)
    assert err.value.code is Msg.ALREADY_ON_BALLOT


def test_a_proposal_reviewed_as_not_feasible_cannot_be_supported() -> None:
    w = World(Phase.IDEAS)
    pid = w.submit()
    w.proposal_do(pid, ReviewProposal(pid, feasible=False, reason="Privat grund"))
    w.advance(Phase.REVIEW)
    w.advance(Phase.SUPPORTS)
    with pytest.raises(BudgetingRejected) as err:
        w.proposal_do(pid, SupportProposal(pid, "citizen-2"))
    assert err.value.code is Msg.NOT_FEASIBLE


def test_proposals_of_two_areas_cannot_be_incompatible() -> None:
    w = World(Phase.IDEAS)
    a, b = w.submit(AREA), w.submit(OTHER_AREA)
    with pytest.raises(BudgetingRejected) as err:
        w.proposal_do(a, MarkIncompatible(a, b, "Samme grund"), w.proposals[b])
    assert err.value.code is Msg.INCOMPATIBLE_ACROSS_AREAS


def test_a_price_above_the_area_s_budget_is_refused() -> None:
    w = World(Phase.IDEAS)
    pid = w.submit(OTHER_AREA, cost_kr=100_000)
    w.advance(Phase.REVIEW)
    w.make_ready(pid, 120_000)
    with pytest.raises(BudgetingRejected) as err:
        w.proposal_do(pid, PublishPrice(pid, price_ore=500_001 * KR))
    assert err.value.code is Msg.PRICE_OVER_BUDGET
    w.proposal_do(pid, PublishPrice(pid, price_ore=500_000 * KR))
