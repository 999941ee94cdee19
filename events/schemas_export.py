"""JSON Schema files generated from the event models: one per type and version, and one per
public record type of the feed (`public.<Type>.v1.json`, see `events/public.py`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from events import public
from events.envelope import Envelope
from events.registry import EVENT_TYPES

SCHEMA_DIR = Path(__file__).parent / "schemas"


def rendered() -> dict[str, bytes]:
    """File name -> file content for every schema the code defines."""
    files: dict[str, bytes] = {}
    for cls in EVENT_TYPES:
        schema = cls.model_json_schema()
        schema["$id"] = f"https://samskab.dk/schemas/{cls.type_name}.v{cls.version}.json"
        schema["title"] = cls.type_name
        schema["x-event-version"] = cls.version
        schema["x-topic"] = cls.topic
        files[f"{cls.type_name}.v{cls.version}.json"] = _dump(schema)
    for logical, type_name, schema in public_schemas():
        name = public_schema_file(type_name)
        schema["$id"] = f"https://samskab.dk/schemas/{name}"
        schema["x-event-version"] = public.VERSION
        schema["x-public-topic"] = logical
        files[name] = _dump(schema)
    envelope = Envelope.model_json_schema()
    envelope["$id"] = "https://samskab.dk/schemas/Envelope.json"
    files["Envelope.json"] = _dump(envelope)
    return files


def public_schema_file(type_name: str) -> str:
    return f"public.{type_name}.v{public.VERSION}.json"


def public_schemas() -> list[tuple[str, str, dict[str, Any]]]:
    """(logical public topic, record type, JSON Schema) of every record the feed publishes."""
    out = [("budgeting", t, public.budgeting_schema(t)) for t in public.BUDGETING]
    for cls in public.VOLUNTEERING:
        schema = cls.model_json_schema()
        schema["title"] = f"public {cls.type_name}"
        out.append(("volunteering", cls.type_name, schema))
    for cls in public.CHECKPOINTS:
        schema = cls.model_json_schema()
        schema["title"] = f"public {cls.type_name}"
        out.append(("checkpoints", cls.type_name, schema))
    return out


def _dump(schema: dict[str, object]) -> bytes:
    return orjson.dumps(schema, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def write_schemas(folder: Path = SCHEMA_DIR) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    wanted = rendered()
    for stale in folder.glob("*.json"):
        if stale.name not in wanted:
            stale.unlink()
    written = []
    for name, content in wanted.items():
        path = folder / name
        if not path.exists() or path.read_bytes() != content:
            path.write_bytes(content)
        written.append(path)
    return written


def differences(folder: Path = SCHEMA_DIR) -> list[str]:
    """What differs between the committed schema files and the models; empty when current."""
    wanted = rendered()
    present = {p.name: p.read_bytes() for p in folder.glob("*.json")} if folder.exists() else {}
    lines = [f"missing: {n}" for n in sorted(wanted.keys() - present.keys())]
    lines += [
        f"stale: {n}"
        for n in sorted(n for n in wanted.keys() & present.keys() if wanted[n] != present[n])
    ]
    lines += [f"extra: {n}" for n in sorted(present.keys() - wanted.keys())]
    return lines
