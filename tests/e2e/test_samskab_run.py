"""`samskab run` as a newcomer uses it: the project installed without extras into a fresh
virtual environment (so a run-time import that only a test dependency brings in fails here),
a fresh data directory, embedded PostgreSQL and broker, driven over HTTP, stopped with Ctrl-C
and started again."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import psutil
import pytest

from services.runtime.embedded import free_port

REPO = Path(__file__).resolve().parents[2]
EMBEDDED_ENV = {
    k: v
    for k, v in os.environ.items()
    if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "VIRTUAL_ENV", "PYTHONPATH")
}


@pytest.fixture(scope="module")
def samskab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `samskab` command of the project installed as `pip install .` does it: no extras, in
    a virtual environment of its own."""
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", str(REPO)],
        check=True,
        capture_output=True,
        env=EMBEDDED_ENV,
    )
    return venv / "bin" / "samskab"


@asynccontextmanager
async def samskab_run(
    samskab: Path, data_dir: Path, port: int
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


async def test_run_serves_keeps_data_across_restarts_and_stops_every_child(
    samskab: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "samskab-data"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with samskab_run(samskab, data_dir, port) as first:
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
        children = psutil.Process(first.pid).children(recursive=True)
        assert len(children) >= 4  # broker, relay, projection(s), API (+ PostgreSQL)
        first.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(first.wait(), 60) == 0
    await asyncio.sleep(0.5)
    alive = [c.pid for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert alive == [], "a child outlived Ctrl-C"
    assert processes_using(data_dir) == [], "PostgreSQL outlived Ctrl-C"

    async with samskab_run(samskab, data_dir, port) as second:
        await wait_ready(base, within=90, proc=second)
        async with httpx.AsyncClient(base_url=base) as client:
            listing = (await client.get(url)).json()
    assert [p["id"] for p in listing] == [created.json()["id"]]
