"""`samskab run` as a newcomer uses it: the project installed without extras into a fresh
virtual environment (so a run-time import that only a test dependency brings in fails here),
a fresh data directory, embedded PostgreSQL and broker, driven over HTTP, stopped with Ctrl-C
and started again."""

from __future__ import annotations

import asyncio
import shlex
import signal
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import psutil

from services.runtime.embedded import free_port
from tests.e2e.environment import EMBEDDED_ENV


@asynccontextmanager
async def samskab_run(
    samskab: Path, data_dir: Path, port: int, printed: Path
) -> AsyncIterator[asyncio.subprocess.Process]:
    proc = await asyncio.create_subprocess_exec(
        str(samskab),
        "run",
        "--data-dir",
        str(data_dir),
        "--port",
        str(port),
        env={**EMBEDDED_ENV, "SAMSKAB_LOG_LEVEL": "WARNING"},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=printed.open("w"),
        cwd=data_dir.parent,  # not the checkout: what runs is what was installed
    )
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(proc.wait(), 60)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def wait_ready(base: str, within: float, proc: asyncio.subprocess.Process) -> None:
    async with httpx.AsyncClient(base_url=base) as client:
        deadline = asyncio.get_running_loop().time() + within
        while True:
            assert proc.returncode is None, f"samskab run exited with status {proc.returncode}"
            try:
                if (await client.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert asyncio.get_running_loop().time() < deadline, "/readyz never answered 200"
            await asyncio.sleep(0.25)


def token(samskab: Path, data_dir: Path, role: str, subject: str) -> str:
    out = subprocess.run(
        [
            str(samskab),
            "token",
            "create",
            "--role",
            role,
            "--subject",
            subject,
            "--data-dir",
            str(data_dir),
        ],
        check=True,
        capture_output=True,
        text=True,
        env=EMBEDDED_ENV,
        cwd=data_dir.parent,
    )
    return out.stdout.strip().splitlines()[-1]


def processes_using(data_dir: Path) -> list[str]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or ())
        if str(data_dir) in cmdline:
            found.append(cmdline)
    return found


def run_cli(samskab: Path, cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(samskab), *args],
        capture_output=True,
        text=True,
        env={**EMBEDDED_ENV, "COLUMNS": "200", **env},
        cwd=cwd,
    )


def other_commands_reach_it(samskab: Path, data_dir: Path, printed: Path, tmp: Path) -> None:
    """From another directory: by `--data-dir`, and by the DATABASE_URL it printed, pasted."""
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    listed = run_cli(samskab, elsewhere, "dlq", "list", "--data-dir", str(data_dir))
    assert listed.returncode == 0, listed.stderr
    assert "0 dead letters" in listed.stdout
    exports = [line for line in printed.read_text().splitlines() if line.startswith("export ")]
    name, _, value = exports[0].removeprefix("export ").partition("=")
    assert name == "DATABASE_URL"
    (url,) = shlex.split(value)
    migrated = run_cli(samskab, elsewhere, "migrate", DATABASE_URL=url)
    assert migrated.returncode == 0, migrated.stderr
    assert is_empty(elsewhere)


def is_empty(directory: Path) -> bool:
    return not any(directory.iterdir())


async def test_run_serves_keeps_data_across_restarts_and_stops_every_child(
    samskab: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "samskab-data"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with samskab_run(samskab, data_dir, port, tmp_path / "first.out") as first:
        await wait_ready(base, within=90, proc=first)
        admin = token(samskab, data_dir, "admin", "anna")
        citizen = token(samskab, data_dir, "citizen", "bo")
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            process = await client.post(
                "/api/v1/processes",
                headers={"Authorization": f"Bearer {admin}"},
                json={"title": "Borgerbudget Tørring", "municipality": "Hedensted"},
            )
            assert process.status_code == 201, process.text
            url = f"/api/v1/processes/{process.json()['id']}/proposals"
            created = await client.post(
                url,
                headers={"Authorization": f"Bearer {citizen}"},
                json={
                    "title": "Bænke",
                    "description": "Tre bænke",
                    "estimated_cost": 45000,
                    "local_area": "Tørring",
                    "core_task": "Fritid og fællesskab",
                },
            )
            assert created.status_code == 201, created.text
            for _ in range(100):
                listing = (await client.get(url)).json()
                if listing:
                    break
                await asyncio.sleep(0.1)
            assert [p["id"] for p in listing] == [created.json()["id"]]
        await asyncio.to_thread(
            other_commands_reach_it, samskab, data_dir, tmp_path / "first.out", tmp_path
        )
        children = psutil.Process(first.pid).children(recursive=True)
        assert len(children) >= 4  # broker, relay, projection(s), API (+ PostgreSQL)
        first.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(first.wait(), 60) == 0
    await asyncio.sleep(0.5)
    alive = [c.pid for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert alive == [], "a child outlived Ctrl-C"
    assert processes_using(data_dir) == [], "PostgreSQL outlived Ctrl-C"
    assert not (data_dir / "connection.env").exists()
    assert not (tmp_path / ".samskab").exists()  # nothing made in the working directory

    async with samskab_run(samskab, data_dir, port, tmp_path / "second.out") as second:
        await wait_ready(base, within=90, proc=second)
        async with httpx.AsyncClient(base_url=base) as client:
            listing = (await client.get(url)).json()
    assert [p["id"] for p in listing] == [created.json()["id"]]
