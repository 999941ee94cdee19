"""CPU time per process, read from /proc, so a bench can say where the time of a run went.

A `CpuMeter` is given named groups of processes (a group is a function returning pids, asked
at each reading, so processes that come and go are followed). `read()` takes a reading;
`spent(before, after)` gives each group's CPU seconds between two readings. A process that
started in between counts from zero; one that ended in between is missed (its time is lost
with it), which the bench avoids by reading before anything it measures stops.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import asyncpg

TICKS = os.sysconf("SC_CLK_TCK")

Reading = dict[str, dict[int, float]]


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of `pid` (its threads included), or None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # the name may hold spaces and parentheses
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime and stime (fields 14 and 15)


class CpuMeter:
    def __init__(self) -> None:
        self.groups: dict[str, Callable[[], list[int]]] = {}

    def add(self, name: str, pids: Callable[[], list[int]]) -> None:
        self.groups[name] = pids

    def read(self, extra: dict[str, list[int]] | None = None) -> Reading:
        """A reading of every group; `extra` adds pids known only now (e.g. from a query)."""
        reading: Reading = {}
        for name, pids in self.groups.items():
            found = set(pids()) | set((extra or {}).get(name, []))
            seconds = {pid: s for pid in found if (s := cpu_seconds(pid)) is not None}
            reading[name] = seconds
        return reading

    @staticmethod
    def spent(before: Reading, after: Reading) -> dict[str, float]:
        return {
            name: sum(s - before.get(name, {}).get(pid, 0.0) for pid, s in now.items())
            for name, now in after.items()
        }


async def postgres_pids(dsn: str, whole_server: bool) -> dict[str, list[int]]:
    """The backends of `dsn`'s database; with `whole_server` (a server of the bench's own) also
    the server's background processes (WAL writer, checkpointer, …), which on a shared server
    would count other users' work."""
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "select pid, datname = current_database() as ours from pg_stat_activity"
        )
    finally:
        await conn.close()
    groups: dict[str, list[int]] = {"PostgreSQL backends": [r["pid"] for r in rows if r["ours"]]}
    if whole_server:
        groups["PostgreSQL server processes"] = [r["pid"] for r in rows if r["ours"] is None]
        groups["PostgreSQL server processes"] += _postmaster(rows[0]["pid"]) if rows else []
    return groups


def _postmaster(backend: int) -> list[int]:
    """The postmaster is every backend's parent (it is not in pg_stat_activity)."""
    stat = Path(f"/proc/{backend}/stat").read_text()
    return [int(stat[stat.rindex(")") + 2 :].split()[1])]
