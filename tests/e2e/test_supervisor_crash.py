"""`samskab run` killed outright (SIGKILL) leaves nothing running, and starting it again gives
one system with all its data; a second run on a live data directory is refused."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path

import httpx
import psutil
import pytest

from projections.catalog import PROJECTIONS
from services.runtime.embedded import free_port
from tests.e2e.environment import EMBEDDED_ENV
from tests.e2e.test_samskab_run import (
    samskab_run,
    token,
    wait_ready,
)


def system_processes(data_dir: Path) -> list[psutil.Process]:
    """Every process of a system on `data_dir`: its services (told the directory in their
    environment) and its PostgreSQL (given the directory on its command line)."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            cmdline = " ".join(proc.info["cmdline"] or ())
            if str(data_dir) in cmdline or proc.environ().get("SAMSKAB_DATA_DIR") == str(data_dir):
                found.append(proc)
        except psutil.Error:
            continue
    return found


def services_named(processes: list[psutil.Process], *words: str) -> list[psutil.Process]:
    out = []
    for proc in processes:
        try:
            cmdline = proc.cmdline()
        except psutil.Error:
            continue
        if all(word in cmdline for word in words):
            out.append(proc)
    return out


def wait_gone(processes: list[psutil.Process], within: float) -> list[psutil.Process]:
    deadline = time.monotonic() + within
    alive = processes
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        time.sleep(0.2)
    return alive


async def test_a_killed_supervisor_takes_its_system_with_it_and_a_new_run_has_all_data(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    command: Path = request.getfixturevalue("samskab")
    data_dir = (tmp_path / "samskab-data").resolve()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with samskab_run(command, data_dir, port, tmp_path / "first.out") as first:
        await wait_ready(base, 90, first)
        admin = token(command, data_dir, "admin", "anna")
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            created = await client.post(
                "/api/v1/processes",
                headers={"Authorization": f"Bearer {admin}"},
                json={"title": "Borgerbudget Tørring", "municipality": "Hedensted"},
            )
            assert created.status_code == 201, created.text
        recorded = json.loads((data_dir / "children.json").read_text())["children"]
        postmaster = psutil.Process(
            int((data_dir / "pg" / "postmaster.pid").read_text().split()[0])
        )
        system = [
            *psutil.Process(first.pid).children(recursive=True),
            postmaster,
            *postmaster.children(recursive=True),
        ]
        # broker, relay, the projections (one process), scheduler, checkpoints, API
        assert len(recorded) >= 6
        assert {r["pid"] for r in recorded} <= {p.pid for p in system}
        assert postmaster in system_processes(data_dir)

        first.kill()  # SIGKILL: the supervisor gets no chance to stop anything
        await first.wait()
        left = await asyncio.to_thread(wait_gone, system, 30)
        assert [" ".join(p.cmdline()[:4]) for p in left] == [], "outlived the supervisor"

    async with samskab_run(command, data_dir, port, tmp_path / "second.out") as second:
        await wait_ready(base, 90, second)
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            process_id = created.json()["id"]
            # The broker came back empty: the relay publishes every event again and the
            # projections read them from offset 0, which on a loaded machine takes a while.
            found = await client.get(f"/api/v1/processes/{process_id}")
            for _ in range(600):
                if found.status_code == 200:
                    break
                await asyncio.sleep(0.1)
                found = await client.get(f"/api/v1/processes/{process_id}")
            assert found.status_code == 200, found.text
        running = system_processes(data_dir)
        assert len(services_named(running, "serve", "relay")) == 1
        assert len(services_named(running, "serve", "api")) == 1
        assert len(services_named(running, "serve", "projection", *PROJECTIONS)) == 1
        postmasters = [p for p in running if p.name() == "postgres" and p.ppid() == 1]
        assert len(postmasters) == 1

        refused = await asyncio.create_subprocess_exec(
            str(command),
            "run",
            "--data-dir",
            str(data_dir),
            "--port",
            str(free_port()),
            env=EMBEDDED_ENV,
            cwd=data_dir.parent,
            stderr=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
        )
        _, stderr = await asyncio.wait_for(refused.communicate(), 60)
        assert refused.returncode == 2
        message = stderr.decode()
        assert f"a system is already running on {data_dir} (pid {second.pid})" in message
        assert len(services_named(system_processes(data_dir), "serve", "relay")) == 1

        second.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(second.wait(), 60) == 0
    assert await asyncio.to_thread(wait_gone, running, 10) == []
    assert (
        not (data_dir / "pg" / ".handle_pids.json").exists()
        or json.loads((data_dir / "pg" / ".handle_pids.json").read_text()) == []
    )
