"""The Add1 skip changes nothing: with and without it, every completion ends identically.

Skipping is only allowed where the outcome provably cannot differ, so on any election the
selected projects, their order and the endowment reported must equal those of the plain
whole-unit loop. Random elections here have budgets large against their costs and few voters,
where the loop runs many steps and the skip has the most to skip.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.tally import Ballot, Election, Project, Rule, VoteType, completion, tally

_COMPLETIONS = (Rule.MES, Rule.MES_ADD1, Rule.MES_ADD1_COMPARISON)


@st.composite
def elections(draw: st.DrawFn, vote_type: VoteType) -> Election:
    count = draw(st.integers(min_value=1, max_value=6))
    ids = [f"p{i}" for i in range(count)]
    cost = st.one_of(
        st.integers(min_value=0, max_value=300),
        st.builds(Fraction, st.integers(1, 600), st.integers(1, 3)),
    )
    projects = tuple(Project(id=i, cost=draw(cost)) for i in ids)
    ballots: list[Ballot] = []
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        chosen = draw(st.lists(st.sampled_from(ids), unique=True, max_size=len(ids)))
        voters = draw(st.integers(min_value=1, max_value=4))
        if vote_type is VoteType.CUMULATIVE:
            points = tuple(draw(st.integers(min_value=0, max_value=4)) for _ in chosen)
            ballots.append(Ballot(projects=tuple(chosen), voters=voters, points=points))
        elif vote_type is VoteType.ORDINAL:
            ballots.append(Ballot(projects=tuple(chosen), voters=voters))
        else:
            ballots.append(Ballot(projects=tuple(sorted(chosen)), voters=voters))
    budget = draw(
        st.one_of(st.integers(0, 900), st.builds(Fraction, st.integers(1, 900), st.integers(1, 3)))
    )
    return Election(projects=projects, budget=budget, vote_type=vote_type, ballots=tuple(ballots))


def _outcomes(election: Election, rules: tuple[Rule, ...]) -> list[tuple[object, ...]]:
    results = [tally(election, rule) for rule in rules]
    return [(r.selected_ids, r.endowment, r.notes) for r in results]


def _agrees_with_every_step(election: Election, rules: tuple[Rule, ...]) -> None:
    skipping = _outcomes(election, rules)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(completion, "SMALL", -1)  # no election is small: no step is skipped
        stepping = _outcomes(election, rules)
    assert skipping == stepping


_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(elections(VoteType.APPROVAL))
def test_skipping_steps_changes_no_approval_outcome(election: Election) -> None:
    _agrees_with_every_step(election, _COMPLETIONS)


@_SETTINGS
@given(elections(VoteType.CUMULATIVE))
def test_skipping_steps_changes_no_cumulative_outcome(election: Election) -> None:
    _agrees_with_every_step(election, _COMPLETIONS[:2])


@_SETTINGS
@given(elections(VoteType.ORDINAL))
def test_skipping_steps_changes_no_ordinal_outcome(election: Election) -> None:
    _agrees_with_every_step(election, _COMPLETIONS[:2])


def few_voters_and_a_large_budget() -> Election:
    """Five voters and a budget of 1,000,000: the plain loop runs 70,000 MES counts."""
    prices = [300_000, 250_000, 120_000, 400_000, 90_000, 310_000]
    projects = tuple(Project(id=f"p{i}", cost=c) for i, c in enumerate(prices))
    ballots = tuple(
        Ballot(projects=chosen, voters=1)
        for chosen in (("p0", "p2"), ("p1",), ("p0", "p3"), ("p4", "p5"), ("p3",))
    )
    return Election(
        projects=projects, budget=1_000_000, vote_type=VoteType.APPROVAL, ballots=ballots
    )


def test_few_voters_and_a_large_budget_are_counted_without_walking_every_step() -> None:
    # The outcome and endowment of the plain loop (which takes 51 s here).
    result = tally(few_voters_and_a_large_budget(), Rule.MES)
    assert result.selected_ids == ("p0", "p1", "p2", "p4")
    assert result.endowment == 270_000
