"""One Kafka record as a projection sees it: parsed into its envelope and event, or carrying the
problem that makes it a dead letter."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from aiokafka import ConsumerRecord, TopicPartition

from events.base import Event
from events.envelope import Envelope
from events.kafka import MalformedRecord, from_record
from events.registry import InvalidEventData, UnknownEventType, decode


@dataclass
class Item:
    tp: TopicPartition
    record: ConsumerRecord[bytes, bytes]
    env: Envelope | None = None
    event: Event | None = None
    problem: str | None = None
    attempts: int = 0  # applies tried before it was dead-lettered


def digest(record: ConsumerRecord[bytes, bytes]) -> str:
    return hashlib.sha256((record.key or b"") + b"\0" + (record.value or b"")).hexdigest()[:32]


def parse(tp: TopicPartition, record: ConsumerRecord[bytes, bytes]) -> Item:
    try:
        env = from_record(tp.topic, record.key, record.value, record.headers)
        if not env.hash_is_valid():
            raise MalformedRecord(f"hash mismatch for seq {env.seq}")
        return Item(tp, record, env, decode(env.type, env.version, env.data))
    except (MalformedRecord, UnknownEventType, InvalidEventData) as exc:
        return Item(tp, record, problem=f"{type(exc).__name__}: {exc}")
