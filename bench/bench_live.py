"""Live tally latency: ballot accepted (HTTP 2xx) → Server-Sent Event that includes it.

    .venv/bin/python bench/bench_live.py [--subscribers 200] [--rate 200] [--ballots 2000]
        [--rule greedy] [--concurrency 64] [--subscriber-procs 1]

The issue's goal is p99 < 100 ms at `--subscribers 1000 --rate 1000 --ballots 5000`; the
defaults are smaller because this is meant to run on a shared 2-core machine.

Uses DATABASE_URL if set, else an embedded PostgreSQL, and a fresh embedded broker; runs the
real system as child processes (relay, tallies and proposals projections, one API process),
as the tests do. One process in voting, live results public, one budget of 1,000,000 kr. with
eight proposals, one eligible voter per ballot. Subscribers follow `/tally/stream` from their
own process(es) (so their parsing does not slow the ballot driver); ballots are offered open
loop at `--rate` (at most `--concurrency` in flight), each from a different voter.

A ballot's event has a seq (read from the event store afterwards); a snapshot's SSE `id` is
the seq of the last event it includes, so a ballot is reflected on a subscriber by the first
event there whose id ≥ that seq. Latency = that event's arrival − the ballot's 2xx (both on
CLOCK_MONOTONIC, shared by the processes; an event arriving before the 2xx counts as 0). The
winners (`selected`) are counted after the scores (`outcome_version`): their lag is shown too.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import numpy as np
import orjson
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import ballot_driver
from bench.cpu import CpuMeter, postgres_pids
from bench.environment import BenchEnvironment, bench_environment
from events.base import Role
from events.budgeting_common import BudgetScope
from services.auth import load_keys, pseudonym
from services.domain.budgeting.ballots import ballot_stream
from tests.integration.test_budgeting_ballots import AREA
from tests.integration.test_budgeting_process import Flow, ok
from tests.integration.test_live_tally import voting_under
from tests.system import System

console = Console()
PRICES = [100_000, 150_000, 200_000, 250_000, 300_000, 350_000, 400_000, 450_000]
OUTCOME = re.compile(rb'"outcome_version":\s*(\d+|null)')

# --- subscribers (child processes) -----------------------------------------------------------


def subscribe(url: str, n: int, ready: Any, stop: Any, out: Any) -> None:
    """Run `n` SSE subscribers until `stop`; put each one's arrivals on `out`."""
    out.put(asyncio.run(_subscribers(url, n, ready, stop)))


async def _subscribers(url: str, n: int, ready: Any, stop: Any) -> list[dict[str, Any]]:
    limits = httpx.Limits(max_connections=n + 8, max_keepalive_connections=0)
    timeout = httpx.Timeout(30, read=None)
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as http:
        seen: list[dict[str, Any]] = [
            {"times": [], "versions": [], "outcomes": [], "error": None} for _ in range(n)
        ]
        tasks = [asyncio.create_task(_follow(http, url, s, ready)) for s in seen]
        await asyncio.to_thread(stop.wait)  # a process-shared event: wait for it off the loop
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return seen


async def _follow(http: httpx.AsyncClient, url: str, seen: dict[str, Any], ready: Any) -> None:
    first = True
    try:
        async with http.stream("GET", url, headers={"Accept": "text/event-stream"}) as response:
            response.raise_for_status()
            version, outcome = None, -1
            async for line in response.aiter_lines():  # fields in any order, a blank line ends
                if line.startswith("id:"):
                    version = int(line[3:].strip())
                elif line.startswith("data:"):
                    found = OUTCOME.search(line.encode())
                    outcome = -1 if found is None or found.group(1) == b"null" else int(found[1])
                elif not line and version is not None:
                    seen["times"].append(time.monotonic())
                    seen["versions"].append(version)
                    seen["outcomes"].append(outcome)
                    version, outcome = None, -1
                    if first:
                        first = False
                        with ready.get_lock():
                            ready.value += 1
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # reported in the figures, not hidden
        seen["error"] = repr(exc)


# --- the ballot driver (a child process: bench/ballot_driver.py) -------------------------------


def encoded_ballots(sut: System, pid: str, voters: list[str]) -> list[bytes]:
    """Every voter's ballot request, encoded before the clock starts."""
    rng = random.Random(7)
    path = f"/api/v1/processes/{pid}/ballots"
    return [
        ballot_driver.request(
            "127.0.0.1",
            path,
            sut.token(Role.CITIZEN, voter),
            orjson.dumps(
                {"local_area": AREA, "approvals": rng.sample(PROPOSALS, rng.randint(1, 3))}
            ),
        )
        for voter in voters
    ]


PROPOSALS: list[str] = []


async def seqs_of(sut: System, pid: str, voters: list[str]) -> dict[str, int]:
    """The seq of each voter's ballot event (its stream is named after the voter's pseudonym)."""
    keys = load_keys(sut.settings)
    dsn = sut.settings.require_database_url()
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "select stream_id, seq from eventstore.events where key = $1 and type = 'BallotCast'",
            pid,
        )
    finally:
        await conn.close()
    by_stream = {r["stream_id"]: r["seq"] for r in rows}
    return {
        v: by_stream[s]
        for v in voters
        if (s := ballot_stream(UUID(pid), AREA, pseudonym(keys.pseudonym, v), BudgetScope.OWN_AREA))
        in by_stream
    }


def cpu_meter(
    sut: System, environment: BenchEnvironment, driver: Any, children: list[Any]
) -> CpuMeter:
    """The processes a ballot's cost is spread over; PostgreSQL's are added at each reading."""
    meter = CpuMeter()
    for name, service in sut.services.items():
        label = "API (with the SSE hub)" if name == "api" else name
        meter.add(label, lambda s=service: [s.process.pid] if s.process else [])
    meter.add("PostgreSQL backends", list)
    if environment.embedded_postgres:
        meter.add("PostgreSQL server processes", list)
    meter.add("broker", lambda: [environment.broker_pid])
    meter.add("load driver", lambda: [driver.pid] if driver.pid else [])
    meter.add("SSE subscribers", lambda: [c.pid for c in children if c.pid])
    meter.add("bench (this process)", lambda: [os.getpid()])
    return meter


def start_profiles(sut: System, into: Path | None) -> list[subprocess.Popen[bytes]]:
    """py-spy (installed apart: `pip install py-spy`) samples each service of the system over
    the measured window into INTO/NAME.txt, as collapsed stacks (one line a stack, its count)."""
    if into is None:
        return []
    into.mkdir(parents=True, exist_ok=True)
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    return [
        subprocess.Popen(
            [
                py_spy,
                "record",
                "--pid",
                str(service.process.pid),
                "--format",
                "raw",
                "--rate",
                "200",
                "--nonblocking",
                "-o",
                str(into / f"{name.replace(':', '-')}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name, service in sut.services.items()
        if service.process is not None
    ]


def stop_profiles(profilers: list[subprocess.Popen[bytes]]) -> None:
    for profiler in profilers:
        profiler.send_signal(signal.SIGINT)  # py-spy writes what it has sampled and exits
    for profiler in profilers:
        profiler.wait(30)


def cpu_table(spent: dict[str, float], accepted: int) -> Table:
    table = Table(title="CPU over the measured window (from /proc), per accepted ballot")
    table.add_column("process")
    table.add_column("CPU s", justify="right")
    table.add_column("ms per ballot", justify="right")
    system = 0.0
    for name, seconds in sorted(spent.items(), key=lambda item: -item[1]):
        per = seconds * 1000 / accepted if accepted else float("nan")
        table.add_row(name, f"{seconds:,.2f}", f"{per:,.2f}")
        if name not in ("load driver", "SSE subscribers", "bench (this process)"):
            system += seconds
    per_system = system * 1000 / accepted if accepted else float("nan")
    table.add_row("the system (all but the load)", f"{system:,.2f}", f"{per_system:,.2f}")
    return table


def pct(values: np.ndarray, q: float) -> str:
    return f"{np.percentile(values, q) * 1000:,.1f} ms" if len(values) else "–"


def latencies(
    arrivals: list[dict[str, Any]], accepted: dict[str, float], seqs: dict[str, int], key: str
) -> tuple[np.ndarray, int]:
    """For every (ballot, subscriber): first arrival whose `key` version ≥ the ballot's seq,
    minus the ballot's 2xx; and how many pairs never arrived."""
    voters = [v for v in accepted if v in seqs]
    seq = np.array([seqs[v] for v in voters], dtype=np.int64)
    ok_at = np.array([accepted[v] for v in voters])
    out, missing = [], 0
    for sub in arrivals:
        if not sub["times"]:
            missing += len(voters)
            continue
        marks = np.maximum.accumulate(np.array(sub[key], dtype=np.int64))
        times = np.array(sub["times"])
        idx = np.searchsorted(marks, seq, side="left")
        hit = idx < len(marks)
        missing += int((~hit).sum())
        out.append(np.maximum(times[idx[hit]] - ok_at[hit], 0.0))
    return (np.concatenate(out) if out else np.array([])), missing


async def main(args: argparse.Namespace) -> None:
    async with bench_environment() as environment:
        await measure(environment, args)


async def measure(environment: BenchEnvironment, args: argparse.Namespace) -> None:
    settings, tmp = environment.settings, environment.tmp
    sut = System(settings)
    await sut.start("relay", "projection:tallies", "projection:proposals", "api")
    ctx = mp.get_context("spawn")
    stop, ready, out = ctx.Event(), ctx.Value("i", 0), ctx.Queue()
    children: list[Any] = []
    driver: Any = None
    try:
        flow = Flow(sut)
        voters = [f"bench-{i}" for i in range(args.ballots)]
        with console.status(f"a process in voting with {len(voters):,} eligible voters"):
            PROPOSALS[:] = await voting_under(flow, tmp, args.rule, 1_000_000, PRICES, voters)
            await sut.wait_ready()
            ok(await flow.http.get(flow.url("/tally")))
            await flow.close()
        url = f"{sut.base_url}/api/v1/processes/{flow.process_id}/tally/stream"
        per = [len(c) for c in np.array_split(np.arange(args.subscribers), args.subscriber_procs)]
        for n in per:
            child = ctx.Process(target=subscribe, args=(url, n, ready, stop, out))
            child.start()
            children.append(child)
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("subscribers connecting", total=args.subscribers)
            deadline = time.monotonic() + 120
            while ready.value < args.subscribers and time.monotonic() < deadline:
                progress.update(task, completed=ready.value)
                await asyncio.sleep(0.2)
        connected = ready.value
        await asyncio.sleep(1)

        requests = encoded_ballots(sut, flow.process_id, voters)
        host, port = sut.base_url.removeprefix("http://").rsplit(":", 1)
        driven, go = ctx.Queue(), ctx.Event()
        driver = ctx.Process(
            target=ballot_driver.run,
            args=(host, int(port), requests, args.rate, args.concurrency, driven, go),
        )
        driver.start()
        assert await asyncio.to_thread(driven.get) == "ready"
        meter = cpu_meter(sut, environment, driver, children)
        whole_server = environment.embedded_postgres
        dsn = settings.require_database_url()
        before = meter.read(await postgres_pids(dsn, whole_server))
        profilers = start_profiles(sut, args.profile)
        go.set()
        outcome: ballot_driver.Outcome = await asyncio.to_thread(driven.get)
        accepted = {voters[i]: at for i, at in outcome.accepted.items()}
        start, offered_end, failed = outcome.start, outcome.offered_end, outcome.failed
        last_ok = max(accepted.values(), default=start)
        seqs = await seqs_of(sut, flow.process_id, voters)
        top = max(seqs.values(), default=0)
        await asyncio.sleep(3)  # the last updates (and the last count of the winners) arrive
        after = meter.read(await postgres_pids(dsn, whole_server))
        stop_profiles(profilers)
        stop.set()
        arrivals = [sub for _ in children for sub in out.get(timeout=120)]
    finally:
        stop.set()
        for child in [*children, driver] if driver is not None else children:
            child.join(30)
        await sut.stop()

    scores, missing = latencies(arrivals, accepted, seqs, "versions")
    winners, missing_winners = latencies(arrivals, accepted, seqs, "outcomes")
    events = [len(s["times"]) for s in arrivals]
    errors = [s["error"] for s in arrivals if s["error"]]
    up_to_date = sum(1 for s in arrivals if s["versions"] and max(s["versions"]) >= top)
    http = np.array(outcome.from_send)
    waited = np.array(outcome.from_due)
    table = Table(title="Live tally: ballot 2xx → SSE update (this machine, one API process)")
    table.add_column("what")
    table.add_column("figure", justify="right")
    rows = [
        ("rule", args.rule),
        (
            "ballots offered / accepted / refused",
            f"{len(voters):,} / {len(accepted):,} / {failed:,}",
        ),
        ("offered rate (target)", f"{args.rate:,.0f} ballots/s"),
        (
            "offered rate (achieved)",
            f"{len(voters) / max(offered_end - start, 1e-9):,.0f} ballots/s",
        ),
        (
            "accepted rate (achieved)",
            f"{len(accepted) / max(last_ok - start, 1e-9):,.0f} ballots/s",
        ),
        ("ballot HTTP p50 / p99 (send → 2xx)", f"{pct(http, 50)} / {pct(http, 99)}"),
        ("ballot p50 / p99 (due → 2xx, with the wait)", f"{pct(waited, 50)} / {pct(waited, 99)}"),
        (
            "answers by status",
            ", ".join(f"{k}: {v:,}" for k, v in sorted(outcome.statuses.items())),
        ),
        ("subscribers asked / connected", f"{args.subscribers:,} / {connected:,}"),
        ("subscribers that saw the last ballot", f"{up_to_date:,}"),
        ("subscriber errors", f"{len(errors)}" + (f" (first: {errors[0]})" if errors else "")),
        ("SSE events per subscriber (median)", f"{int(np.median(events)) if events else 0}"),
        ("(ballot, subscriber) pairs measured", f"{len(scores):,} ({missing:,} never arrived)"),
        ("scores: p50 / p90", f"{pct(scores, 50)} / {pct(scores, 90)}"),
        ("scores: p99 / max", f"{pct(scores, 99)} / {pct(scores, 100)}"),
        ("winners: p50 / p99", f"{pct(winners, 50)} / {pct(winners, 99)}"),
        ("winners: max", f"{pct(winners, 100)} ({missing_winners:,} never arrived)"),
    ]
    for what, figure in rows:
        table.add_row(what, figure)
    console.print(table)
    console.print(cpu_table(CpuMeter.spent(before, after), len(accepted)))
    goal = "met" if len(scores) and np.percentile(scores, 99) < 0.1 else "not met"
    console.print(f"goal p99 < 100 ms (scores): {goal} at this size")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--ballots", type=int, default=2000)
    parser.add_argument("--rule", default="greedy")
    parser.add_argument("--concurrency", type=int, default=64, help="ballots in flight at most")
    parser.add_argument("--subscriber-procs", type=int, default=1)
    parser.add_argument(
        "--profile", type=Path, default=None, help="py-spy each service into this directory"
    )
    asyncio.run(main(parser.parse_args()))
