"""`samskab audit export` and offline re-verification of the export, against real PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import asyncpg
import orjson
import pytest

from services.audit.export import Selection, export
from services.audit.verify import verify_file
from tests.integration.test_audit_verify import record_events


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
async def test_a_whole_export_re_verifies_offline_from_the_genesis_hash(
    database: str, tmp_path: Path, fmt: str
) -> None:
    stored = await record_events(database, 6)
    out = tmp_path / f"trail.{fmt}"
    header = await export(database, Selection(), fmt, out)
    assert header["count"] == 7 and header["from_genesis"]
    assert header["last_hash"] == stored[-1].hash
    report = verify_file(out)
    assert report.findings == []
    assert (report.events, report.first_seq, report.last_seq) == (7, 1, 7)
    assert report.last_hash == stored[-1].hash


async def test_an_altered_line_and_a_removed_line_in_an_export_are_named(
    database: str, tmp_path: Path
) -> None:
    await record_events(database, 6)
    out = tmp_path / "trail.jsonl"
    await export(database, Selection(), "jsonl", out)
    lines = out.read_bytes().splitlines()
    fourth = orjson.loads(lines[4])  # line 5 of the file: seq 4
    fourth["data"]["estimated_cost_ore"] = 1
    lines[4] = orjson.dumps(fourth)
    del lines[6]  # seq 6
    out.write_bytes(b"\n".join(lines) + b"\n")

    report = verify_file(out)

    found = {(f.problem, f.seq, f.line) for f in report.findings}
    assert ("altered", 4, 5) in found
    assert ("gap", 7, 7) in found
    assert any(f.problem == "count" for f in report.findings)


async def test_a_stream_export_verifies_each_event_and_a_time_range_is_one_segment(
    database: str, tmp_path: Path
) -> None:
    stored = await record_events(database, 6)
    one = tmp_path / "stream.jsonl"
    header = await export(database, Selection(stream=stored[3].stream_id), "jsonl", one)
    assert header["count"] == 1 and not header["contiguous"]
    assert verify_file(one).ok
    conn = await asyncpg.connect(database)
    after = await conn.fetchval("select occurred_at from eventstore.events where seq = 3")
    await conn.close()
    ranged = tmp_path / "range.csv"
    header = await export(database, Selection(from_=after), "csv", ranged)
    assert (header["first_seq"], header["last_seq"], header["contiguous"]) == (3, 7, True)
    report = verify_file(ranged)
    assert report.ok and report.segments == 1


async def test_export_and_verify_on_the_command_line(database: str, tmp_path: Path) -> None:
    await record_events(database, 3)
    out = tmp_path / "cli.jsonl"
    env = {**os.environ, "DATABASE_URL": database, "COLUMNS": "200"}

    async def cli(*args: str) -> tuple[int, str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "services.cli.main",
            "audit",
            *args,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await proc.communicate()
        return proc.returncode or 0, output.decode()

    code, output = await cli("export", "--format", "jsonl", "--out", str(out))
    assert code == 0, output
    assert "wrote 4 events (seq 1–4)" in output
    code, output = await cli("verify", "--file", str(out))
    assert code == 0, output
    assert "verdict: OK" in output
    code, output = await cli("export", "--format", "xml")
    assert code == 2 and "unknown format" in output
