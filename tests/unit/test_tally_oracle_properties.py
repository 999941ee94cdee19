"""Property: on any small election, every rule selects exactly what pabutools selects.

Random elections mix integer and fractional costs and budgets, free projects, projects nobody
supports, repeated ballots and all three ballot kinds, which is where ties and thresholds
bite. pabutools gets one ballot per voter (a plain profile), our engine the grouped form.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.tally import Ballot, Election, Project, Rule, VoteType, tally
from tests.oracle import pabutools_election, pabutools_outcome

pytest.importorskip("pabutools")

_money = st.one_of(
    st.integers(min_value=0, max_value=12),
    st.builds(Fraction, st.integers(min_value=1, max_value=40), st.integers(1, 4)),
)


@st.composite
def elections(draw: st.DrawFn, vote_type: VoteType) -> Election:
    count = draw(st.integers(min_value=1, max_value=6))
    names = st.text("abc019", min_size=1, max_size=2)
    ids = draw(st.lists(names, min_size=count, max_size=count, unique=True))
    projects = tuple(Project(id=i, cost=draw(_money)) for i in ids)
    ballots: list[Ballot] = []
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        chosen = draw(st.lists(st.sampled_from(ids), unique=True, max_size=len(ids)))
        voters = draw(st.integers(min_value=1, max_value=3))
        if vote_type is VoteType.APPROVAL:
            ballots.append(Ballot(projects=tuple(sorted(chosen)), voters=voters))
        elif vote_type is VoteType.ORDINAL:
            ballots.append(Ballot(projects=tuple(chosen), voters=voters))
        else:
            points = tuple(draw(st.integers(min_value=0, max_value=3)) for _ in chosen)
            ballots.append(Ballot(projects=tuple(chosen), voters=voters, points=points))
    fractional = st.builds(Fraction, st.integers(1, 90), st.integers(1, 3))
    budget = draw(st.one_of(st.integers(0, 30), fractional))
    return Election(projects=projects, budget=budget, vote_type=vote_type, ballots=tuple(ballots))


def _agrees(election: Election, rules: tuple[str, ...]) -> None:
    instance, profile = pabutools_election(election)
    for rule in rules:
        ours = set(tally(election, Rule(rule)).selected_ids)
        assert ours == pabutools_outcome(instance, profile, rule), rule


_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(elections(VoteType.APPROVAL))
def test_every_rule_matches_pabutools_on_approval_ballots(election: Election) -> None:
    _agrees(election, ("greedy", "mes-plain", "mes-add1", "mes", "phragmen"))


@_SETTINGS
@given(elections(VoteType.CUMULATIVE))
def test_every_rule_matches_pabutools_on_cumulative_ballots(election: Election) -> None:
    _agrees(election, ("greedy", "mes-plain", "mes-add1", "mes"))


@_SETTINGS
@given(elections(VoteType.ORDINAL))
def test_every_rule_matches_pabutools_on_ordinal_ballots(election: Election) -> None:
    _agrees(election, ("greedy", "mes-plain", "mes-add1", "mes"))
