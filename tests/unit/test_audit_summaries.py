"""Audit summaries and field-level changes: pure functions, no I/O."""

from __future__ import annotations

from events.registry import EVENT_TYPES
from projections.audit.summaries import TEMPLATES, changes, kroner, summarize


def test_every_event_type_has_a_danish_and_an_english_summary() -> None:
    assert {cls.type_name for cls in EVENT_TYPES} <= set(TEMPLATES)


def test_a_summary_fills_fields_and_shows_money_in_kroner() -> None:
    da, en = summarize(
        "ProposalSubmitted",
        {"title": "Bænke", "estimated_cost_ore": 4_500_050, "local_area": "Tørring"},
        [],
    )
    assert da == "Forslag indsendt: «Bænke» (45\u00a0000.50 kr., Tørring)"
    assert en == "Proposal submitted: «Bænke» (45\u00a0000.50 kr., Tørring)"


def test_an_unknown_type_still_reads_as_words() -> None:
    assert summarize("SomethingNewHappened", {}, []) == (
        "something new happened",
        "something new happened",
    )


def test_an_edit_lists_only_the_fields_whose_value_changed() -> None:
    before = {"proposal_id": "p1", "title": "Bænke", "estimated_cost_ore": 100, "core_task": "L"}
    edit = {"proposal_id": "p1", "title": "Fire bænke", "estimated_cost_ore": 100, "revision": 2}
    assert changes(before, edit) == {"title": {"before": "Bænke", "after": "Fire bænke"}}
    da, _ = summarize("ProposalEdited", edit, ["title"])
    assert da == "Forslag redigeret (ændret: title)"


def test_the_first_event_of_a_stream_changes_nothing() -> None:
    assert changes({}, {"title": "Bænke"}) == {}


def test_kroner_refuses_to_guess_a_missing_amount() -> None:
    assert kroner(None) == "?"
