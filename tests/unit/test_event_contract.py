"""The event contract: hashes, the Kafka record mapping, upcasting and the committed schemas."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from events.base import Actor, Role
from events.budgeting import ProposalSubmitted
from events.envelope import GENESIS_HASH, Envelope, chain_hash, seal
from events.kafka import MalformedRecord, from_record, to_record
from events.registry import InvalidEventData, UnknownEventType, decode
from events.schemas_export import differences


def sealed(prev_hash: str = GENESIS_HASH, seq: int = 1) -> Envelope:
    event = ProposalSubmitted(
        process_id=uuid4(),
        proposal_id=uuid4(),
        title="Bænke ved åen",
        description="Tre",
        estimated_cost_ore=4_500_000,
        local_area="Tørring",
        core_task="Læring",
        author="p-1",
    )
    return seal(
        event,
        stream_id=f"proposal-{event.proposal_id}",
        stream_version=1,
        seq=seq,
        occurred_at=datetime(2026, 11, 26, 9, 30, 0, 123456, tzinfo=UTC),
        actor=Actor(subject="p-1", role=Role.CITIZEN),
        correlation_id=uuid4(),
        prev_hash=prev_hash,
    )


def test_a_hash_covers_the_previous_hash_and_every_field() -> None:
    env = sealed()
    assert env.hash == chain_hash(GENESIS_HASH, env.canonical())
    altered = env.model_copy(update={"data": {**env.data, "estimated_cost_ore": 1}})
    assert altered.expected_hash() != env.hash
    assert sealed(prev_hash="1" * 64).expected_hash() != sealed().expected_hash()


def test_an_envelope_survives_the_trip_through_a_kafka_record_with_its_hash() -> None:
    env = sealed()
    key, value, headers = to_record(env)
    back = from_record("t", key, value, headers)
    assert back == env
    assert back.expected_hash() == env.hash
    names = {name for name, _ in headers}
    assert {"ce_id", "ce_type", "ce_source", "ce_time", "ce_specversion"} <= names
    assert dict(headers)["ce_type"] == b"dk.samskab.ProposalSubmitted.v1"


@pytest.mark.parametrize(
    ("value", "headers", "why"),
    [
        (b"{}", [], "ce_specversion"),
        (b"not json", [("ce_specversion", b"1.0"), ("ce_type", b"dk.samskab.X.v1")], "not JSON"),
        (b"[1]", [("ce_specversion", b"1.0"), ("ce_type", b"dk.samskab.X.v1")], "JSON object"),
        (b"{}", [("ce_specversion", b"1.0"), ("ce_type", b"other.thing")], "not a Samskab"),
    ],
)
def test_a_record_that_is_not_our_event_is_malformed_with_a_reason(
    value: bytes, headers: list[tuple[str, bytes]], why: str
) -> None:
    with pytest.raises(MalformedRecord, match=why):
        from_record("t", b"k", value, headers)


def test_an_unknown_type_or_future_version_is_refused_on_decode() -> None:
    with pytest.raises(UnknownEventType):
        decode("NoSuchEvent", 1, {})
    with pytest.raises(UnknownEventType):
        decode("ProposalSubmitted", 99, {})
    with pytest.raises(InvalidEventData):
        decode("ProposalSubmitted", 1, {"title": "only a title"})


def test_the_committed_json_schemas_equal_the_models() -> None:
    assert differences() == [], "run `samskab schema export` and commit events/schemas/"
