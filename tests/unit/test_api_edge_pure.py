"""The pure parts of the budgeting edge: language choice, tally input, census file checks."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from uuid import uuid4

import pytest

from events.budgeting_common import ApprovalRules, BallotChannel, CumulativeRules, RankedRules
from services.api.lang import choose_language
from services.cli.census import CensusError, age_on, parse_census
from services.domain.budgeting.ballots import BallotState
from services.domain.budgeting.tally_input import election_for, funding_of, kroner, ore
from services.tally import Rule, VoteType, tally

AREAS = ("Tørring", "Juelsminde")
DAY = date(2026, 5, 1)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "da"),
        ("", "da"),
        ("en", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("da-DK, en;q=0.5", "da"),
        ("de, en;q=0.5", "en"),
        ("de, fr", "da"),
        ("en;q=0.3, da;q=0.8", "da"),
        ("en;q=0, da;q=0", "da"),
        ("en;q=garbage", "da"),
    ],
)
def test_the_language_is_the_best_of_danish_and_english_the_header_accepts(
    header: str | None, expected: str
) -> None:
    assert choose_language(header) == expected


def ballot(area: str, **choices: object) -> BallotState:
    return BallotState(active=True, local_area=area, channel=BallotChannel.WEB, **choices)  # type: ignore[arg-type]


def test_identical_approval_ballots_of_the_area_are_grouped_and_others_left_out() -> None:
    a, b = uuid4(), uuid4()
    ballots = [
        ballot("Tørring", approvals=(a, b)),
        ballot("Tørring", approvals=(b, a)),
        ballot("Tørring", approvals=(a,)),
        ballot("Juelsminde", approvals=(a,)),
        BallotState(active=False, local_area="Tørring", approvals=(a,)),
    ]
    election = election_for(
        ApprovalRules(), "Tørring", 100_000_00, {a: 60_000_00, b: 50_000_50}, ballots
    )
    assert election.vote_type is VoteType.APPROVAL
    assert election.voter_count == 3
    assert sorted(g.voters for g in election.ballots) == [1, 2]
    assert election.budget == 100_000
    assert {p.cost for p in election.projects} == {60_000, Fraction(5_000_050, 100)}


def test_cumulative_and_ranked_ballots_keep_their_points_and_order() -> None:
    a, b = uuid4(), uuid4()
    cumulative = election_for(
        CumulativeRules(points=10),
        "Tørring",
        100_00,
        {a: 10_00, b: 10_00},
        [ballot("Tørring", points={a: 7, b: 3})],
    )
    (group,) = cumulative.ballots
    assert dict(zip(group.projects, group.points or (), strict=True)) == {str(a): 7, str(b): 3}
    ranked = election_for(
        RankedRules(top_k=2),
        "Tørring",
        100_00,
        {a: 10_00, b: 10_00},
        [ballot("Tørring", ranking=(b, a))],
    )
    assert ranked.vote_type is VoteType.ORDINAL
    assert ranked.ballots[0].projects == (str(b), str(a))


def test_the_engine_s_outcome_comes_back_as_funding_in_whole_ore() -> None:
    a, b = uuid4(), uuid4()
    election = election_for(
        ApprovalRules(),
        "Tørring",
        100_000_00,
        {a: 60_000_50, b: 50_000_00},
        [ballot("Tørring", approvals=(a,))] * 3 + [ballot("Tørring", approvals=(b,))],
    )
    funded = funding_of(tally(election, Rule.GREEDY))
    assert [(f.proposal_id, f.amount_ore) for f in funded] == [(a, 60_000_50)]
    assert kroner(123_45) == Fraction(12345, 100) and kroner(500) == 5
    assert ore(Fraction(12345, 100)) == 123_45
    with pytest.raises(ValueError, match="øre"):
        ore(Fraction(1, 1000))


CSV = "voter_id,local_area,birth_date\n"


def test_a_census_counts_voters_of_age_per_area_and_leaves_the_young_out() -> None:
    text = CSV + "p1,Tørring,1980-01-01\np2,Juelsminde,2011-05-02\np3,Juelsminde,2011-05-01\n"
    census = parse_census(text, AREAS, 15, DAY)
    assert census.voters == (("p1", "Tørring"), ("p3", "Juelsminde"))
    assert census.too_young == 1
    assert census.eligible_by_area() == {"Tørring": 1, "Juelsminde": 1}


def test_age_turns_on_the_birthday() -> None:
    assert age_on(date(2011, 5, 1), DAY) == 15
    assert age_on(date(2011, 5, 2), DAY) == 14


def test_every_bad_row_is_named_by_its_line_and_nothing_passes() -> None:
    text = (
        CSV
        + "p1,Tørring,1980-01-01\n"
        + ",Tørring,1980-01-01\n"
        + "p1,Tørring,1980-01-01\n"
        + "p4,Atlantis,1980-01-01\n"
        + "p5,Tørring,01-01-1980\n"
        + "p6,Tørring,2030-01-01\n"
        + "p7,Tørring,1980-01-01,extra\n"
    )
    with pytest.raises(CensusError) as caught:
        parse_census(text, AREAS, 15, DAY)
    problems = caught.value.problems
    assert [p.split(":")[0] for p in problems] == [f"line {n}" for n in range(3, 9)]
    assert "already on line 2" in problems[1]
    assert "Atlantis" in problems[2]


def test_a_file_without_the_columns_or_without_voters_is_refused() -> None:
    with pytest.raises(CensusError, match="missing birth_date"):
        parse_census("voter_id,local_area\np1,Tørring\n", AREAS, 15, DAY)
    with pytest.raises(CensusError, match="no voters"):
        parse_census(CSV, AREAS, 15, DAY)
