"""The live tally's pure rules: one ballot's contribution, the change a ballot event makes, who
may see a tally under the embargo, and the current winners. The folded changes must equal the
tally engine's scores over the ballots that end up active, and the winners counted from the
live weights must equal the allocation's count over the same ballots."""

from __future__ import annotations

from collections import Counter
from typing import Any
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from events.base import Role
from events.budgeting_common import (
    ApprovalRules,
    BallotFormat,
    CumulativeRules,
    Phase,
    RankedRules,
    TallyRule,
)
from services.domain.budgeting.ballots import BallotState
from services.domain.budgeting.incompatibility import pairs_of
from services.domain.budgeting.live_tally import (
    AreaDelta,
    Counted,
    LiveBudget,
    ballot_change,
    ballot_weights,
    contribution,
    current_outcome,
    merge,
    results_visible,
)
from services.domain.budgeting.tally_input import tally_compatible
from services.tally import Ballot, Election, Project, Rule, VoteType
from services.tally.profile import support_profile

A, B, C = (UUID(int=i) for i in (1, 2, 3))


def test_an_approval_ballot_adds_one_to_each_approved_proposal() -> None:
    assert contribution(BallotFormat.APPROVAL, approvals=(A, B)) == {str(A): 1, str(B): 1}
    assert contribution(BallotFormat.KNAPSACK, approvals=(C,)) == {str(C): 1}


def test_a_cumulative_ballot_adds_its_points() -> None:
    assert contribution(BallotFormat.CUMULATIVE, points={A: 6, B: 4, C: 0}) == {
        str(A): 6,
        str(B): 4,
    }


def test_a_ranking_gives_each_proposal_the_number_ranked_below_it() -> None:
    assert contribution(BallotFormat.RANKED, ranking=(C, A, B)) == {str(C): 2, str(A): 1}


def test_a_first_ballot_counts_once() -> None:
    new = Counted("Tørring", {str(A): 1})
    (delta,) = ballot_change(None, new).values()
    assert (delta.ballots, delta.scores) == (1, {str(A): 1})


def test_a_replacement_moves_the_votes_and_keeps_the_ballot_count() -> None:
    old = Counted("Tørring", {str(A): 1, str(B): 1})
    new = Counted("Tørring", {str(B): 1, str(C): 1})
    delta = ballot_change(old, new)["Tørring"]
    assert (delta.ballots, delta.scores) == (0, {str(A): -1, str(C): 1})


def test_an_identical_replacement_changes_nothing() -> None:
    same = Counted("Tørring", {str(A): 1})
    assert ballot_change(same, same) == {}


def test_a_replacement_into_another_budget_leaves_the_first() -> None:
    changes = ballot_change(Counted("Tørring", {str(A): 1}), Counted("Juelsminde", {str(B): 1}))
    assert (changes["Tørring"].ballots, changes["Tørring"].scores) == (-1, {str(A): -1})
    assert (changes["Juelsminde"].ballots, changes["Juelsminde"].scores) == (1, {str(B): 1})


def test_a_withdrawal_takes_the_ballot_away() -> None:
    delta = ballot_change(Counted("Tørring", {str(A): 3}), None)["Tørring"]
    assert (delta.ballots, delta.scores) == (-1, {str(A): -3})


def test_citizens_and_anonymous_see_no_tally_under_embargo() -> None:
    for role in (Role.CITIZEN, None):
        assert not results_visible(role, Phase.VOTING, live_results_public=False)
        assert not results_visible(role, Phase.TALLYING, live_results_public=False)
        assert results_visible(role, Phase.VOTING, live_results_public=True)
        assert results_visible(role, Phase.RESULTS_PUBLISHED, live_results_public=False)
        assert results_visible(role, Phase.CLOSED, live_results_public=False)


def test_only_administrators_and_auditors_see_the_tally_during_the_embargo() -> None:
    for role in (Role.ADMIN, Role.AUDITOR):
        assert results_visible(role, Phase.VOTING, live_results_public=False)
        assert results_visible(role, Phase.TALLYING, live_results_public=False)
    assert not results_visible(Role.STAFF, Phase.VOTING, live_results_public=False)
    assert not results_visible(Role.STAFF, Phase.TALLYING, live_results_public=False)
    assert results_visible(Role.STAFF, Phase.RESULTS_PUBLISHED, live_results_public=False)


Any_ = tuple[UUID, ...] | dict[UUID, int] | None
PROJECTS = [UUID(int=i) for i in range(1, 6)]
FORMATS = {
    BallotFormat.APPROVAL: VoteType.APPROVAL,
    BallotFormat.CUMULATIVE: VoteType.CUMULATIVE,
    BallotFormat.RANKED: VoteType.ORDINAL,
}


def _choices(fmt: BallotFormat) -> st.SearchStrategy[tuple[UUID, ...] | dict[UUID, int]]:
    subsets = st.lists(st.sampled_from(PROJECTS), unique=True, min_size=1, max_size=4)
    if fmt is BallotFormat.CUMULATIVE:
        return st.dictionaries(st.sampled_from(PROJECTS), st.integers(1, 5), min_size=1)
    return subsets.map(tuple)


@st.composite
def histories(draw: st.DrawFn) -> tuple[BallotFormat, list[tuple[int, Any_]]]:
    fmt = draw(st.sampled_from(list(FORMATS)))
    steps = draw(
        st.lists(
            st.tuples(st.integers(0, 6), st.one_of(st.none(), _choices(fmt))),
            max_size=40,
        )
    )
    return fmt, steps


def _counted(fmt: BallotFormat, choice: Any_) -> Counted | None:
    if choice is None:
        return None
    if isinstance(choice, dict):
        return Counted("x", contribution(fmt, points=choice))
    return Counted("x", contribution(fmt, approvals=choice, ranking=choice))


@given(histories())
def test_folded_changes_equal_the_engines_scores_over_the_active_ballots(
    history: tuple[BallotFormat, list[tuple[int, Any_]]],
) -> None:
    fmt, steps = history
    active: dict[int, Any_] = {}
    total: dict[str, AreaDelta] = {}
    for stream, choice in steps:
        old = _counted(fmt, active.get(stream))
        merge(total, ballot_change(old, _counted(fmt, choice)))
        active[stream] = choice
    ballots = []
    for choice in active.values():
        if choice is None:
            continue
        if isinstance(choice, dict):
            items = sorted(choice.items(), key=lambda kv: str(kv[0]))
            ballots.append(
                Ballot(projects=tuple(str(k) for k, _ in items), points=tuple(v for _, v in items))
            )
        elif fmt is BallotFormat.APPROVAL:
            ballots.append(Ballot(projects=tuple(sorted(str(p) for p in choice))))
        else:
            ballots.append(Ballot(projects=tuple(str(p) for p in choice)))
    election = Election(
        projects=tuple(Project(id=str(p), cost=100) for p in PROJECTS),
        budget=1000,
        vote_type=FORMATS[fmt],
        ballots=tuple(ballots),
    )
    engine = {s.project.id: s.score for s in support_profile(election).supports}
    delta = total.get("x", AreaDelta())
    assert delta.ballots == len(ballots)
    assert {p: delta.scores.get(p, 0) for p in engine} == engine
    assert {p for p, v in delta.scores.items() if v} <= set(engine)


# --- the current outcome --------------------------------------------------------------------

RULES_OF: dict[BallotFormat, Any] = {
    BallotFormat.APPROVAL: ApprovalRules(),
    BallotFormat.CUMULATIVE: CumulativeRules(points=10),
    BallotFormat.RANKED: RankedRules(top_k=5),
}


def test_a_rankings_weights_keep_its_last_proposal_at_zero() -> None:
    assert ballot_weights(BallotFormat.RANKED, ranking=(C, A, B)) == {
        str(C): 2,
        str(A): 1,
        str(B): 0,
    }
    assert ballot_weights(BallotFormat.CUMULATIVE, points={A: 6, C: 0}) == {str(A): 6}


def test_the_proposals_with_most_votes_that_fit_are_the_current_winners_under_greedy() -> None:
    prices = {A: 500_000_00, B: 400_000_00, C: 450_000_00}
    groups = [({str(A): 1, str(B): 1}, 4), ({str(A): 1, str(C): 1}, 1), ({str(C): 1}, 2)]
    budget = LiveBudget(1_000_000_00, prices, groups)
    assert current_outcome(BallotFormat.APPROVAL, TallyRule.GREEDY, budget, frozenset()) == (A, B)
    marked = pairs_of([(A, B)])
    assert current_outcome(BallotFormat.APPROVAL, TallyRule.GREEDY, budget, marked) == (A, C)


def test_without_ballots_there_are_no_winners() -> None:
    budget = LiveBudget(1_000_000_00, {A: 100_00, B: 200_00}, [])
    for rule in TallyRule:
        assert current_outcome(BallotFormat.APPROVAL, rule, budget, frozenset()) == ()


def test_a_rule_that_does_not_apply_to_the_ballots_selects_nothing() -> None:
    budget = LiveBudget(1_000_000_00, {A: 100_00}, [({str(A): 3}, 2)])
    assert current_outcome(BallotFormat.CUMULATIVE, TallyRule.PHRAGMEN, budget, frozenset()) == ()


@st.composite
def live_elections(
    draw: st.DrawFn,
) -> tuple[BallotFormat, TallyRule, dict[UUID, int], list[Any_], list[tuple[UUID, UUID]]]:
    fmt = draw(st.sampled_from(list(RULES_OF)))
    rules = [r for r in TallyRule if fmt is BallotFormat.APPROVAL or r not in APPROVAL_ONLY]
    rule = draw(st.sampled_from(rules))
    prices = {p: draw(st.integers(1, 40)) * 100 for p in PROJECTS}  # small: Add1 is +1 kr.
    choices = draw(st.lists(_choices(fmt), min_size=1, max_size=12))
    marked = draw(st.lists(st.tuples(*[st.sampled_from(PROJECTS)] * 2), max_size=2))
    return fmt, rule, prices, choices, marked


APPROVAL_ONLY = (TallyRule.PHRAGMEN, TallyRule.MES_ADD1_COMPARISON)


@given(live_elections())
def test_the_current_outcome_from_the_live_weights_equals_the_allocations_count(
    drawn: tuple[BallotFormat, TallyRule, dict[UUID, int], list[Any_], list[tuple[UUID, UUID]]],
) -> None:
    fmt, rule, prices, choices, marked = drawn
    states, groups = [], Counter[str]()
    weights: dict[str, dict[str, int]] = {}
    for choice in choices:
        if isinstance(choice, dict):
            state = BallotState(active=True, local_area="x", points=choice)
            w = ballot_weights(fmt, points=choice)
        else:
            assert choice is not None
            state = BallotState(active=True, local_area="x", approvals=choice, ranking=choice)
            w = ballot_weights(fmt, approvals=choice, ranking=choice)
        states.append(state)
        key = repr(sorted(w.items()))
        weights[key] = w
        groups[key] += 1
    budget_ore = 100_00
    pairs = pairs_of(marked)
    expected = tally_compatible(
        RULES_OF[fmt], "x", budget_ore, prices, states, Rule(rule.value), pairs
    )
    live = LiveBudget(budget_ore, prices, [(weights[k], n) for k, n in groups.items()])
    assert current_outcome(fmt, rule, live, pairs) == tuple(
        UUID(s) for s in expected.result.selected_ids
    )
