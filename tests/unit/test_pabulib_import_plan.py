"""Given a Pabulib file, when its import into a process is planned, then the process counts with
the rule the file records where it can, and a vote naming a project twice is recorded once."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from events.budgeting_common import TallyRule
from services.results.pabulib_import import ImportPlan, plan_import, rehearse
from services.tally import parse_pabulib

FILE = """META
key;value
description;Test
unit;Testby
budget;100
vote_type;{vote_type}
rule;{rule}
PROJECTS
project_id;cost;name
a;60;A
b;50;B
VOTES
voter_id;vote;points
1;a,b,a;1,1,1
2;b;2
"""


def plan(rule: str, vote_type: str = "approval") -> ImportPlan:
    election = parse_pabulib(FILE.format(rule=rule, vote_type=vote_type))
    return plan_import(election, "test.pb", uuid4())


@pytest.mark.parametrize(
    ("rule", "vote_type", "tally_rule"),
    [
        ("greedy", "cumulative", TallyRule.GREEDY_SCORE),
        ("greedy", "ordinal", TallyRule.GREEDY_SCORE),
        ("greedy-no-skip", "approval", TallyRule.GREEDY_SCORE_NO_SKIP),
        ("equalshares/add1", "approval", TallyRule.MES_ADD1),
        ("equalshares/add1-comparison", "approval", TallyRule.MES_ADD1_COMPARISON),
    ],
)
def test_the_process_counts_with_the_rule_the_file_records(
    rule: str, vote_type: str, tally_rule: TallyRule
) -> None:
    planned = plan(rule, vote_type)
    assert planned.tally_rule is tally_rule
    rehearse(planned, datetime(2026, 1, 1, tzinfo=UTC), "importer")


@pytest.mark.parametrize(
    ("rule", "vote_type", "tally_rule", "why"),
    [
        ("greedy-custom", "approval", TallyRule.GREEDY, "a variant of its own"),
        ("equalshares", "cumulative", TallyRule.MES, "whether or how"),
        ("equalshares/add1", "ordinal", TallyRule.GREEDY, "cannot count ordinal ballots"),
        ("equalshares/add1-comparison", "cumulative", TallyRule.MES, "cannot count cumulative"),
    ],
)
def test_where_the_process_cannot_count_as_recorded_the_note_says_why(
    rule: str, vote_type: str, tally_rule: TallyRule, why: str
) -> None:
    planned = plan(rule, vote_type)
    assert planned.tally_rule is tally_rule
    assert any(why in note and tally_rule.value in note for note in planned.notes)


def test_a_vote_naming_a_project_twice_is_imported_once_with_a_note() -> None:
    planned = plan("greedy")
    assert sorted(len(b.approvals) for b in planned.ballots) == [1, 2]
    assert any("named a project more than once" in note for note in planned.notes)
    rehearse(planned, datetime(2026, 1, 1, tzinfo=UTC), "importer")
