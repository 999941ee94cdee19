"""Given Pabulib text, when it is read or counted from the command line, then the election and
the output are right, and bad input is refused with a specific message."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from services.tally import Ballot, TallyInputError, VoteType, parse_pabulib
from services.tally.cli import tally_pabulib

APPROVAL = """META
key;value
description;Test
budget;171613817/100
vote_type;choose-1
min_project_score_threshold;2
PROJECTS
project_id;cost;name
p1;1000;"First; with semicolon"
p2;1000000,5;Second
p3;5;Third
VOTES
voter_id;vote
v1;p1
v2;p2
v3;p1
v4;p3
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "election.pb"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_choose_1_file_reads_as_grouped_approval_ballots_with_exact_money() -> None:
    election = parse_pabulib(APPROVAL)
    assert election.vote_type is VoteType.APPROVAL
    assert election.budget == Fraction(171613817, 100)
    assert [p.cost for p in election.projects] == [1000, Fraction(2000001, 2), 5]
    assert election.projects[0].name == "First; with semicolon"
    assert set(election.ballots) == {
        Ballot(projects=("p1",), voters=2),
        Ballot(projects=("p2",)),
        Ballot(projects=("p3",)),
    }
    assert election.min_project_score_threshold == 2


def test_cumulative_points_and_ordinal_rankings_are_kept() -> None:
    cumulative = APPROVAL.replace("choose-1", "cumulative").replace(
        "voter_id;vote\nv1;p1\n", "voter_id;vote;points\nv1;p2,p1;2,1\n"
    )
    cumulative = cumulative.replace("v2;p2\nv3;p1\nv4;p3\n", "v2;p1,p2;1,2\n")
    assert parse_pabulib(cumulative).ballots == (
        Ballot(projects=("p1", "p2"), voters=2, points=(1, 2)),
    )
    ordinal = APPROVAL.replace("choose-1", "ordinal").replace("v1;p1\n", "v1;p3,p1\n")
    assert parse_pabulib(ordinal).ballots[0] == Ballot(projects=("p3", "p1"))


def test_a_vote_naming_a_project_twice_counts_it_once_and_says_so() -> None:
    approval = parse_pabulib(APPROVAL.replace("v4;p3", "v4;p3,p1,p3"))
    assert Ballot(projects=("p1", "p3")) in approval.ballots
    assert approval.voter_count == 4
    assert approval.notes == (
        "1 vote(s) named a project more than once; each such project counted once on that vote "
        "(projects: p3)",
    )
    ordinal = parse_pabulib(APPROVAL.replace("choose-1", "ordinal").replace("v4;p3", "v4;p3,p1,p3"))
    assert Ballot(projects=("p3", "p1")) in ordinal.ballots
    cumulative = APPROVAL.replace("choose-1", "cumulative").replace(
        "voter_id;vote", "voter_id;vote;points"
    )
    cumulative = cumulative.replace("v1;p1\n", "v1;p1;1\n").replace("v2;p2\n", "v2;p2;1\n")
    cumulative = cumulative.replace("v3;p1\n", "v3;p1;1\n").replace("v4;p3", "v4;p3,p1,p3;2,1,3")
    assert Ballot(projects=("p1", "p3"), points=(1, 5)) in parse_pabulib(cumulative).ballots


def test_a_file_without_repeated_projects_has_no_notes() -> None:
    assert parse_pabulib(APPROVAL).notes == ()


def test_the_note_on_repeated_projects_reaches_the_result(tmp_path: Path) -> None:
    path = write(tmp_path, APPROVAL.replace("v4;p3", "v4;p3,p3"))
    output = json.loads(tally_pabulib(path, "greedy", as_json=True))
    assert any("named a project more than once" in note for note in output["notes"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("VOTES\n", "VOTERS\n"), "missing or empty section"),
        (("v4;p3", "v4;p9"), "unknown project"),
        (("p3;5;", "p3;five;"), "is not a number"),
        (("choose-1", "scoring"), "unsupported vote_type"),
        (("p3;5;", "p1;5;"), "listed twice"),
        (("budget;171613817/100\n", ""), "META has no budget"),
    ],
)
def test_a_malformed_file_is_refused_with_a_specific_message(
    change: tuple[str, str], message: str
) -> None:
    with pytest.raises(TallyInputError, match=message):
        parse_pabulib(APPROVAL.replace(*change))


def test_the_command_prints_selected_ids_exactly_as_in_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, APPROVAL)
    output = json.loads(tally_pabulib(path, "greedy", as_json=True))
    assert output["selected"] == ["p1"]
    assert output["ineligible"] == ["p2", "p3"]
    assert output["budget"] == "171613817/100"
    assert output["tie_break"].startswith("lexicographic")
    assert output["ballots"] == 4


def test_the_command_prints_a_readable_summary(tmp_path: Path) -> None:
    text = tally_pabulib(write(tmp_path, APPROVAL), "mes", as_json=False)
    assert "rule: mes" in text and "tie-break:" in text and "ballots: 4" in text
    assert "total spent: 1000 of 171613817/100" in text


def test_the_command_refuses_unknown_rules_missing_files_and_phragmen_on_rankings(
    tmp_path: Path,
) -> None:
    with pytest.raises(TallyInputError, match="unknown rule 'borda'"):
        tally_pabulib(write(tmp_path, APPROVAL), "borda", as_json=False)
    with pytest.raises(TallyInputError, match="no such Pabulib file"):
        tally_pabulib(tmp_path / "missing.pb", "greedy", as_json=False)
    ordinal = write(tmp_path, APPROVAL.replace("choose-1", "ordinal"))
    with pytest.raises(TallyInputError, match="needs approval ballots"):
        tally_pabulib(ordinal, "phragmen", as_json=False)
