"""Given an election, when the greedy rules cities use count it (by total score, without
skipping), then the outcome is the one a plain reference count gives, and the one worked out
by hand on small cases.

The reference below reads every voter's ballot one by one, adds up each project's score (or
satisfaction, for the per-cost order), sorts, and walks the list: nothing of the engine's
grouped form is shared with it.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.tally import Ballot, Election, Project, Rule, VoteType, tally
from services.tally.model import Money


def reference_scores(election: Election) -> dict[str, Money]:
    """Total score per project: approvals, points, or L - i + 1 for the i-th of L ranked."""
    scores: dict[str, Money] = {p.id: 0 for p in election.projects}
    for ballot in election.ballots:
        for _ in range(ballot.voters):
            for place, project in enumerate(ballot.projects):
                if election.vote_type is VoteType.APPROVAL:
                    scores[project] += 1
                elif election.vote_type is VoteType.CUMULATIVE:
                    assert ballot.points is not None
                    scores[project] += ballot.points[place]
                else:
                    scores[project] += len(ballot.projects) - place
    return scores


def reference_satisfaction(election: Election) -> dict[str, Money]:
    """Total satisfaction per project: cost per approval, points, or Borda (ranked below)."""
    satisfaction: dict[str, Money] = {p.id: 0 for p in election.projects}
    cost = {p.id: p.cost for p in election.projects}
    for ballot in election.ballots:
        for _ in range(ballot.voters):
            for place, project in enumerate(ballot.projects):
                if election.vote_type is VoteType.APPROVAL:
                    satisfaction[project] += cost[project]
                elif election.vote_type is VoteType.CUMULATIVE:
                    assert ballot.points is not None
                    satisfaction[project] += ballot.points[place]
                else:
                    satisfaction[project] += len(ballot.projects) - place - 1
    return satisfaction


def reference(election: Election, by_score: bool, skip: bool) -> list[str]:
    """Walk the projects in order; fund what fits; skip or stop at what does not."""
    scores = reference_scores(election)
    threshold = election.min_project_score_threshold
    eligible = [p for p in election.projects if threshold is None or scores[p.id] >= threshold]
    if by_score:
        ordered = sorted(eligible, key=lambda p: (-scores[p.id], p.id))
    else:
        satisfaction = reference_satisfaction(election)

        def per_cost(p: Project) -> tuple[int, Fraction, str]:
            if satisfaction[p.id] > 0 and p.cost == 0:
                return (0, Fraction(0), p.id)
            ratio = Fraction(satisfaction[p.id]) / p.cost if satisfaction[p.id] > 0 else 0
            return (1, -Fraction(ratio), p.id)

        ordered = sorted(eligible, key=per_cost)
    left, funded = election.budget, []
    for project in ordered:
        if project.cost <= left:
            funded.append(project.id)
            left -= project.cost
        elif not skip:
            break
    return funded


VARIANTS = {
    Rule.GREEDY_SCORE: (True, True),
    Rule.GREEDY_SCORE_NO_SKIP: (True, False),
    Rule.GREEDY_NO_SKIP: (False, False),
    Rule.GREEDY: (False, True),
}


def election(
    vote_type: VoteType, budget: Money, costs: dict[str, Money], *ballots: str
) -> Election:
    """Ballots as "a,b" (approval, ranking) or "a:3,b:1" (cumulative), one voter each."""
    parsed: list[Ballot] = []
    for text in ballots:
        items = [item for item in text.split(",") if item]
        if vote_type is VoteType.CUMULATIVE:
            pairs = [item.split(":") for item in items]
            parsed.append(
                Ballot(tuple(p for p, _ in pairs), points=tuple(int(n) for _, n in pairs))
            )
        else:
            parsed.append(Ballot(tuple(items)))
    return Election(
        projects=tuple(Project(id=p, cost=c) for p, c in costs.items()),
        budget=budget,
        vote_type=vote_type,
        ballots=tuple(parsed),
    )


def selected(e: Election, rule: Rule) -> tuple[str, ...]:
    return tally(e, rule).selected_ids


# --- by hand --------------------------------------------------------------------------------


def test_greedy_score_funds_the_highest_points_first_whatever_they_cost() -> None:
    # a: 6 points for 90, b: 4 for 10, c: 3 for 20. Per cost: b (0.4), c (0.15), a (0.067).
    e = election(VoteType.CUMULATIVE, 100, {"a": 90, "b": 10, "c": 20}, "a:6", "b:4", "c:3")
    assert selected(e, Rule.GREEDY_SCORE) == ("a", "b")
    assert selected(e, Rule.GREEDY) == ("b", "c")


def test_greedy_score_ranks_by_positional_score_on_ranked_ballots() -> None:
    # positional: a 3+1 = 4, b 2+3 = 5, c 1+2 = 3; b then a fit, c does not.
    e = election(VoteType.ORDINAL, 10, {"a": 5, "b": 5, "c": 1}, "a,b,c", "b,c,a")
    assert selected(e, Rule.GREEDY_SCORE) == ("b", "a")
    assert tally(e, Rule.GREEDY_SCORE).selected[0].score == 5


def test_positional_score_counts_each_ballot_by_its_own_length() -> None:
    # a ranked alone gets 1 point, b first of two gets 2: b comes first (counted with the
    # longest ballot's length instead, a and b would tie at 2 and a would win the tie).
    e = election(VoteType.ORDINAL, 1, {"a": 1, "b": 1, "c": 1}, "a", "b,c")
    assert selected(e, Rule.GREEDY_SCORE) == ("b",)


def test_greedy_score_skips_what_does_not_fit_and_funds_cheaper_ones_below() -> None:
    e = election(VoteType.APPROVAL, 100, {"a": 60, "b": 50, "c": 40}, "a,b,c", "a,b", "a")
    assert selected(e, Rule.GREEDY_SCORE) == ("a", "c")


def test_no_skip_stops_at_the_first_project_that_does_not_fit() -> None:
    e = election(VoteType.APPROVAL, 100, {"a": 60, "b": 50, "c": 40}, "a,b,c", "a,b", "a")
    assert selected(e, Rule.GREEDY_SCORE_NO_SKIP) == ("a",)
    assert selected(e, Rule.GREEDY_NO_SKIP) == ("a",)


def test_greedy_no_skip_follows_the_per_cost_order_before_stopping() -> None:
    # per point and unit of cost: b 4/10 first, then c 3/20, then a 6/90 which does not fit.
    e = election(VoteType.CUMULATIVE, 100, {"a": 90, "b": 10, "c": 20, "d": 1}, "a:6,b:4,c:3")
    assert selected(e, Rule.GREEDY_NO_SKIP) == ("b", "c")
    assert selected(e, Rule.GREEDY_SCORE_NO_SKIP) == ("a", "b")


def test_equal_scores_go_to_the_smallest_id_in_code_point_order() -> None:
    e = election(VoteType.APPROVAL, 10, {"9": 10, "10": 10}, "9", "10")
    assert selected(e, Rule.GREEDY_SCORE) == ("10",)
    assert selected(e, Rule.GREEDY_SCORE_NO_SKIP) == ("10",)


def test_projects_below_the_threshold_are_not_funded_by_the_score_rules() -> None:
    e = election(VoteType.ORDINAL, 100, {"a": 5, "b": 5}, "a,b", "a,b")
    # positional: a 4, b 2; with a threshold of 3, b is out.
    e = Election(e.projects, e.budget, e.vote_type, e.ballots, min_project_score_threshold=3)
    result = tally(e, Rule.GREEDY_SCORE)
    assert result.selected_ids == ("a",)
    assert result.ineligible == ("b",)


def test_the_score_rules_report_the_score_they_ranked_by() -> None:
    e = election(VoteType.ORDINAL, 100, {"a": 5, "b": 5}, "a,b")
    result = tally(e, Rule.GREEDY_SCORE)
    assert [(p.id, p.score) for p in result.selected] == [("a", 2), ("b", 1)]
    assert "positional" in result.parameters["score"]


def test_the_reference_agrees_with_the_hand_made_cases() -> None:
    e = election(VoteType.CUMULATIVE, 101, {"a": 90, "b": 10, "c": 20, "d": 1}, "a:6,b:4,c:3")
    assert reference(e, by_score=False, skip=False) == ["b", "c"]
    assert reference(e, by_score=True, skip=False) == ["a", "b"]
    assert reference(e, by_score=True, skip=True) == ["a", "b", "d"]


# --- against the reference on random elections ----------------------------------------------

_money = st.one_of(
    st.integers(min_value=0, max_value=12),
    st.builds(Fraction, st.integers(min_value=1, max_value=40), st.integers(1, 4)),
)


@st.composite
def elections(draw: st.DrawFn) -> Election:
    vote_type = draw(st.sampled_from(list(VoteType)))
    ids = draw(
        st.lists(st.text("abc019", min_size=1, max_size=2), min_size=1, max_size=6, unique=True)
    )
    ballots: list[Ballot] = []
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        chosen = draw(st.lists(st.sampled_from(ids), unique=True, max_size=len(ids)))
        voters = draw(st.integers(min_value=1, max_value=3))
        if vote_type is VoteType.APPROVAL:
            ballots.append(Ballot(tuple(sorted(chosen)), voters))
        elif vote_type is VoteType.ORDINAL:
            ballots.append(Ballot(tuple(chosen), voters))
        else:
            points = tuple(draw(st.integers(min_value=0, max_value=3)) for _ in chosen)
            ballots.append(Ballot(tuple(chosen), voters, points))
    threshold = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=4)))
    return Election(
        projects=tuple(Project(id=i, cost=draw(_money)) for i in ids),
        budget=draw(
            st.one_of(
                st.integers(0, 30), st.builds(Fraction, st.integers(1, 90), st.integers(1, 3))
            )
        ),
        vote_type=vote_type,
        ballots=tuple(ballots),
        min_project_score_threshold=threshold,
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections())
def test_every_greedy_rule_equals_the_reference_count(e: Election) -> None:
    for rule, (by_score, skip) in VARIANTS.items():
        assert list(selected(e, rule)) == reference(e, by_score, skip), rule
