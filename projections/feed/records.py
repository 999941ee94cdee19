"""A public record: what the feed sends to a public topic, as a CloudEvent in binary mode."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson

from events import public
from events.envelope import Envelope
from events.kafka import SPEC_VERSION


@dataclass(frozen=True)
class Origin:
    """The internal event a held record comes from (its id is the record's `ce_id`)."""

    event_id: UUID
    occurred_at: datetime


@dataclass(frozen=True)
class PublicRecord:
    logical: str  # budgeting or volunteering
    key: str
    type_name: str
    subject: str
    data: dict[str, Any]
    source: Envelope | Origin

    @property
    def ce_id(self) -> str:
        return str(self.source.event_id)

    def headers(self) -> list[tuple[str, bytes]]:
        h = {
            "ce_specversion": SPEC_VERSION,
            "ce_id": self.ce_id,
            "ce_type": public.ce_type(self.type_name),
            "ce_source": f"/samskab/public/{self.logical}",
            "ce_subject": self.subject,
            "ce_time": self.source.occurred_at.isoformat().replace("+00:00", "Z"),
            "content-type": "application/json",
        }
        return [(k, v.encode()) for k, v in h.items()]

    def value(self) -> bytes:
        return orjson.dumps(self.data, option=orjson.OPT_SORT_KEYS)
