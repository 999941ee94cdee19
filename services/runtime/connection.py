"""`<data-dir>/connection.env`: how to reach the system `samskab run` started from that data
directory, so every other command given the same `--data-dir` finds it from any directory.

Written (owner-only, mode 0600) once PostgreSQL and the broker are up, removed on a clean stop.
Each line is `NAME=value` with the value quoted for a POSIX shell, so the file can be sourced.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

FILE_NAME = "connection.env"
NAMES = ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")


def path_in(data_dir: Path) -> Path:
    return data_dir / FILE_NAME


def exports(values: dict[str, str]) -> list[str]:
    """Lines to paste into a shell: `export DATABASE_URL='…'`."""
    return [f"export {name}={shlex.quote(value)}" for name, value in values.items()]


def write(data_dir: Path, values: dict[str, str]) -> Path:
    path = path_in(data_dir)
    tmp = path.with_name(f".{FILE_NAME}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.writelines(f"{name}={shlex.quote(value)}\n" for name, value in values.items())
    os.replace(tmp, path)
    return path


def read(data_dir: Path) -> dict[str, str]:
    """What the file names (only the known names); empty when there is no file."""
    try:
        text = path_in(data_dir).read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    found: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and name in NAMES:
            parts = shlex.split(value)
            found[name] = parts[0] if parts else ""
    return found


def remove(data_dir: Path) -> None:
    path_in(data_dir).unlink(missing_ok=True)
