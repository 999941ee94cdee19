"""Export the record with its hashes, so a third party can re-verify it offline.

Every format carries the whole envelope of each event (payload, actor pseudonym and role, ids,
`prev_hash`, `hash`) and a header: which selection, how many events, the first and last `seq`,
the last hash, and whether the export is one contiguous piece of the chain.

- JSON lines: the header is the first line (`{"samskab_audit_export": {...}}`), then one envelope
  per line.
- CSV: one row per event (the payload as canonical JSON text); the header goes to `FILE.meta.json`.
- Parquet: the same columns; the header is in the file's key-value metadata.

Selections: everything (contiguous from the genesis hash); a time range, widened to the seq range
it spans so the export stays one contiguous segment; or one stream (separate segments, each
event's own hash still verifiable).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from events.envelope import Envelope
from services.platform import db
from services.store.reads import EventRange, seq_span, stored_events, summary

FORMATS = ("jsonl", "csv", "parquet")
COLUMNS = (
    "seq",
    "event_id",
    "type",
    "version",
    "stream_id",
    "stream_version",
    "occurred_at",
    "actor_subject",
    "actor_role",
    "correlation_id",
    "causation_id",
    "topic",
    "key",
    "data",
    "prev_hash",
    "hash",
)
HEADER_KEY = "samskab_audit_export"


@dataclass(frozen=True)
class Selection:
    from_: datetime | None = None
    to: datetime | None = None
    stream: str | None = None


def row_of(env: Envelope) -> dict[str, Any]:
    """One flat row (CSV, Parquet) from an envelope; `envelope_of` is its inverse."""
    d = env.model_dump(mode="json")
    actor = d.pop("actor")
    d["actor_subject"], d["actor_role"] = actor["subject"], actor["role"]
    d["data"] = orjson.dumps(d["data"], option=orjson.OPT_SORT_KEYS).decode()
    return {c: d[c] for c in COLUMNS}


def envelope_of(row: dict[str, Any]) -> dict[str, Any]:
    d = {c: row[c] for c in COLUMNS}
    d["actor"] = {"subject": d.pop("actor_subject"), "role": d.pop("actor_role")}
    d["data"] = orjson.loads(d["data"])
    for name in ("seq", "version", "stream_version"):
        d[name] = int(d[name])
    if d["causation_id"] in ("", None):
        d["causation_id"] = None
    return d


async def export(
    dsn: str,
    selection: Selection,
    fmt: str,
    out: Path,
    on_total: Callable[[int], None] = lambda _: None,
    advance: Callable[[int], None] = lambda _: None,
) -> dict[str, Any]:
    """Write the selected events to `out` in `fmt`; return the header written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    conn = await db.connect(dsn)
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            events_in, contiguous = await _range(conn, selection)
            stats = await summary(conn, events_in)
            header = {
                "format_version": 1,
                "exported_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                "selection": {
                    "from": selection.from_.isoformat() if selection.from_ else None,
                    "to": selection.to.isoformat() if selection.to else None,
                    "stream": selection.stream,
                },
                "contiguous": contiguous,
                "from_genesis": contiguous and stats.first_seq == 1,
                "count": stats.count,
                "first_seq": stats.first_seq,
                "last_seq": stats.last_seq,
                "last_hash": stats.last_hash,
            }
            on_total(stats.count)
            events = stored_events(conn, events_in)
            if fmt == "jsonl":
                await _jsonl(out, header, events, advance)
            elif fmt == "csv":
                await _csv(out, header, events, advance)
            else:
                await _parquet(out, header, events, advance)
            return header
    finally:
        await conn.close()


async def _range(conn: Any, s: Selection) -> tuple[EventRange, bool]:
    """The events selected, and whether they are one contiguous piece of the chain."""
    if s.stream is not None:
        return EventRange(stream=s.stream), False
    if s.from_ is None and s.to is None:
        return EventRange(), True
    # Widened to the seq range the times span: an export is one contiguous piece of the chain.
    return await seq_span(conn, s.from_, s.to), True


async def _jsonl(out: Path, header: dict[str, Any], events: Any, advance: Any) -> None:
    with out.open("wb") as f:
        f.write(orjson.dumps({HEADER_KEY: header}) + b"\n")
        n = 0
        async for env in events:
            f.write(orjson.dumps(env.model_dump(mode="json")) + b"\n")
            n += 1
            if n % 1000 == 0:
                advance(1000)
        advance(n % 1000)


async def _csv(out: Path, header: dict[str, Any], events: Any, advance: Any) -> None:
    out.with_name(out.name + ".meta.json").write_bytes(
        orjson.dumps({HEADER_KEY: header}, option=orjson.OPT_INDENT_2)
    )
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        n = 0
        async for env in events:
            writer.writerow(row_of(env))
            n += 1
            if n % 1000 == 0:
                advance(1000)
        advance(n % 1000)


async def _parquet(out: Path, header: dict[str, Any], events: Any, advance: Any) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    ints = {"seq", "version", "stream_version"}
    schema = pa.schema(
        [pa.field(c, pa.int64() if c in ints else pa.string()) for c in COLUMNS],
        metadata={HEADER_KEY: orjson.dumps(header)},
    )
    with pq.ParquetWriter(str(out), schema) as writer:
        batch: list[dict[str, Any]] = []
        async for env in events:
            batch.append(row_of(env))
            if len(batch) == 10_000:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                advance(len(batch))
                batch = []
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            advance(len(batch))


def read_export(path: Path) -> tuple[dict[str, Any], Iterator[tuple[int, Any]]]:
    """(header, iterator of (line or row number, envelope dict or an unreadable-line error))."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(str(path))
        meta = table.schema.metadata or {}
        header = orjson.loads(meta.get(HEADER_KEY.encode(), b"{}"))
        rows = table.to_pylist()
        return header, ((i, envelope_of(r)) for i, r in enumerate(rows, start=1))
    if path.suffix == ".csv":
        meta_path = path.with_name(path.name + ".meta.json")
        header = orjson.loads(meta_path.read_bytes())[HEADER_KEY] if meta_path.exists() else {}
        text = io.StringIO(path.read_text(encoding="utf-8"), newline="")
        reader = csv.DictReader(text)
        return header, ((i, envelope_of(r)) for i, r in enumerate(reader, start=2))
    return {}, _jsonl_lines(path)


def _jsonl_lines(path: Path) -> Iterator[tuple[int, Any]]:
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            if raw.strip():
                try:
                    yield number, orjson.loads(raw)
                except orjson.JSONDecodeError as exc:
                    yield number, exc
