"""JSON Schema files generated from the event models: one per type and version."""

from __future__ import annotations

from pathlib import Path

import orjson

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
    envelope = Envelope.model_json_schema()
    envelope["$id"] = "https://samskab.dk/schemas/Envelope.json"
    files["Envelope.json"] = _dump(envelope)
    return files


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
