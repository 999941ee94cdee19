"""iCalendar (RFC 5545) text for shift feeds, written by hand: CRLF lines, folding at 75 octets
without splitting a UTF-8 character, TEXT escaping, and every time in UTC (`…Z`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

PRODID = "-//Samskab//Volunteer shifts//DA"
MAX_OCTETS = 75

Status = Literal["CONFIRMED", "TENTATIVE", "CANCELLED"]


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    description: str = ""
    location: str = ""
    geo: tuple[float, float] | None = None
    status: Status = "CONFIRMED"
    sequence: int = 0


def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\r", "\\n")
        .replace("\n", "\\n")
    )


def utc_stamp(moment: datetime) -> str:
    """A DATE-TIME in UTC form (§3.3.5, form #2). Naive datetimes are refused."""
    if moment.utcoffset() is None:
        raise ValueError("calendar times must carry a time zone")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """Fold a content line into chunks of at most 75 octets (§3.1), never inside a character."""
    out: list[str] = []
    current, size, limit = "", 0, MAX_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            out.append(current)
            current, size, limit = "", 0, MAX_OCTETS - 1  # continuation lines start with a space
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)


def calendar(name: str, events: Iterable[CalendarEvent], now: datetime) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    stamp = utc_stamp(now)
    for e in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{e.uid}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{utc_stamp(e.starts_at)}",
            f"DTEND:{utc_stamp(e.ends_at)}",
            f"SUMMARY:{escape_text(e.summary)}",
            f"STATUS:{e.status}",
            f"SEQUENCE:{e.sequence}",
        ]
        if e.description:
            lines.append(f"DESCRIPTION:{escape_text(e.description)}")
        if e.location:
            lines.append(f"LOCATION:{escape_text(e.location)}")
        if e.geo is not None:
            lines.append(f"GEO:{e.geo[0]:.6f};{e.geo[1]:.6f}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
