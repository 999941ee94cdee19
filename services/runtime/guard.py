"""`python -m services.runtime.guard PID PGDATA`: stop PostgreSQL when `samskab run` is gone.

PostgreSQL, started through pg_ctl, is not a child of the supervisor, so the kernel does not
stop it with the supervisor's children. The supervisor starts this guard with the read end of a
pipe as its stdin and keeps the write end; the pipe closes when the supervisor exits, however it
exits. Then the guard stops the postmaster `PID` — if it is still the PostgreSQL of `PGDATA`
(after a clean shutdown it is already gone, and the guard just exits).
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from services.runtime.lifetime import postmaster_of, stop_postmaster


def main(argv: list[str]) -> int:
    pid, pgdata = int(argv[0]), Path(argv[1])
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while sys.stdin.buffer.read(4096):
        pass  # nothing is ever written: wait for the end of the pipe
    postmaster = postmaster_of(pgdata)
    if postmaster is not None and postmaster.pid == pid:
        stop_postmaster(postmaster)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
