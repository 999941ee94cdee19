"""Given a tiny election, when a rule counts it, then the outcome is the one worked out by hand."""

from __future__ import annotations

from fractions import Fraction

import pytest

from services.tally import (
    TIE_BREAK,
    Ballot,
    Election,
    Project,
    Rule,
    TallyInputError,
    VoteType,
    tally,
)


def approval(budget: int, costs: dict[str, int], *ballots: tuple[str, int]) -> Election:
    """Ballots as ("a,b", voters)."""
    return Election(
        projects=tuple(Project(id=p, cost=c) for p, c in costs.items()),
        budget=budget,
        vote_type=VoteType.APPROVAL,
        ballots=tuple(
            Ballot(projects=tuple(sorted(v.split(","))) if v else (), voters=n) for v, n in ballots
        ),
    )


def test_greedy_funds_the_most_approved_first_and_skips_what_no_longer_fits() -> None:
    election = approval(100, {"a": 60, "b": 50, "c": 40}, ("a", 5), ("b", 4), ("c", 3))
    assert tally(election, Rule.GREEDY).selected_ids == ("a", "c")


def test_greedy_breaks_ties_by_the_smallest_id_in_code_point_order() -> None:
    election = approval(10, {"9": 10, "10": 10}, ("9", 1), ("10", 1))
    assert tally(election, Rule.GREEDY).selected_ids == ("10",)


def test_greedy_funds_unsupported_projects_last_if_money_is_left() -> None:
    election = approval(100, {"a": 50, "z": 10}, ("a", 3))
    assert tally(election, Rule.GREEDY).selected_ids == ("a", "z")


def test_equal_shares_gives_a_minority_its_proportional_share() -> None:
    red = {f"r{i}": 10 for i in range(4)}
    blue = {f"b{i}": 10 for i in range(4)}
    election = approval(40, red | blue, (",".join(red), 51), (",".join(blue), 49))
    outcome = tally(election, Rule.MES_PLAIN).selected_ids
    assert sum(p.startswith("b") for p in outcome) == 1
    assert tally(election, Rule.GREEDY).selected_ids == ("r0", "r1", "r2", "r3")


def test_equal_shares_skips_a_project_its_supporters_cannot_pay_for() -> None:
    election = approval(100, {"big": 80, "small": 20}, ("big", 1), ("small", 3))
    assert tally(election, Rule.MES_PLAIN).selected_ids == ("small",)


def test_equal_shares_breaks_an_exact_tie_by_the_smallest_id() -> None:
    election = approval(10, {"b": 10, "a": 10}, ("a", 1), ("b", 1))
    assert tally(election, Rule.MES_PLAIN).selected_ids == ()
    election = approval(20, {"b": 10, "a": 10}, ("a,b", 2))
    assert tally(election, Rule.MES_PLAIN).selected_ids == ("a", "b")


def test_add1_raises_the_endowment_until_the_outcome_is_exhaustive() -> None:
    election = approval(100, {"big": 80, "small": 20}, ("big", 1), ("small", 3))
    result = tally(election, Rule.MES_ADD1)
    assert set(result.selected_ids) == {"big", "small"}
    assert any("endowment per voter: 80" in note for note in result.notes)


def test_mes_completes_what_add1_leaves_with_greedy() -> None:
    election = approval(30, {"x": 20, "y": 10, "u": 5}, ("x", 2), ("y", 1))
    assert set(tally(election, Rule.MES).selected_ids) == {"x", "y"}
    assert "u" not in tally(election, Rule.MES_ADD1).selected_ids


def test_phragmen_buys_where_the_new_load_is_lowest() -> None:
    election = approval(30, {"a": 10, "b": 10, "c": 10}, ("a,b", 2), ("c", 1))
    assert tally(election, Rule.PHRAGMEN).selected_ids == ("a", "b", "c")


def test_phragmen_stops_when_the_next_project_does_not_fit() -> None:
    election = approval(25, {"a": 10, "b": 20, "c": 15}, ("a", 3), ("b", 2), ("c", 1))
    assert tally(election, Rule.PHRAGMEN).selected_ids == ("a",)


def test_phragmen_refuses_cumulative_ballots() -> None:
    election = Election(
        projects=(Project(id="a", cost=1),),
        budget=1,
        vote_type=VoteType.CUMULATIVE,
        ballots=(Ballot(projects=("a",), points=(2,)),),
    )
    with pytest.raises(TallyInputError, match="needs approval ballots"):
        tally(election, Rule.PHRAGMEN)


def test_cumulative_points_weigh_the_cost_shares() -> None:
    election = Election(
        projects=(Project(id="a", cost=10), Project(id="b", cost=10)),
        budget=10,
        vote_type=VoteType.CUMULATIVE,
        ballots=(
            Ballot(projects=("a", "b"), points=(1, 2), voters=2),
            Ballot(projects=("a",), points=(3,), voters=1),
        ),
    )
    assert tally(election, Rule.GREEDY).selected_ids == ("a",)


def test_ordinal_ballots_count_borda_points() -> None:
    election = Election(
        projects=(Project(id="a", cost=5), Project(id="b", cost=5), Project(id="c", cost=5)),
        budget=5,
        vote_type=VoteType.ORDINAL,
        ballots=(Ballot(projects=("b", "a", "c"), voters=2), Ballot(projects=("a", "c"), voters=1)),
    )
    assert tally(election, Rule.GREEDY).selected_ids == ("b",)


def test_projects_below_the_score_threshold_are_ineligible_and_reported() -> None:
    election = approval(100, {"a": 60, "b": 10}, ("a", 1), ("b", 5))
    election = Election(
        projects=election.projects,
        budget=election.budget,
        vote_type=election.vote_type,
        ballots=election.ballots,
        min_project_score_threshold=2,
    )
    result = tally(election, Rule.GREEDY)
    assert result.selected_ids == ("b",)
    assert result.ineligible == ("a",)
    assert result.parameters["min_project_score_threshold"] == "2"


def test_every_result_reports_rule_version_tie_break_and_voters() -> None:
    election = approval(Fraction(21, 2), {"a": 10}, ("a", 3))
    result = tally(election, Rule.MES)
    assert result.tie_break == TIE_BREAK
    assert result.rule == "mes" and "pabutools" in result.rule_version
    assert result.voter_count == 3
    assert result.total_cost == 10


def test_comparison_switches_to_greedy_when_more_voters_prefer_it() -> None:
    election = approval(10, {"a": 10, "b": 5, "c": 5}, ("a", 3), ("b", 1), ("c", 1), ("b,c", 1))
    result = tally(election, Rule.MES_ADD1_COMPARISON)
    assert result.selected_ids == ("a",)
    assert any("comparison" in note for note in result.notes)
