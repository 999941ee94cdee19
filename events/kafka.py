"""Mapping between envelopes and Kafka records: CloudEvents 1.0 in binary content mode.

The record value is the event payload as JSON; every envelope field travels in a `ce_` header
(standard attributes plus extension attributes), so a consumer can rebuild the envelope and
re-verify its hash from the record alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from pydantic import ValidationError

from events.base import Actor
from events.envelope import Envelope

Headers = list[tuple[str, bytes]]
SPEC_VERSION = "1.0"
TYPE_PREFIX = "dk.samskab."


class MalformedRecord(ValueError):
    """A Kafka record that is not a Samskab event; the message says what is wrong."""


def ce_type(type_name: str, version: int) -> str:
    return f"{TYPE_PREFIX}{type_name}.v{version}"


def to_record(env: Envelope) -> tuple[bytes, bytes, Headers]:
    """Return (key, value, headers) for one envelope."""
    headers: dict[str, str] = {
        "ce_specversion": SPEC_VERSION,
        "ce_id": str(env.event_id),
        "ce_type": ce_type(env.type, env.version),
        "ce_source": f"/samskab/{env.topic}",
        "ce_subject": env.stream_id,
        "ce_time": env.occurred_at.isoformat().replace("+00:00", "Z"),
        "content-type": "application/json",
        "ce_seq": str(env.seq),
        "ce_streamversion": str(env.stream_version),
        "ce_actor": env.actor.subject,
        "ce_actorrole": env.actor.role.value,
        "ce_correlationid": str(env.correlation_id),
        "ce_prevhash": env.prev_hash,
        "ce_hash": env.hash,
    }
    if env.causation_id is not None:
        headers["ce_causationid"] = str(env.causation_id)
    value = orjson.dumps(env.data, option=orjson.OPT_SORT_KEYS)
    return env.key.encode(), value, [(k, v.encode()) for k, v in headers.items()]


def from_record(topic: str, key: bytes | None, value: bytes | None, headers: Any) -> Envelope:
    """Rebuild the envelope from a record, or raise MalformedRecord saying why."""
    h: dict[str, str] = {}
    try:
        for name, raw in headers or ():
            h[name] = raw.decode() if raw is not None else ""
    except (UnicodeDecodeError, AttributeError, TypeError, ValueError) as exc:
        raise MalformedRecord(f"unreadable headers: {exc}") from exc
    if h.get("ce_specversion") != SPEC_VERSION:
        raise MalformedRecord("missing or unsupported ce_specversion header")
    try:
        type_name, version = _split_type(h["ce_type"])
        data = orjson.loads(value or b"")
        if not isinstance(data, dict):
            raise MalformedRecord("record value is not a JSON object")
        return Envelope(
            event_id=UUID(h["ce_id"]),
            type=type_name,
            version=version,
            stream_id=h["ce_subject"],
            stream_version=int(h["ce_streamversion"]),
            seq=int(h["ce_seq"]),
            occurred_at=datetime.fromisoformat(h["ce_time"]),
            actor=Actor(subject=h["ce_actor"], role=h["ce_actorrole"]),
            correlation_id=UUID(h["ce_correlationid"]),
            causation_id=UUID(h["ce_causationid"]) if "ce_causationid" in h else None,
            topic=h["ce_source"].removeprefix("/samskab/"),
            key=(key or b"").decode(),
            data=data,
            prev_hash=h["ce_prevhash"],
            hash=h["ce_hash"],
        )
    except MalformedRecord:
        raise
    except KeyError as exc:
        raise MalformedRecord(f"missing header {exc.args[0]}") from exc
    except orjson.JSONDecodeError as exc:
        raise MalformedRecord(f"record value is not JSON: {exc}") from exc
    except (ValueError, ValidationError, UnicodeDecodeError) as exc:
        raise MalformedRecord(f"invalid envelope: {exc}") from exc


def _split_type(value: str) -> tuple[str, int]:
    if not value.startswith(TYPE_PREFIX):
        raise MalformedRecord(f"ce_type {value!r} is not a Samskab event type")
    name, _, ver = value.removeprefix(TYPE_PREFIX).rpartition(".v")
    if not name or not ver.isdigit():
        raise MalformedRecord(f"ce_type {value!r} lacks a version suffix")
    return name, int(ver)
