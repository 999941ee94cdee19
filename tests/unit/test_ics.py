"""The iCalendar writer: RFC 5545 escaping, folding, UTC times and required properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.api.volunteering.ics import CalendarEvent, calendar, escape_text, fold, utc_stamp

CPH_SUMMER = timezone(timedelta(hours=2))
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def shift(**changes: object) -> CalendarEvent:
    fields: dict[str, object] = {
        "uid": "shift-1@samskab",
        "starts_at": datetime(2026, 4, 4, 10, 0, tzinfo=CPH_SUMMER),
        "ends_at": datetime(2026, 4, 4, 13, 0, tzinfo=CPH_SUMMER),
        "summary": "Affaldsindsamling, Tørring",
    }
    return CalendarEvent(**{**fields, **changes})  # type: ignore[arg-type]


def test_text_values_escape_backslash_semicolon_comma_and_newlines() -> None:
    assert escape_text("a\\b;c,d\ne\r\nf") == "a\\\\b\\;c\\,d\\ne\\nf"


def test_times_are_written_in_utc_with_a_z() -> None:
    assert utc_stamp(datetime(2026, 4, 4, 10, 0, tzinfo=CPH_SUMMER)) == "20260404T080000Z"


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError):
        utc_stamp(datetime(2026, 4, 4, 10, 0))


def test_long_lines_fold_at_75_octets_without_splitting_a_character() -> None:
    line = "DESCRIPTION:" + "æøå" * 40
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join(p.removeprefix(" ") if i else p for i, p in enumerate(parts)) == line
    for p in parts:
        p.encode().decode()  # every chunk is whole UTF-8


def test_a_short_line_is_left_alone() -> None:
    assert fold("SUMMARY:Kaffe") == "SUMMARY:Kaffe"


def test_a_calendar_has_the_required_properties_and_crlf_lines() -> None:
    text = calendar("Mine vagter", [shift()], NOW)
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    lines = unfold(text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    for required in ("VERSION:2.0", "PRODID:-//Samskab//Volunteer shifts//DA"):
        assert required in lines
    for required in (
        "UID:shift-1@samskab",
        "DTSTAMP:20260301T120000Z",
        "DTSTART:20260404T080000Z",
        "DTEND:20260404T110000Z",
        "SUMMARY:Affaldsindsamling\\, Tørring",
        "STATUS:CONFIRMED",
    ):
        assert required in lines


def test_location_description_geo_and_status_are_written_when_given() -> None:
    text = calendar(
        "Opgave",
        [
            shift(
                description="Medbring gode sko; vi har handsker",
                location="Torvet 1, 7160 Tørring",
                geo=(55.85, 9.48),
                status="CANCELLED",
                sequence=3,
            )
        ],
        NOW,
    )
    lines = unfold(text)
    assert "DESCRIPTION:Medbring gode sko\\; vi har handsker" in lines
    assert "LOCATION:Torvet 1\\, 7160 Tørring" in lines
    assert "GEO:55.850000;9.480000" in lines
    assert "STATUS:CANCELLED" in lines and "SEQUENCE:3" in lines


def test_an_empty_calendar_is_still_valid() -> None:
    lines = unfold(calendar("Tom", [], NOW))
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "BEGIN:VEVENT" not in lines
