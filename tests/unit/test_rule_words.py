"""Tally rules and ballot formats read in words, in Danish without English jargon."""

from __future__ import annotations

import re

import pytest

from events.budgeting_common import BallotFormat, TallyRule
from services.audit.report_texts import TEXT
from services.domain.messages import Msg
from services.texts.budgeting import TEXTS, render
from services.texts.words import BALLOT_FORMAT_NAMES, TALLY_RULE_NAMES, in_words

JARGON = re.compile(r"knapsack|cumulative|kumulativ|greedy|\bmes\b|approval", re.IGNORECASE)


def test_every_tally_rule_and_ballot_format_has_words_in_both_languages() -> None:
    assert set(TALLY_RULE_NAMES) == {rule.value for rule in TallyRule}
    assert set(BALLOT_FORMAT_NAMES) == {f.value for f in BallotFormat}
    for words in (*TALLY_RULE_NAMES.values(), *BALLOT_FORMAT_NAMES.values()):
        assert all(words) and words[0] != words[1]


@pytest.mark.parametrize("rule", list(TallyRule))
@pytest.mark.parametrize("ballot_format", list(BallotFormat))
def test_refusals_name_rules_and_formats_in_danish_words(
    rule: TallyRule, ballot_format: BallotFormat
) -> None:
    unfit = render(Msg.TALLY_RULE_UNFIT, {"rule": rule.value, "format": ballot_format}, "da")
    wrong = render(Msg.BALLOT_WRONG_FORMAT, {"format": ballot_format.value}, "da")
    assert TALLY_RULE_NAMES[rule.value][0] in unfit
    assert BALLOT_FORMAT_NAMES[ballot_format.value][0] in wrong
    assert not JARGON.search(unfit) and not JARGON.search(wrong)


def test_no_danish_text_carries_the_english_names_of_ballot_formats() -> None:
    danish = [da for _, da, _ in TEXTS.values()] + [da for da, _ in TEXT.values()]
    danish += [da for da, _ in (*TALLY_RULE_NAMES.values(), *BALLOT_FORMAT_NAMES.values())]
    assert [t for t in danish if re.search(r"knapsack|cumulative|kumulativ", t, re.I)] == []


def test_an_unknown_value_reads_as_itself() -> None:
    assert in_words(TALLY_RULE_NAMES, "new-rule") == {"da": "new-rule", "en": "new-rule"}
