"""Time each tally rule, ours against pabutools, on the largest Pabulib elections.

    python bench/bench_tally.py [--files NAME ...] [--rules RULE ...] [--peer-timeout S]

Every measurement runs in a fresh child process, so peak memory (the child's maximum resident
set) is comparable. Seconds are for counting only, after the file is read; reading is shown
separately. pabutools is run on its plain profile and on its multiprofile (identical ballots
stored once); the table shows the better of the two. A peer run that exceeds the timeout is
reported as a lower bound. pabutools is only needed here and in tests, never at run time.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
PABULIB = REPO.parent / "shared" / "pabulib"
LARGEST = (
    "Poland_Warszawa_2026.pb",
    "Poland_Wroclaw_2017.pb",
    "Poland_Krakow_2021.pb",
    "Poland_Katowice_2020.pb",
)
RULES = ("greedy", "mes-plain", "mes", "mes-add1", "phragmen")


def measure_ours(path: Path, rule: str) -> dict[str, float]:
    """Child process: read and count with our engine."""
    sys.path.insert(0, str(REPO))
    from services.tally import Rule, read_pabulib, tally

    start = time.perf_counter()
    election = read_pabulib(path)
    read = time.perf_counter() - start
    start = time.perf_counter()
    tally(election, Rule(rule))
    return {"read": read, "seconds": time.perf_counter() - start}


def measure_peer(path: Path, rule: str, form: str) -> dict[str, float]:
    """Child process: read and count with pabutools (plain or multiprofile)."""
    sys.path.insert(0, str(REPO))
    from tests.oracle import pabutools_outcome, read_with_pabutools

    start = time.perf_counter()
    instance, profile = read_with_pabutools(path, multiprofile=form == "multi")
    read = time.perf_counter() - start
    start = time.perf_counter()
    pabutools_outcome(instance, profile, rule)
    return {"read": read, "seconds": time.perf_counter() - start}


def child(args: list[str], timeout: float) -> dict[str, float] | None:
    """Run one measurement in a child; None when it timed out or failed."""
    command = [sys.executable, __file__, "--child", *args]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        return None
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", nargs="*", default=list(LARGEST))
    parser.add_argument("--rules", nargs="*", default=list(RULES))
    parser.add_argument("--peer-timeout", type=float, default=600.0)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        who, name, rule, form = options.child
        path = PABULIB / name
        result = measure_ours(path, rule) if who == "ours" else measure_peer(path, rule, form)
        result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    run(options.files, options.rules, options.peer_timeout)


def run(files: list[str], rules: list[str], timeout: float) -> None:
    table = Table(title="Tally: ours vs pabutools 1.2.3 (seconds to count, after reading)")
    for column in (
        "file",
        "rule",
        "ours s",
        "ours MB",
        "read s",
        "peer s",
        "peer MB",
        "peer",
        "ratio",
    ):
        table.add_column(
            column, justify="right" if column not in ("file", "rule", "peer") else "left"
        )
    jobs = [(name, rule) for name in files for rule in rules]
    with Progress() as progress:
        task = progress.add_task("benchmarking", total=len(jobs))
        for name, rule in jobs:
            progress.update(task, description=f"{name} {rule}")
            table.add_row(*row(name, rule, timeout))
            progress.advance(task)
    Console(width=140).print(table)


def row(name: str, rule: str, timeout: float) -> list[str]:
    ours = child(["ours", name, rule, "-"], timeout)
    if ours is None:
        return [name, rule, "n/a", "", "", "", "", "not applicable", ""]
    peers = {form: child(["peer", name, rule, form], timeout) for form in ("plain", "multi")}
    finished = {form: r for form, r in peers.items() if r is not None}
    if not finished:
        return [
            name, rule, f"{ours['seconds']:.3f}", f"{ours['peak_mb']:.0f}", f"{ours['read']:.2f}",
            f">{timeout:.0f}", "", "timed out", f">{timeout / ours['seconds']:.0f}x",
        ]  # fmt: skip
    form, best = min(finished.items(), key=lambda item: item[1]["seconds"])
    return [
        name, rule, f"{ours['seconds']:.3f}", f"{ours['peak_mb']:.0f}", f"{ours['read']:.2f}",
        f"{best['seconds']:.2f}", f"{best['peak_mb']:.0f}", form,
        f"{best['seconds'] / ours['seconds']:.0f}x",
    ]  # fmt: skip


if __name__ == "__main__":
    main()
