"""Given/when/then for ballots: eligibility, one active ballot, channels, receipts, the rules."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from events.budgeting import (
    ApprovalRules,
    BallotCast,
    BallotChannel,
    BallotReplaced,
    BallotWithdrawn,
    BudgetScope,
    CumulativeRules,
    KnapsackRules,
    Phase,
    RankedRules,
    ballot_receipt,
)
from events.registry import decode, encode
from services.domain.budgeting.ballots import (
    BALLOT_INITIAL,
    ELIGIBILITY_INITIAL,
    BallotCommand,
    BallotState,
    CastBallot,
    EligibilityState,
    RegisterVoter,
    WithdrawBallot,
    ballot_stream,
    counted_receipts,
    decide_ballot,
    decide_eligibility,
    evolve_ballot,
    evolve_eligibility,
    validate_choices,
)
from services.domain.budgeting.process import SchedulePhase
from services.domain.messages import BudgetingRejected, Msg
from services.texts.rejections import rejection_text
from tests.unit.budgeting_given import AREA, KR, OTHER_AREA, World, fold, world_in_voting

VOTER = "pseudonym-7f3a"
CENSUS = uuid4()


def registered(w: World, area: str = AREA, voter: str = VOTER) -> EligibilityState:
    events = decide_eligibility(
        RegisterVoter(w.process_id, voter, area, CENSUS), ELIGIBILITY_INITIAL, w.process
    )
    return fold(evolve_eligibility, ELIGIBILITY_INITIAL, events)


def cast(w: World, area: str = AREA, **kw: object) -> CastBallot:
    fields: dict[str, object] = {
        "process_id": w.process_id,
        "local_area": area,
        "voter": VOTER,
        "channel": BallotChannel.WEB,
        "at": w.now,
        "nonce": uuid4().hex,
    }
    fields.update(kw)
    return CastBallot(**fields)  # type: ignore[arg-type]


class Voter:
    def __init__(self, w: World, eligibility: EligibilityState) -> None:
        self.w, self.eligibility, self.state = w, eligibility, BALLOT_INITIAL

    def do(self, command: BallotCommand) -> list[object]:
        events = decide_ballot(command, self.state, self.w.process, self.eligibility)
        self.state = fold(evolve_ballot, self.state, events)
        return list(events)


def test_a_first_ballot_is_cast() -> None:
    w, ids = world_in_voting()
    v = Voter(w, registered(w))
    events = v.do(cast(w, approvals=(ids[0], ids[1])))
    assert isinstance(events[0], BallotCast)
    assert events[0].rules_version == 1 and v.state.active


def test_a_second_ballot_replaces_the_first() -> None:
    w, ids = world_in_voting()
    v = Voter(w, registered(w))
    v.do(cast(w, approvals=(ids[0],)))
    events = v.do(cast(w, approvals=(ids[1],)))
    assert isinstance(events[0], BallotReplaced)
    assert v.state.approvals == (ids[1],) and v.state.times_cast == 2


def test_a_withdrawn_ballot_is_no_longer_active_and_a_new_one_is_a_cast() -> None:
    w, ids = world_in_voting()
    v = Voter(w, registered(w))
    v.do(cast(w, approvals=(ids[0],)))
    assert isinstance(v.do(WithdrawBallot(w.process_id, AREA, VOTER, w.now))[0], BallotWithdrawn)
    assert not v.state.active
    assert isinstance(v.do(cast(w, approvals=(ids[0],)))[0], BallotCast)


def test_withdrawing_without_a_ballot_is_refused() -> None:
    w, _ = world_in_voting()
    with pytest.raises(BudgetingRejected) as err:
        Voter(w, registered(w)).do(WithdrawBallot(w.process_id, AREA, VOTER, w.now))
    assert err.value.code is Msg.NO_ACTIVE_BALLOT


def test_the_ballot_stream_is_one_per_voter_per_budget() -> None:
    p = uuid4()
    own = BudgetScope.OWN_AREA
    assert ballot_stream(p, AREA, VOTER, own) == ballot_stream(p, AREA, VOTER, own)
    assert ballot_stream(p, AREA, VOTER, own) != ballot_stream(p, OTHER_AREA, VOTER, own)
    assert ballot_stream(p, AREA, VOTER, own) != ballot_stream(p, AREA, "someone-else", own)
    anyone = BudgetScope.ANY_ONE
    assert ballot_stream(p, AREA, VOTER, anyone) == ballot_stream(p, OTHER_AREA, VOTER, anyone)


def test_a_voter_not_in_the_census_cannot_vote() -> None:
    w, ids = world_in_voting()
    with pytest.raises(BudgetingRejected) as err:
        Voter(w, ELIGIBILITY_INITIAL).do(cast(w, approvals=(ids[0],)))
    assert err.value.code is Msg.VOTER_NOT_ELIGIBLE
    assert rejection_text(err.value, "da").startswith("Du er ikke registreret")


def test_staff_entering_a_ballot_for_a_voter_not_in_the_census_are_told_about_the_voter() -> None:
    w, ids = world_in_voting()
    paper = cast(w, channel=BallotChannel.PAPER, entered_by="staff-1", approvals=(ids[0],))
    with pytest.raises(BudgetingRejected) as err:
        Voter(w, ELIGIBILITY_INITIAL).do(paper)
    assert err.value.code is Msg.VOTER_NOT_IN_CENSUS
    assert rejection_text(err.value, "da") == "Vælgeren findes ikke i valglisten for dette forløb."
    assert rejection_text(err.value, "en") == "The voter is not in this process's census."


def test_staff_entering_a_ballot_in_another_area_are_told_where_the_voter_belongs() -> None:
    w, ids = world_in_voting()
    paper = cast(w, channel=BallotChannel.PAPER, entered_by="staff-1", approvals=(ids[0],))
    with pytest.raises(BudgetingRejected) as err:
        Voter(w, registered(w, OTHER_AREA)).do(paper)
    assert err.value.code is Msg.VOTER_WRONG_AREA
    assert rejection_text(err.value, "da").startswith(
        f"Vælgeren hører til lokalområdet {OTHER_AREA}"
    )


def test_a_voter_may_vote_only_in_their_own_area_when_the_rules_say_so() -> None:
    w, ids = world_in_voting()
    with pytest.raises(BudgetingRejected) as err:
        Voter(w, registered(w, OTHER_AREA)).do(cast(w, approvals=(ids[0],)))
    assert err.value.code is Msg.WRONG_AREA


def test_a_voter_may_vote_in_another_area_when_any_budget_is_allowed() -> None:
    w, ids = world_in_voting(scope=BudgetScope.ALL)
    events = Voter(w, registered(w, OTHER_AREA)).do(cast(w, approvals=(ids[0],)))
    assert isinstance(events[0], BallotCast)


def test_under_any_one_budget_a_ballot_elsewhere_replaces_the_first() -> None:
    w, ids = world_in_voting(scope=BudgetScope.ANY_ONE)
    v = Voter(w, registered(w))
    v.do(cast(w, approvals=(ids[0],)))
    events = v.do(cast(w, area=OTHER_AREA, approvals=(w.other_ids[0],)))
    assert isinstance(events[0], BallotReplaced)
    assert v.state.local_area == OTHER_AREA


def test_a_voter_who_voted_on_paper_cannot_also_vote_on_the_web() -> None:
    w, ids = world_in_voting()
    v = Voter(w, registered(w))
    v.do(cast(w, channel=BallotChannel.PAPER, entered_by="staff-1", approvals=(ids[0],)))
    with pytest.raises(BudgetingRejected) as err:
        v.do(cast(w, approvals=(ids[1],)))
    assert err.value.code is Msg.PAPER_BALLOT_EXISTS
    assert v.state.approvals == (ids[0],)


def test_a_paper_ballot_replaces_a_web_ballot() -> None:
    w, ids = world_in_voting()
    v = Voter(w, registered(w))
    v.do(cast(w, approvals=(ids[0],)))
    events = v.do(cast(w, channel=BallotChannel.PAPER, entered_by="staff-1", approvals=(ids[1],)))
    assert isinstance(events[0], BallotReplaced) and v.state.channel is BallotChannel.PAPER


def test_a_paper_ballot_must_be_entered_by_staff() -> None:
    w, ids = world_in_voting()
    with pytest.raises(BudgetingRejected) as err:
        Voter(w, registered(w)).do(cast(w, channel=BallotChannel.PAPER, approvals=(ids[0],)))
    assert err.value.code is Msg.STAFF_REQUIRED


def test_a_ballot_outside_voting_is_refused_naming_the_phase() -> None:
    w, ids = world_in_voting()
    voter = Voter(w, registered(w))
    w.advance(Phase.TALLYING)
    with pytest.raises(BudgetingRejected) as err:
        voter.do(cast(w, approvals=(ids[0],)))
    assert (
        rejection_text(err.value, "en")
        == "You cannot vote in the tallying phase; this is possible in: voting."
    )


def test_a_ballot_after_the_scheduled_end_of_voting_is_refused() -> None:
    w, ids = world_in_voting()
    w.apply(SchedulePhase(w.process_id, Phase.VOTING, ends_at=w.now + timedelta(hours=1)))
    with pytest.raises(BudgetingRejected) as err:
        Voter(w, registered(w)).do(cast(w, at=w.now + timedelta(hours=2), approvals=(ids[0],)))
    assert err.value.code is Msg.VOTING_CLOSED


def test_the_receipt_is_among_the_counted_ballots_and_does_not_show_the_choices() -> None:
    w, ids = world_in_voting()
    v = Voter(w, registered(w))
    event = v.do(cast(w, approvals=(ids[0],)))[0]
    assert isinstance(event, BallotCast)
    receipt = ballot_receipt(event)
    assert len(receipt) == 64 and str(ids[0]) not in receipt
    assert receipt in counted_receipts({"s": v.state})
    same_choice = v.do(cast(w, approvals=(ids[0],)))[0]
    assert isinstance(same_choice, BallotReplaced)
    assert ballot_receipt(same_choice) != receipt  # a new nonce, a new receipt
    assert receipt not in counted_receipts({"s": v.state})


def test_the_receipt_survives_a_round_trip_through_the_store() -> None:
    w, ids = world_in_voting()
    event = Voter(w, registered(w)).do(cast(w, approvals=(ids[0],)))[0]
    assert isinstance(event, BallotCast)
    again = decode(event.type_name, event.version, encode(event))
    assert isinstance(again, BallotCast) and ballot_receipt(again) == ballot_receipt(event)


def test_registering_the_same_voter_twice_from_one_census_changes_nothing() -> None:
    w, _ = world_in_voting()
    state = registered(w)
    command = RegisterVoter(w.process_id, VOTER, AREA, CENSUS)
    assert decide_eligibility(command, state, w.process) == []


# --- the rules, with figures -----------------------------------------------------------------


def prices(*kr: int) -> dict[UUID, int]:
    return {uuid4(): k * KR for k in kr}


def test_selecting_more_projects_than_allowed_names_the_limit() -> None:
    p = prices(1, 1, 1, 1, 1, 1)
    with pytest.raises(BudgetingRejected) as err:
        validate_choices(ApprovalRules(max_selections=5), AREA, 10 * KR, p, approvals=tuple(p))
    assert rejection_text(err.value, "en") == "The ballot selects 6 projects; at most 5 allowed."
    assert rejection_text(err.value, "da") == "Du har valgt 6 projekter; højst 5 er tilladt."


def test_an_empty_approval_ballot_is_refused() -> None:
    with pytest.raises(BudgetingRejected) as err:
        validate_choices(ApprovalRules(), AREA, 10 * KR, prices(1), approvals=())
    assert err.value.code is Msg.TOO_FEW_SELECTIONS


def test_a_knapsack_ballot_over_the_budget_names_both_amounts() -> None:
    p = prices(750_000, 500_000)
    with pytest.raises(BudgetingRejected) as err:
        validate_choices(KnapsackRules(), AREA, 1_000_000 * KR, p, approvals=tuple(p))
    assert (
        rejection_text(err.value, "en")
        == "The ballot spends 1,250,000 kr. of a 1,000,000 kr. budget."
    )
    assert (
        rejection_text(err.value, "da") == "Du bruger 1.250.000 kr. af et budget på 1.000.000 kr."
    )


def test_a_knapsack_ballot_under_the_minimum_spend_is_refused() -> None:
    p = prices(200_000, 500_000)
    with pytest.raises(BudgetingRejected) as err:
        validate_choices(
            KnapsackRules(min_spend_percent=50), AREA, 1_000_000 * KR, p, approvals=tuple(p)[:1]
        )
    assert "200,000 kr." in rejection_text(err.value, "en") and "500,000 kr." in rejection_text(
        err.value, "en"
    )


def test_a_knapsack_ballot_with_too_few_projects_is_refused() -> None:
    p = prices(200_000, 500_000)
    with pytest.raises(BudgetingRejected) as err:
        validate_choices(
            KnapsackRules(min_projects=2), AREA, 1_000_000 * KR, p, approvals=tuple(p)[:1]
        )
    assert err.value.code is Msg.TOO_FEW_PROJECTS


def test_a_cumulative_ballot_respects_the_points_and_the_cap_per_project() -> None:
    a, b = prices(1, 1)
    rules = CumulativeRules(points=10, max_per_project=5)
    validate_choices(rules, AREA, KR, {a: 1, b: 1}, points={a: 5, b: 5})
    with pytest.raises(BudgetingRejected) as err:
        validate_choices(rules, AREA, KR, {a: 1, b: 1}, points={a: 6, b: 1})
    assert err.value.code is Msg.TOO_MANY_POINTS_ON_ONE
    with pytest.raises(BudgetingRejected) as err:
        validate_choices(CumulativeRules(points=10), AREA, KR, {a: 1, b: 1}, points={a: 8, b: 3})
    assert (
        rejection_text(err.value, "en") == "The ballot distributes 11 points; at most 10 allowed."
    )


def test_a_ranked_ballot_ranks_at_most_top_k() -> None:
    p = prices(1, 1, 1, 1)
    with pytest.raises(BudgetingRejected) as err:
        validate_choices(RankedRules(top_k=3), AREA, KR, p, ranking=tuple(p))
    assert err.value.code is Msg.TOO_MANY_RANKED


def test_a_ballot_in_the_wrong_format_is_refused() -> None:
    p = prices(1)
    with pytest.raises(BudgetingRejected) as err:
        validate_choices(RankedRules(top_k=3), AREA, KR, p, approvals=tuple(p))
    assert err.value.code is Msg.BALLOT_WRONG_FORMAT


def test_a_project_not_on_the_ballot_is_refused() -> None:
    with pytest.raises(BudgetingRejected) as err:
        validate_choices(ApprovalRules(), AREA, KR, prices(1), approvals=(uuid4(),))
    assert err.value.code is Msg.UNKNOWN_PROJECT


def test_naming_a_project_twice_is_refused() -> None:
    (a,) = prices(1)
    with pytest.raises(BudgetingRejected) as err:
        validate_choices(ApprovalRules(), AREA, KR, {a: KR}, ranking=(), approvals=(a, a))
    assert err.value.code is Msg.DUPLICATE_CHOICE


def test_a_state_is_a_plain_value() -> None:
    assert BallotState() == BALLOT_INITIAL
