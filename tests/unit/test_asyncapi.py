"""The AsyncAPI document FastStream generates from the Kafka edge: current with the code, well
formed, naming every topic and every event type and version with its JSON Schema, and true to
the records we write."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
import yaml
from jsonschema import Draft202012Validator

from events import public
from events.base import Actor, Role
from events.budgeting import ProcessCreated, ProposalSubmitted
from events.envelope import GENESIS_HASH, Envelope, seal
from events.kafka import to_record
from events.registry import EVENT_TYPES, UPCASTERS
from events.schemas_export import ASYNCAPI_FILE, SCHEMA_DIR, public_schema_file
from events.topology import TopicKind, Topology
from projections.catalog import PROJECTIONS
from projections.feed.projection import PublicRecord
from services.kafka import asyncapi


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(ASYNCAPI_FILE.read_text(encoding="utf-8"))
    return loaded


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


def channels_at(doc: dict[str, Any], address: str) -> dict[str, dict[str, Any]]:
    return {k: c for k, c in doc["channels"].items() if c["address"] == address}


def operations_on(doc: dict[str, Any], channel_key: str) -> list[dict[str, Any]]:
    return [o for o in doc["operations"].values() if o["channel"] == resolve_key(channel_key)]


def resolve_key(channel_key: str) -> dict[str, str]:
    return {"$ref": f"#/channels/{channel_key}"}


def sent_schemas(doc: dict[str, Any], address: str) -> dict[str, dict[str, Any]]:
    """Name -> schema of every message a publisher sends to the topic at `address`."""
    found: dict[str, dict[str, Any]] = {}
    for key, channel in channels_at(doc, address).items():
        if not any(o["action"] == "send" for o in operations_on(doc, key)):
            continue
        for ref in channel["messages"].values():
            payload = resolve(doc, resolve(doc, ref)["payload"])
            for option in payload.get("anyOf", [payload]):
                name = option["$ref"].rsplit("/", 1)[-1] if "$ref" in option else payload["title"]
                found[name] = resolve(doc, option)
    return found


def committed_schema(name: str) -> dict[str, Any]:
    path = SCHEMA_DIR / name
    assert path.is_file(), f"{name}: no such schema file (`samskab schema export`)"
    schema: dict[str, Any] = json.loads(path.read_bytes())
    return schema


def same_fields(ours: dict[str, Any], committed: dict[str, Any]) -> None:
    assert sorted(ours["properties"]) == sorted(committed["properties"])
    assert sorted(ours.get("required", [])) == sorted(committed.get("required", []))
    assert ours.get("additionalProperties") == committed.get("additionalProperties")


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


def test_the_committed_asyncapi_document_equals_the_one_faststream_generates() -> None:
    assert asyncapi.is_current(), "run `samskab schema asyncapi` and commit events/asyncapi.yaml"


def test_the_document_is_asyncapi_3_with_a_kafka_server_and_no_dangling_reference(
    doc: dict[str, Any],
) -> None:
    assert doc["asyncapi"] == "3.0.0"
    assert doc["info"]["title"] and doc["info"]["version"]
    assert doc["servers"] and all(
        s["protocol"] == "kafka" and s["host"] for s in doc["servers"].values()
    )

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


def test_every_topic_is_sent_to_and_read_with_its_key_and_partitions(
    doc: dict[str, Any],
) -> None:
    topology = Topology()
    addresses = {c["address"] for c in doc["channels"].values()}
    assert addresses == {t.name for t in topology.topics()}
    for spec in topology.topics():
        actions = set()
        for key, channel in channels_at(doc, spec.name).items():
            actions |= {o["action"] for o in operations_on(doc, key)}
            if "description" in channel and channel["description"].startswith(("Every", "What")):
                assert f"Key: the {spec.key}." in channel["description"]
                assert f"Partitions: {spec.partitions};" in channel["description"]
        assert actions == {"send", "receive"}, spec.name


def test_every_event_type_and_version_is_a_message_of_its_topic_with_its_schema(
    doc: dict[str, Any],
) -> None:
    topology = Topology()
    for cls in EVENT_TYPES:
        sent = sent_schemas(doc, topology.events_topic(cls.topic))
        committed = committed_schema(f"{cls.type_name}.v{cls.version}.json")
        versions = [cls.version] + [v for t, v in UPCASTERS if t == cls.type_name]
        for version in versions:
            name = f"{cls.type_name}_v{version}"
            assert name in sent, f"{name} is not sent to {cls.topic}"
            same_fields(sent[name], committed)
    expected = {
        f"{c.type_name}_v{v}"
        for c in EVENT_TYPES
        for v in [c.version] + [v for t, v in UPCASTERS if t == c.type_name]
    }
    found = {n for t in topology.event_topics() for n in sent_schemas(doc, t)}
    assert found == expected


def test_every_public_record_type_is_a_message_of_its_topic_with_its_schema(
    doc: dict[str, Any],
) -> None:
    topology = Topology()
    expected = {
        "budgeting": set(public.BUDGETING),
        "volunteering": {cls.type_name for cls in public.VOLUNTEERING},
        "checkpoints": {cls.type_name for cls in public.CHECKPOINTS},
    }
    for logical, names in expected.items():
        sent = sent_schemas(doc, topology.public_topic(logical))
        assert set(sent) == {f"public_{n}_v{public.VERSION}" for n in names}
        for name in names:
            committed = committed_schema(public_schema_file(name))
            assert committed["x-public-topic"] == logical
            same_fields(sent[f"public_{name}_v{public.VERSION}"], committed)


def test_each_projection_reads_its_topics_and_sets_aside_to_its_dead_letter_topic(
    doc: dict[str, Any],
) -> None:
    topology = Topology()
    for name, spec in PROJECTIONS.items():
        for logical in spec.topics:
            keys = channels_at(doc, topology.events_topic(logical))
            assert any(k.startswith(f"projection.{name}") for k in keys), (name, logical)
        dlq = channels_at(doc, topology.dead_letter_topic(name))
        assert any(k == f"{name}:dead-letters" for k in dlq), name
    kinds = {t.kind for t in topology.topics()}
    assert kinds == set(TopicKind)


def test_every_message_schema_is_a_valid_json_schema(doc: dict[str, Any]) -> None:
    assert doc["components"]["schemas"]
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(inlined(doc, schema))


def test_a_real_event_record_matches_its_message_and_names_only_documented_headers(
    doc: dict[str, Any],
) -> None:
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
    schemas = doc["components"]["schemas"]
    Draft202012Validator(inlined(doc, schemas["ProposalSubmitted_v1"])).validate(json.loads(value))
    wrong = inlined(doc, schemas["ProposalEdited_v1"])
    assert not Draft202012Validator(wrong).is_valid(json.loads(value))
    assert all(f"`{name}`" in doc["info"]["description"] for name, _ in headers)


def test_a_real_public_record_matches_its_message(doc: dict[str, Any]) -> None:
    event = ProcessCreated(process_id=uuid4(), title="Borgerbudget", municipality="Hedensted")
    env = sealed(event, f"process-{event.process_id}")
    data = public.public_budgeting(env.type, env.data)
    record = PublicRecord("budgeting", env.key, env.type, str(event.process_id), data, env)
    schema = doc["components"]["schemas"]["public_ProcessCreated_v1"]
    Draft202012Validator(inlined(doc, schema)).validate(json.loads(record.value()))
    assert all(f"`{name}`" in doc["info"]["description"] for name, _ in record.headers())


def test_another_prefix_renames_every_address() -> None:
    other = asyncapi.document(Topology(prefix="hedensted"))
    addresses = [c["address"] for c in other["channels"].values()]
    assert addresses and all(a.startswith("hedensted.") for a in addresses)


def test_the_document_lives_beside_the_event_contract() -> None:
    assert ASYNCAPI_FILE == Path(public.__file__).parent / "asyncapi.yaml"


async def test_the_api_serves_the_document_at_a_stable_path() -> None:
    from services.api.app import create_app
    from services.platform.settings import ApiSettings

    transport = httpx.ASGITransport(app=create_app(ApiSettings()))
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        response = await client.get("/asyncapi.yaml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/yaml")
    assert response.content == ASYNCAPI_FILE.read_bytes()
