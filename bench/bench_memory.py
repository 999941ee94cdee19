"""Memory of the embedded stack `make run` starts: proportional set size (PSS) of every process.

    .venv/bin/python bench/bench_memory.py [--events 1000000]

Starts `samskab run` on a fresh data directory (embedded PostgreSQL and broker), waits until it
is ready and settled, and reads the PSS of each of its processes: the supervisor and every child
(relay, projections, scheduler, checkpoints, API, the broker, the PostgreSQL guard) and the
PostgreSQL server with its backends. PSS divides each shared page between the processes that
map it, so the figures add up to what the stack takes. Then it produces `--events` budgeting
events (a valid hash chain, as `bench_replay.py` makes them) straight to the system's budgeting
topic, waits until every projection has applied them (`/status` caught up), and reads again.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx
import psutil
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_replay import produce

from services.platform.settings import Settings
from services.runtime.embedded import free_port

console = Console(stderr=True)
SAMSKAB = Path(sys.executable).with_name("samskab")


def part_of(proc: psutil.Process) -> str:
    """A short name for what a process of the stack is."""
    try:
        cmd = proc.cmdline()
    except psutil.Error:
        return "gone"
    if proc.name() == "postgres" or (cmd and "postgres" in Path(cmd[0]).name):
        return "PostgreSQL"
    if "serve" in cmd:
        return " ".join(cmd[cmd.index("serve") + 1 :][:1])
    if "run" in cmd and any(Path(c).name == "samskab" for c in cmd):
        return "supervisor"
    if any("tansu" in c for c in cmd):
        return "broker"
    if "services.runtime.guard" in cmd:
        return "guard"
    return Path(cmd[0]).name if cmd else proc.name()


def stack(supervisor: psutil.Process, data_dir: Path) -> list[psutil.Process]:
    procs = [supervisor, *supervisor.children(recursive=True)]
    pid_file = data_dir / "pg" / "postmaster.pid"
    if pid_file.exists():
        postmaster = psutil.Process(int(pid_file.read_text().split()[0]))
        procs += [postmaster, *postmaster.children(recursive=True)]
    seen: dict[int, psutil.Process] = {p.pid: p for p in procs}
    return list(seen.values())


def pss(procs: list[psutil.Process]) -> dict[str, tuple[int, float]]:
    """Per part: (processes, MB of PSS)."""
    out: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for proc in procs:
        try:
            mb = proc.memory_full_info().pss / 2**20
        except psutil.Error:
            continue
        part = out[part_of(proc)]
        part[0] += 1
        part[1] += mb
    return {k: (int(v[0]), v[1]) for k, v in out.items()}


async def wait_caught_up(base: str, within: float) -> float:
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        while time.monotonic() - started < within:
            status = (await client.get("/status")).json()
            if status["caught_up"] and all(
                p["lag_events"] == 0 for p in status["projections"].values()
            ):
                return time.monotonic() - started
            await asyncio.sleep(2)
    raise TimeoutError(f"projections not caught up in {within:.0f} s")


def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"samskab run exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise TimeoutError("samskab run not ready")


def table(title: str, readings: dict[str, dict[str, tuple[int, float]]]) -> Table:
    out = Table(title=title)
    out.add_column("part")
    columns = list(readings)
    for column in columns:
        out.add_column(f"{column} (MB)", justify="right")
    out.add_column("processes", justify="right")
    parts = sorted(
        {p for r in readings.values() for p in r},
        key=lambda p: -readings[columns[0]].get(p, (0, 0.0))[1],
    )
    for part in parts:
        out.add_row(
            part,
            *(f"{readings[c].get(part, (0, 0.0))[1]:.1f}" for c in columns),
            str(readings[columns[-1]].get(part, (0, 0.0))[0]),
        )
    out.add_row(
        "[b]total[/b]",
        *(f"[b]{sum(mb for _, mb in readings[c].values()):.1f}[/b]" for c in columns),
        str(sum(n for n, _ in readings[columns[-1]].values())),
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--settle", type=float, default=15.0, help="seconds idle before reading")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="samskab-memory-"))
    data_dir = tmp / "data"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")
    }
    env |= {"SAMSKAB_DATA_DIR": str(data_dir), "SAMSKAB_PORT": str(port)}
    log = (tmp / "run.log").open("wb")
    proc = subprocess.Popen(
        [str(SAMSKAB), "run"], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    readings: dict[str, dict[str, tuple[int, float]]] = {}
    try:
        with console.status("starting samskab run"):
            wait_ready(base, proc)
            time.sleep(args.settle)
        supervisor = psutil.Process(proc.pid)
        readings["idle"] = pss(stack(supervisor, data_dir))
        if args.events:
            found = dict(
                line.removeprefix("export ").split("=", 1)
                for line in (data_dir / "connection.env").read_text().splitlines()
                if "=" in line
            )
            settings = Settings(
                kafka_bootstrap_servers=found["KAFKA_BOOTSTRAP_SERVERS"].strip("'\""),
                data_dir=data_dir,
                embedded_broker=True,  # memory only: no idempotent producer
            )
            rate = asyncio.run(produce(settings, args.events))
            console.print(f"produced {args.events:,} events at {rate:,.0f}/s")
            with console.status("projections applying"):
                took = asyncio.run(wait_caught_up(base, within=3600))
            console.print(f"every projection caught up {took:.0f} s after the last event")
            time.sleep(args.settle)
            readings[f"after {args.events:,} events"] = pss(stack(supervisor, data_dir))
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    Console().print(table("make run: proportional set size of every process", readings))


if __name__ == "__main__":
    main()
