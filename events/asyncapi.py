"""The AsyncAPI 3.0 document of every topic, generated from the topology and the event models.

`events/asyncapi.yaml` is written by `samskab schema asyncapi` and must equal `rendered()` (a
test fails when it is stale). One channel per topic of `Topology().topics()` — event topics,
the public feed's topics, the dead-letter topics — with the topic's Kafka binding (partitions,
retention), its messages (one per event type and version; payloads are the JSON Schema files
`samskab schema export` writes under `events/schemas/`, referenced by relative path), the
CloudEvents 1.0 binary-mode headers the records carry (`events/kafka.py`,
`projections/feed`) and the record key. Topic names use the default prefix `samskab`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson

from events import public
from events.kafka import SPEC_VERSION, ce_type
from events.registry import EVENT_TYPES, UPCASTERS
from events.schemas_export import public_schema_file
from events.topology import CHECKPOINTS, TopicKind, TopicSpec, Topology

ASYNCAPI_FILE = Path(__file__).parent / "asyncapi.yaml"
BINDING_VERSION = "0.5.0"  # AsyncAPI Kafka bindings
HEADERS = "#/components/schemas/"

_DESCRIPTION = """\
Every Kafka topic of Samskab, generated from the code (`samskab schema asyncapi`).

Topic names here use the default prefix `samskab`; a deployment may set another
(`SAMSKAB_TOPIC_PREFIX`), and every name changes with it: `<prefix>.<topic>.v1` (events),
`<prefix>.public.v1.<topic>` (public feed), `<prefix>.dlq.<projection>` (dead letters).
Partition counts are the default too (`SAMSKAB_PARTITIONS`, 6; dead-letter topics have 1).

Records are CloudEvents 1.0 in binary content mode: the value is the payload as JSON, the
attributes travel in `ce_`-prefixed headers (UTF-8). `ce_type` names the type and version,
e.g. `dk.samskab.ProposalSubmitted.v1` or `dk.samskab.public.ProposalSubmitted.v1`. The record
key keeps what must stay ordered on one partition: partition = murmur2(key) mod partitions
(Kafka's default partitioner). Topics keep every record forever (retention.ms = -1).

Downstream systems read only the public topics (`samskab.public.v1.*`): they carry no
pseudonym and no personal data. Deduplicate by `ce_id`. For a process whose live results are
not public, the allocations (`AllocationProposed`, `AllocationDecided`) appear only once its
results may be public, just before the record that makes them so (`PhaseChanged` to
`results_published`, or `LiveResultsVisibilitySet` public), in their original order."""

OUTCOME_SUMMARY = (
    "Under embargo (the process's live results not public) sent only once the results may be "
    "public, just before the PhaseChanged to results_published (or LiveResultsVisibilitySet "
    "public) that makes them so, in the original order; ce_id and ce_time are the allocation's."
)


def _ref(pointer: str) -> dict[str, str]:
    return {"$ref": pointer}


def _channel_id(topology: Topology, spec: TopicSpec) -> str:
    return spec.name.removeprefix(f"{topology.prefix}.")


def _string(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


def _event_headers() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "CloudEvents 1.0 attributes (binary mode) and Samskab's extensions.",
        "required": [
            "ce_specversion",
            "ce_id",
            "ce_type",
            "ce_source",
            "ce_subject",
            "ce_time",
            "content-type",
            "ce_seq",
            "ce_streamversion",
            "ce_actor",
            "ce_actorrole",
            "ce_correlationid",
            "ce_prevhash",
            "ce_hash",
        ],
        "properties": {
            "ce_specversion": _string("CloudEvents version", const=SPEC_VERSION),
            "ce_id": _string("The event id", format="uuid"),
            "ce_type": _string("dk.samskab.<Type>.v<version>", pattern=r"^dk\.samskab\.\w+\.v\d+$"),
            "ce_source": _string("/samskab/<logical topic>", pattern="^/samskab/[a-z]+$"),
            "ce_subject": _string("The stream id, e.g. process-<uuid> or proposal-<uuid>"),
            "ce_time": _string("When it occurred (RFC 3339, UTC)", format="date-time"),
            "content-type": _string("Of the value", const="application/json"),
            "ce_seq": _string("Global position in the event store", pattern="^[0-9]+$"),
            "ce_streamversion": _string("Position in its stream", pattern="^[0-9]+$"),
            "ce_actor": _string("Keyed pseudonym of who caused it (never a name)"),
            "ce_actorrole": _string(
                "Role of the actor", enum=["citizen", "staff", "admin", "auditor", "system"]
            ),
            "ce_correlationid": _string("The request it belongs to", format="uuid"),
            "ce_causationid": _string("The event that caused it (when one did)", format="uuid"),
            "ce_prevhash": _string("Hash of the event at ce_seq - 1", pattern="^[0-9a-f]{64}$"),
            "ce_hash": _string(
                "sha256(prev_hash ‖ canonical envelope); `samskab audit verify` re-checks it",
                pattern="^[0-9a-f]{64}$",
            ),
        },
    }


def _public_headers() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "CloudEvents 1.0 attributes (binary mode); nothing names a person.",
        "required": [
            "ce_specversion",
            "ce_id",
            "ce_type",
            "ce_source",
            "ce_subject",
            "ce_time",
            "content-type",
        ],
        "properties": {
            "ce_specversion": _string("CloudEvents version", const=SPEC_VERSION),
            "ce_id": _string(
                "Id of the internal event it comes from: the same on a redelivery, dedupe by it",
                format="uuid",
            ),
            "ce_type": _string(
                "dk.samskab.public.<Type>.v<version>",
                pattern=r"^dk\.samskab\.public\.\w+\.v\d+$",
            ),
            "ce_source": _string("/samskab/public/<topic>", pattern="^/samskab/public/[a-z]+$"),
            "ce_subject": _string("The proposal, process or task id it is about", format="uuid"),
            "ce_time": _string("When the internal event occurred (RFC 3339)", format="date-time"),
            "content-type": _string("Of the value", const="application/json"),
        },
    }


def _dead_letter_headers() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "The original record's headers (if any), plus why it was set aside.",
        "required": [
            "dlq_reason",
            "dlq_projection",
            "dlq_source_topic",
            "dlq_source_partition",
            "dlq_source_offset",
            "dlq_attempts",
        ],
        "properties": {
            "dlq_reason": _string("What went wrong (at most 4000 bytes)"),
            "dlq_projection": _string("The projection that could not apply it"),
            "dlq_source_topic": _string("Topic of the original record"),
            "dlq_source_partition": _string("Its partition", pattern="^[0-9]+$"),
            "dlq_source_offset": _string("Its offset", pattern="^[0-9]+$"),
            "dlq_attempts": _string("How often it was tried", pattern="^[0-9]+$"),
        },
        "additionalProperties": {"type": "string"},
    }


def _headers(base: str, type_header: str) -> dict[str, Any]:
    return {
        "allOf": [
            _ref(HEADERS + base),
            {"type": "object", "properties": {"ce_type": {"const": type_header}}},
        ]
    }


def _kafka_key(spec: TopicSpec) -> dict[str, Any]:
    return {
        "kafka": {
            "key": _string(f"The {spec.key} (UTF-8)"),
            "bindingVersion": BINDING_VERSION,
        }
    }


def _event_messages(spec: TopicSpec, logical: str) -> dict[str, dict[str, Any]]:
    messages: dict[str, dict[str, Any]] = {}
    for cls in (c for c in EVENT_TYPES if c.topic == logical):
        versions = [cls.version, *sorted(v for t, v in UPCASTERS if t == cls.type_name)]
        for version in versions:
            message: dict[str, Any] = {
                "name": cls.type_name,
                "title": f"{cls.type_name} v{version}",
                "contentType": "application/json",
                "headers": _headers("EventHeaders", ce_type(cls.type_name, version)),
                "payload": _ref(f"./schemas/{cls.type_name}.v{cls.version}.json"),
                "correlationId": {"location": "$message.header#/ce_correlationid"},
                "bindings": _kafka_key(spec),
            }
            if version < cls.version:
                message["summary"] = (
                    f"Older records: the version {cls.version} payload without the fields added "
                    f"since; read through the upcasters (events/registry.py)."
                )
            messages[f"{cls.type_name}.v{version}"] = message
    return messages


def _public_messages(spec: TopicSpec, logical: str) -> dict[str, dict[str, Any]]:
    names = (
        list(public.BUDGETING)
        if logical == "budgeting"
        else [cls.type_name for cls in public.VOLUNTEERING]
        if logical == "volunteering"
        else [cls.type_name for cls in public.CHECKPOINTS]
    )
    return {
        f"public.{name}.v{public.VERSION}": {
            "name": name,
            "title": f"public {name} v{public.VERSION}",
            **({"summary": OUTCOME_SUMMARY} if name in public.OUTCOME else {}),
            "contentType": "application/json",
            "headers": _headers("PublicHeaders", public.ce_type(name)),
            "payload": _ref(f"./schemas/{public_schema_file(name)}"),
            "bindings": _kafka_key(spec),
        }
        for name in names
    }


def _dead_letter_message(spec: TopicSpec) -> dict[str, dict[str, Any]]:
    return {
        "DeadLetter": {
            "name": "DeadLetter",
            "title": "A record a projection could not apply",
            "summary": (
                "The original record's key, value and headers as they were (usually an event "
                "of an event topic, possibly malformed), plus dlq_* headers. "
                "`samskab dlq list` shows them, `samskab dlq retry` applies them after a fix."
            ),
            "headers": _ref(HEADERS + "DeadLetterHeaders"),
            "payload": {"description": "The original record's value, unchanged"},
            "bindings": _kafka_key(spec),
        }
    }


def _topic_configuration(config: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in sorted(config):
        value = config[name]
        if name == "cleanup.policy":
            out[name] = value.split(",")
        elif re.fullmatch(r"-?[0-9]+", value):
            out[name] = int(value)
        else:
            out[name] = value
    return out


_ABOUT = {
    TopicKind.EVENTS: "Every {logical} event, as committed to the event store (relay, in order).",
    TopicKind.PUBLIC: "What may be public of {logical}, republished by the feed projection.",
    TopicKind.DEAD_LETTER: "Records the {logical} projection could not apply, with the reason.",
}


def _logical(topology: Topology, spec: TopicSpec) -> str:
    if spec.kind is TopicKind.PUBLIC:
        return spec.name.removeprefix(topology.public_topic(""))
    if spec.kind is TopicKind.DEAD_LETTER:
        return spec.name.removeprefix(topology.dead_letter_topic(""))
    return topology.logical_of(spec.name)


def document(topology: Topology | None = None) -> dict[str, Any]:
    """The AsyncAPI document as plain data (keys in the order they are written)."""
    topology = topology or Topology()
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for spec in topology.topics():
        cid = _channel_id(topology, spec)
        logical = _logical(topology, spec)
        if spec.kind is TopicKind.EVENTS:
            own = _event_messages(spec, logical)
        elif spec.kind is TopicKind.PUBLIC:
            own = _public_messages(spec, logical)
        else:
            own = _dead_letter_message(spec)
        for name, message in own.items():
            messages.setdefault(name, message)  # the dead-letter message is shared
        channels[cid] = {
            "address": spec.name,
            "title": spec.name,
            "description": _ABOUT[spec.kind].format(logical=logical) + f" Key: the {spec.key}.",
            "messages": {name: _ref(f"#/components/messages/{name}") for name in own},
            "bindings": {
                "kafka": {
                    "partitions": spec.partitions,
                    "topicConfiguration": _topic_configuration(spec.config),
                    "bindingVersion": BINDING_VERSION,
                }
            },
            "x-topic-kind": spec.kind.value,
        }
        if logical == CHECKPOINTS:
            channels[cid]["description"] = (
                "The event store's chain head (seq, hash), signed with Ed25519 by the "
                "checkpoints service at intervals. Auditors keep them (`samskab audit "
                f"checkpoints`) and verify the store against them. Key: the {spec.key}."
            )
        refs = [_ref(f"#/channels/{cid}/messages/{name}") for name in own]
        operations[f"send.{cid}"] = {
            "action": "send",
            "channel": _ref(f"#/channels/{cid}"),
            "summary": {
                TopicKind.EVENTS: "The outbox relay publishes committed events.",
                TopicKind.PUBLIC: "The checkpoints service publishes signed chain heads."
                if logical == CHECKPOINTS
                else "The feed projection publishes the public records.",
                TopicKind.DEAD_LETTER: "The projection sets aside what it cannot apply.",
            }[spec.kind],
            "messages": refs,
        }
        operations[f"receive.{cid}"] = {
            "action": "receive",
            "channel": _ref(f"#/channels/{cid}"),
            "summary": {
                TopicKind.EVENTS: "Each projection reads it in its own consumer group.",
                TopicKind.PUBLIC: "Downstream systems read it (finance, open data, GIS, ...).",
                TopicKind.DEAD_LETTER: "`samskab dlq list` / `samskab dlq retry` read it.",
            }[spec.kind],
            "messages": refs,
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Samskab events",
            "version": "1.0.0",
            "description": _DESCRIPTION,
            "license": {"name": "Apache-2.0"},
        },
        "defaultContentType": "application/json",
        "servers": {
            "kafka": {
                "host": "{bootstrap}",
                "protocol": "kafka",
                "description": "The deployment's Kafka cluster (KAFKA_BOOTSTRAP_SERVERS).",
                "variables": {"bootstrap": {"default": "localhost:9092"}},
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": {
                "EventHeaders": _event_headers(),
                "PublicHeaders": _public_headers(),
                "DeadLetterHeaders": _dead_letter_headers(),
            },
            "messages": dict(sorted(messages.items())),
        },
    }


# --- a small YAML writer: block style, keys in the given order, strings as JSON scalars ----

_PLAIN = re.compile(r"^[A-Za-z_$][A-Za-z0-9_.$/-]*$")
_RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"}


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED:
        return text
    return orjson.dumps(text).decode()


def _key(name: str) -> str:
    return _scalar(name)


def _lines(value: Any, indent: int) -> list[str]:
    pad = "  " * indent
    out: list[str] = []
    if isinstance(value, dict):
        for name, item in value.items():
            if isinstance(item, dict | list) and item:
                out.append(f"{pad}{_key(name)}:")
                out += _lines(item, indent + 1)
            else:
                out.append(f"{pad}{_key(name)}: {_empty_or_scalar(item)}")
    else:
        for item in value:
            if isinstance(item, dict | list) and item:
                inner = _lines(item, indent + 1)
                out.append(f"{pad}- {inner[0].lstrip()}")
                out += inner[1:]
            else:
                out.append(f"{pad}- {_empty_or_scalar(item)}")
    return out


def _empty_or_scalar(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


def rendered(topology: Topology | None = None) -> str:
    """The YAML text of the document: the same code always gives the same bytes."""
    header = "# Generated by `samskab schema asyncapi` from events/; do not edit by hand.\n"
    return header + "\n".join(_lines(document(topology), 0)) + "\n"


def is_current(path: Path = ASYNCAPI_FILE) -> bool:
    return path.is_file() and path.read_text(encoding="utf-8") == rendered()


def write(path: Path = ASYNCAPI_FILE) -> bool:
    """Write the document; whether the file changed."""
    text = rendered()
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True
