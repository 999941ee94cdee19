"""The selections the event store's reads take, as the SQL condition they become (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime

from services.store.reads import EventRange


def test_no_selection_reads_every_event() -> None:
    assert EventRange().where() == ("true", [])


def test_a_stream_selection_reads_that_stream_alone() -> None:
    assert EventRange(stream="process-1", first_seq=5).where() == ("stream_id = $1", ["process-1"])


def test_a_seq_range_includes_both_ends_and_either_may_be_open() -> None:
    assert EventRange(first_seq=3, last_seq=9).where() == ("seq >= $1 and seq <= $2", [3, 9])
    assert EventRange(first_seq=3).where() == ("seq >= $1", [3])
    assert EventRange(last_seq=9).where() == ("seq <= $1", [9])


def test_an_empty_span_selects_nothing() -> None:
    where, args = EventRange(first_seq=0, last_seq=-1).where()
    assert (where, args) == ("seq >= $1 and seq <= $2", [0, -1])  # no seq is >= 0 and <= -1


def test_a_process_selection_reads_its_key_up_to_the_cut_off() -> None:
    cut_off = datetime(2026, 5, 1, 12, tzinfo=UTC)
    assert EventRange(key="p-1", until=cut_off).where() == (
        "key = $1 and occurred_at <= $2",
        ["p-1", cut_off],
    )
    assert EventRange(key="p-1").where() == ("key = $1", ["p-1"])
