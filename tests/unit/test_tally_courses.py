"""Remembered courses change nothing: a run on a problem that earlier runs have used funds
exactly what a run on a freshly prepared problem funds, in the same order.

MES remembers, per prepared problem, how supporters were grouped after each sequence of
purchases and reuses it at other endowments; these tests count many endowments in a random
order on one problem and compare every outcome with a fresh count.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.tally import Ballot, Election, Project, VoteType
from services.tally.mes import equal_shares, prepare
from services.tally.profile import support_profile


@st.composite
def elections(draw: st.DrawFn) -> Election:
    vote_type = draw(st.sampled_from(VoteType))
    ids = [f"p{i}" for i in range(draw(st.integers(min_value=1, max_value=7)))]
    projects = tuple(Project(id=i, cost=draw(st.integers(0, 300))) for i in ids)
    ballots: list[Ballot] = []
    for _ in range(draw(st.integers(min_value=1, max_value=8))):
        chosen = draw(st.lists(st.sampled_from(ids), unique=True, max_size=len(ids)))
        voters = draw(st.integers(min_value=1, max_value=5))
        points = None
        if vote_type is VoteType.CUMULATIVE:
            points = tuple(draw(st.integers(min_value=0, max_value=4)) for _ in chosen)
        ballots.append(Ballot(projects=tuple(chosen), voters=voters, points=points))
    budget = draw(st.integers(0, 900))
    return Election(projects=projects, budget=budget, vote_type=vote_type, ballots=tuple(ballots))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    elections(),
    st.lists(st.builds(Fraction, st.integers(0, 400), st.integers(1, 3)), min_size=2, max_size=12),
)
def test_a_problem_counted_before_funds_what_a_fresh_one_funds(
    election: Election, endowments: list[Fraction]
) -> None:
    profile = support_profile(election)
    shared = prepare(profile)
    for endowment in endowments:
        again = [s.project.id for s in equal_shares(shared, endowment)]
        fresh = [s.project.id for s in equal_shares(prepare(profile), endowment)]
        assert again == fresh
