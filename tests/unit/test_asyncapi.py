"""The AsyncAPI document: current with the code, well formed, and true to the records we write."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import yaml
from jsonschema import Draft202012Validator

from events import asyncapi, public
from events.base import Actor, Role
from events.budgeting import ProcessCreated, ProposalSubmitted
from events.envelope import GENESIS_HASH, Envelope, seal
from events.kafka import ce_type, to_record
from events.registry import EVENT_TYPES, UPCASTERS
from events.topology import Topology
from projections.feed.projection import PublicRecord

EVENTS_DIR = Path(asyncapi.__file__).parent
COMPONENT_KEY = re.compile(r"^[a-zA-Z0-9.\-_]+$")


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return yaml.safe_load(asyncapi.ASYNCAPI_FILE.read_text(encoding="utf-8"))


def resolve(doc: dict[str, Any], node: dict[str, Any]) -> Any:
    """Follow a local `$ref` (#/a/b/c) of the document; other nodes are returned as they are."""
    ref = node.get("$ref")
    if ref is None or not ref.startswith("#/"):
        return node
    target: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        assert part in target, f"{ref} does not resolve"
        target = target[part]
    return target


def inlined(doc: dict[str, Any], schema: Any) -> Any:
    """The schema with every local $ref replaced by what it points at (for validation)."""
    if isinstance(schema, dict):
        if "$ref" in schema and schema["$ref"].startswith("#/"):
            return inlined(doc, resolve(doc, schema))
        return {k: inlined(doc, v) for k, v in schema.items()}
    if isinstance(schema, list):
        return [inlined(doc, v) for v in schema]
    return schema


def payload_schema(message: dict[str, Any]) -> dict[str, Any]:
    ref = message["payload"]["$ref"]
    path = EVENTS_DIR / ref
    assert path.is_file(), f"{ref}: no such schema file"
    schema: dict[str, Any] = json.loads(path.read_bytes())
    return schema


def sealed(event: Any, stream_id: str) -> Envelope:
    return seal(
        event,
        stream_id=stream_id,
        stream_version=1,
        seq=7,
        occurred_at=datetime(2026, 11, 26, 9, 30, 0, 123456, tzinfo=UTC),
        actor=Actor(subject="p-1", role=Role.ADMIN),
        correlation_id=uuid4(),
        causation_id=uuid4(),
        prev_hash=GENESIS_HASH,
    )


def test_the_committed_asyncapi_document_equals_the_generated_one() -> None:
    assert asyncapi.is_current(), "run `samskab schema asyncapi` and commit events/asyncapi.yaml"


def test_the_document_is_asyncapi_3_with_a_server_and_no_dangling_reference(
    doc: dict[str, Any],
) -> None:
    assert doc["asyncapi"] == "3.0.0"
    assert doc["info"]["title"] and doc["info"]["version"]
    assert all(s["protocol"] == "kafka" and s["host"] for s in doc["servers"].values())
    for section in ("messages", "schemas"):
        assert all(COMPONENT_KEY.match(k) for k in doc["components"][section]), section
    assert all(COMPONENT_KEY.match(k) for k in doc["operations"])

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
                resolve(doc, node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)


def test_every_topic_of_the_topology_is_a_channel_with_its_partitions_and_retention(
    doc: dict[str, Any],
) -> None:
    topology = Topology()
    by_address = {c["address"]: c for c in doc["channels"].values()}
    assert sorted(by_address) == sorted(t.name for t in topology.topics())
    for spec in topology.topics():
        kafka = by_address[spec.name]["bindings"]["kafka"]
        assert kafka["partitions"] == spec.partitions
        assert kafka["topicConfiguration"]["retention.ms"] == int(spec.config["retention.ms"])
        assert kafka["topicConfiguration"]["cleanup.policy"] == ["delete"]
        assert spec.key in by_address[spec.name]["description"]
        for ref in by_address[spec.name]["messages"].values():
            key = resolve(doc, ref)["bindings"]["kafka"]["key"]
            assert spec.key in key["description"]


def test_every_event_type_and_version_is_a_message_of_its_topic(doc: dict[str, Any]) -> None:
    topology = Topology()
    for cls in EVENT_TYPES:
        channel = next(
            c for c in doc["channels"].values() if c["address"] == topology.events_topic(cls.topic)
        )
        versions = [cls.version] + [v for t, v in UPCASTERS if t == cls.type_name]
        for version in versions:
            message = resolve(doc, channel["messages"][f"{cls.type_name}.v{version}"])
            const = message["headers"]["allOf"][1]["properties"]["ce_type"]["const"]
            assert const == ce_type(cls.type_name, version)
            assert payload_schema(message)["title"] == cls.type_name


def test_every_public_record_type_has_a_message_and_a_schema_file(doc: dict[str, Any]) -> None:
    topology = Topology()
    expected = {
        "budgeting": set(public.BUDGETING),
        "volunteering": {cls.type_name for cls in public.VOLUNTEERING},
    }
    for logical, names in expected.items():
        channel = next(
            c for c in doc["channels"].values() if c["address"] == topology.public_topic(logical)
        )
        found = {resolve(doc, ref)["name"] for ref in channel["messages"].values()}
        assert found == names
        for ref in channel["messages"].values():
            schema = payload_schema(resolve(doc, ref))
            assert schema["x-public-topic"] == logical


def test_every_message_schema_is_a_valid_json_schema(doc: dict[str, Any]) -> None:
    for name, message in doc["components"]["messages"].items():
        Draft202012Validator.check_schema(inlined(doc, message["headers"]))
        if "$ref" in message["payload"]:
            Draft202012Validator.check_schema(payload_schema(message))
        assert message["bindings"]["kafka"]["key"]["type"] == "string", name


def test_operations_send_and_receive_each_channel_with_its_own_messages(
    doc: dict[str, Any],
) -> None:
    for cid, channel in doc["channels"].items():
        ops = [o for o in doc["operations"].values() if o["channel"]["$ref"] == f"#/channels/{cid}"]
        assert sorted(o["action"] for o in ops) == ["receive", "send"]
        for op in ops:
            own = {f"#/channels/{cid}/messages/{m}" for m in channel["messages"]}
            assert {m["$ref"] for m in op["messages"]} == own


def test_a_real_event_record_matches_its_message(doc: dict[str, Any]) -> None:
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
    _, value, headers = to_record(sealed(event, f"proposal-{event.proposal_id}"))
    message = doc["components"]["messages"]["ProposalSubmitted.v1"]
    as_strings = {k: v.decode() for k, v in headers}
    Draft202012Validator(inlined(doc, message["headers"])).validate(as_strings)
    Draft202012Validator(payload_schema(message)).validate(json.loads(value))
    wrong = doc["components"]["messages"]["ProposalEdited.v1"]
    assert not Draft202012Validator(inlined(doc, wrong["headers"])).is_valid(as_strings)


def test_a_real_public_record_matches_its_message(doc: dict[str, Any]) -> None:
    event = ProcessCreated(process_id=uuid4(), title="Borgerbudget", municipality="Hedensted")
    env = sealed(event, f"process-{event.process_id}")
    data = public.public_budgeting(env.type, env.data)
    record = PublicRecord("budgeting", env.key, env.type, str(event.process_id), data, env)
    message = doc["components"]["messages"]["public.ProcessCreated.v1"]
    as_strings = {k: v.decode() for k, v in record.headers()}
    Draft202012Validator(inlined(doc, message["headers"])).validate(as_strings)
    Draft202012Validator(payload_schema(message)).validate(json.loads(record.value()))


def test_another_prefix_renames_every_address() -> None:
    other = asyncapi.document(Topology(prefix="hedensted"))
    addresses = [c["address"] for c in other["channels"].values()]
    assert addresses and all(a.startswith("hedensted.") for a in addresses)
