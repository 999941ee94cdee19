"""Given a Pabulib file's META, when it is counted as recorded, then the rule is the one the
format's rule name defines, or the count is refused with the reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.tally import Rule, parse_pabulib
from services.tally.cli import tally_pabulib
from services.tally.recorded import RuleNotRecorded, recorded_rule

FILE = """META
key;value
budget;100
vote_type;{vote_type}
rule;{rule}
{extra}
PROJECTS
project_id;cost
a;60
b;50
c;40
VOTES
voter_id;vote;points
1;a,b,c;3,2,1
2;a,b;2,1
3;a;3
"""


def meta(rule: str, vote_type: str = "approval", extra: str = "") -> str:
    return FILE.format(rule=rule, vote_type=vote_type, extra=extra)


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("greedy", Rule.GREEDY_SCORE),
        ("greedy-no-skip", Rule.GREEDY_SCORE_NO_SKIP),
        ("equalshares/add1", Rule.MES_ADD1),
        ("equalshares/add1-comparison", Rule.MES_ADD1_COMPARISON),
    ],
)
def test_each_rule_name_the_format_defines_maps_to_the_rule_that_counts_the_same(
    name: str, rule: Rule
) -> None:
    assert recorded_rule(parse_pabulib(meta(name))).rule is rule


def test_greedy_threshold_counts_by_score_above_the_recorded_threshold() -> None:
    election = parse_pabulib(
        meta("greedy-threshold", "cumulative", "min_project_score_threshold;4")
    )
    recorded = recorded_rule(election)
    assert recorded.rule is Rule.GREEDY_SCORE
    assert "below 4" in recorded.reason


@pytest.mark.parametrize(
    ("name", "extra", "reason"),
    [
        ("greedy-custom", "", "a variant of its own"),
        ("unknown", "", "does not know which rule"),
        ("equalshares", "", "whether or how"),
        ("seq-phragmen", "", "not one this engine knows"),
        ("", "", "names no rule"),
        ("greedy-threshold", "", "does not say what the threshold was"),
        ("greedy", "budget_per_category;50,50", "capped spending per category"),
        ("greedy", "leftover_budget;Partially fund one more", "leftover budget"),
    ],
)
def test_a_rule_that_cannot_be_known_is_refused_with_the_reason(
    name: str, extra: str, reason: str
) -> None:
    with pytest.raises(RuleNotRecorded, match=reason):
        recorded_rule(parse_pabulib(meta(name, extra=extra)))


def test_the_command_says_which_rule_it_used(tmp_path: Path) -> None:
    path = tmp_path / "e.pb"
    path.write_text(meta("greedy-no-skip", "cumulative"), encoding="utf-8")
    output = json.loads(tally_pabulib(path, "as-recorded", as_json=True))
    assert output["rule"] == "greedy-score-no-skip"
    # a: 5 points, b: 3, c: 1; a fits, b does not: the count stops there.
    assert output["selected"] == ["a"]
    assert (
        "as recorded: META rule 'greedy-no-skip' counted as greedy-score-no-skip"
        in (output["notes"])
    )


def test_the_command_names_the_file_and_the_reason_when_it_cannot(tmp_path: Path) -> None:
    path = tmp_path / "e.pb"
    path.write_text(meta("greedy-custom"), encoding="utf-8")
    with pytest.raises(RuleNotRecorded, match=r"e\.pb: cannot count as recorded: META rule"):
        tally_pabulib(path, "as-recorded", as_json=False)
