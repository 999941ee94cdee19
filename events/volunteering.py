"""Events of volunteer tasks and shifts. Every event is keyed by its task id."""

from __future__ import annotations

from events.base import Event

TOPIC = "volunteering"

EVENTS: tuple[type[Event], ...] = ()
