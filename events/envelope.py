"""The envelope every stored event shares, and the hash chain over the global order."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import orjson
from pydantic import BaseModel, ConfigDict

from events.base import Actor, Event
from events.registry import encode

GENESIS_HASH = "0" * 64


class Envelope(BaseModel):
    """A stored event: the payload (`data`, JSON of the typed model) and its metadata.

    `seq` is the global position (commit order), `stream_version` the position in its stream,
    `prev_hash` the hash of the event at `seq - 1` (or GENESIS_HASH), and
    `hash = sha256(prev_hash ‖ canonical(envelope without hash))`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: UUID
    type: str
    version: int
    stream_id: str
    stream_version: int
    seq: int
    occurred_at: datetime
    actor: Actor
    correlation_id: UUID
    causation_id: UUID | None = None
    topic: str
    key: str
    data: dict[str, Any]
    prev_hash: str
    hash: str

    def expected_hash(self) -> str:
        return chain_hash(self.prev_hash, self.canonical())

    def hash_is_valid(self) -> bool:
        """Whether `hash` matches the contents (the fast way first: one orjson call on the
        fields as they are, which gives the same bytes as `canonical()` for every envelope
        we seal; `canonical()` itself decides if they ever differ)."""
        actor = {"subject": self.actor.subject, "role": self.actor.role}
        fields = {**self.__dict__, "actor": actor}  # the model's fields (extra is forbidden)
        del fields["hash"]
        try:
            if chain_hash(self.prev_hash, canonical_bytes(fields)) == self.hash:
                return True
        except (TypeError, ValueError):  # orjson.JSONEncodeError is a TypeError
            pass
        return self.expected_hash() == self.hash

    def canonical(self) -> bytes:
        return canonical_bytes(self.model_dump(mode="json", exclude={"hash"}))


def seal(
    event: Event,
    *,
    stream_id: str,
    stream_version: int,
    seq: int,
    occurred_at: datetime,
    actor: Actor,
    prev_hash: str,
    correlation_id: UUID,
    causation_id: UUID | None = None,
    event_id: UUID | None = None,
) -> Envelope:
    """`event` as stored at `seq`, chained after `prev_hash`, with its hash."""
    unsealed = Envelope(
        event_id=event_id or uuid4(),
        type=event.type_name,
        version=event.version,
        stream_id=stream_id,
        stream_version=stream_version,
        seq=seq,
        occurred_at=occurred_at,
        actor=actor,
        correlation_id=correlation_id,
        causation_id=causation_id,
        topic=event.topic,
        key=event.partition_key(),
        data=encode(event),
        prev_hash=prev_hash,
        hash="",
    )
    return unsealed.model_copy(update={"hash": unsealed.expected_hash()})


def canonical_bytes(fields: dict[str, Any]) -> bytes:
    """One byte form per envelope: sorted keys, no whitespace, UTC times as ISO 8601."""
    return orjson.dumps(fields, option=orjson.OPT_SORT_KEYS | orjson.OPT_UTC_Z)


def chain_hash(prev_hash: str, canonical: bytes) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical).hexdigest()
