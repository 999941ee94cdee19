"""Every event type and version that exists, and the upcasters that lift old versions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from events import budgeting, privacy, volunteering
from events.base import Event

EVENT_TYPES: tuple[type[Event], ...] = budgeting.EVENTS + volunteering.EVENTS + privacy.EVENTS

_BY_NAME: dict[str, type[Event]] = {cls.type_name: cls for cls in EVENT_TYPES}

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
# (type, version) -> function lifting a payload of that version to version + 1.
UPCASTERS: dict[tuple[str, int], Upcaster] = {
    # v2 records whether the author gave a reason for withdrawing.
    ("ProposalWithdrawn", 1): lambda data: {**data, "reason_given": bool(data.get("reason"))},
}


class UnknownEventType(ValueError):
    """The record names an event type or version this code does not know."""


class InvalidEventData(ValueError):
    """The payload does not match the model of its declared type and version."""


def event_class(type_name: str) -> type[Event]:
    try:
        return _BY_NAME[type_name]
    except KeyError:
        raise UnknownEventType(f"unknown event type {type_name!r}") from None


def decode(type_name: str, version: int, data: dict[str, Any]) -> Event:
    """Parse a stored payload into today's model, upcasting older versions on read."""
    cls = event_class(type_name)
    if version > cls.version or version < 1:
        raise UnknownEventType(f"{type_name} version {version} is not known (latest {cls.version})")
    while version < cls.version:
        data = UPCASTERS[(type_name, version)](data)
        version += 1
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        raise InvalidEventData(f"{type_name} v{version}: {exc.errors(include_url=False)}") from exc


def encode(event: Event) -> dict[str, Any]:
    return event.model_dump(mode="json")
