"""The command line run from another directory against a system's data directory: it finds the
database and the keys there (`--data-dir` or SAMSKAB_DATA_DIR), and a mistake is one line on
stderr with exit status 2, with nothing created."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path

import asyncpg
import pytest

from services.platform.settings import Settings
from services.runtime import connection
from services.runtime.embedded import dsn_with_database
from tests.conftest import PABULIB

# Nothing of the test's own environment leaks in: each command gets what a user's shell has.
CLEAN_ENV = {
    k: v
    for k, v in os.environ.items()
    if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS") and not k.startswith("SAMSKAB_")
}
REPO = Path(__file__).resolve().parents[2]
UNKNOWN = str(uuid.UUID("5f3c1e0a-8b7d-4c2e-9a61-0d4b7e2f9c13"))


async def samskab(cwd: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.cli.main",
        *args,
        cwd=cwd,
        env={**CLEAN_ENV, "PYTHONPATH": str(REPO), **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """An empty working directory, not the checkout and not the data directory."""
    where = tmp_path / "elsewhere"
    where.mkdir()
    return where


@pytest.fixture
def census_file(tmp_path: Path) -> Path:
    files = tmp_path / "files"
    files.mkdir()
    path = files / "census.csv"
    path.write_text("voter_id,local_area,birth_date\nv1,Tørring,1970-01-01\n")
    return path


async def event_count(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval("select count(*) from eventstore.events"))
    finally:
        await conn.close()


def is_empty(directory: Path) -> bool:
    return not any(directory.iterdir())


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got {text!r}"
    return lines[0]


DATABASE_COMMANDS = {
    "migrate": ["migrate"],
    "dlq list": ["dlq", "list"],
    "dlq retry": ["dlq", "retry", "--projection", "proposals"],
    "erase": ["erase", "bo"],
    "tally": ["tally", UNKNOWN],
    "export pabulib": ["export", "pabulib", UNKNOWN, "Tørring"],
    "audit export": ["audit", "export"],
    "audit report": ["audit", "report", UNKNOWN],
    "audit verify": ["audit", "verify"],
    "replay": ["replay", "--all"],
}


@pytest.mark.parametrize("command", DATABASE_COMMANDS)
async def test_a_database_command_without_a_database_says_where_it_looked_in_one_line(
    command: str, elsewhere: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "nothing-here"
    code, _, err = await samskab(
        elsewhere, *DATABASE_COMMANDS[command], "--data-dir", str(data_dir)
    )
    assert code == 2, err
    line = one_line(err)
    assert "DATABASE_URL is not set" in line and str(data_dir) in line
    assert "Traceback" not in err
    assert is_empty(elsewhere) and not data_dir.exists()


async def test_census_import_without_a_database_says_so_in_one_line(
    elsewhere: Path, census_file: Path
) -> None:
    code, _, err = await samskab(
        elsewhere, "census", "import", str(census_file), "--process", UNKNOWN
    )
    assert code == 2
    assert "DATABASE_URL is not set" in one_line(err)
    assert str(elsewhere / ".samskab") in err  # the same default as `samskab run`
    assert is_empty(elsewhere)


@pytest.mark.parametrize("command", ["census", "erase", "pabulib"])
async def test_a_command_that_finds_no_keys_refuses_in_one_line_and_creates_nothing(
    command: str, database: str, elsewhere: Path, census_file: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "no-keys"
    args = {
        "census": ["census", "import", str(census_file), "--process", UNKNOWN],
        "erase": ["erase", "bo"],
        "pabulib": ["import", "pabulib", str(PABULIB / "Poland_Czestochowa_2020_Grabowka.pb")],
    }[command]
    before = await event_count(database)
    code, _, err = await samskab(
        elsewhere, *args, "--data-dir", str(data_dir), env={"DATABASE_URL": database}
    )
    assert code == 2, err
    assert one_line(err) == (
        f"samskab: no keys in {data_dir / 'keys'}: start `samskab run` with this data directory "
        "first, or pass the --data-dir it uses"
    )
    assert not data_dir.exists() and is_empty(elsewhere)
    assert await event_count(database) == before


async def test_commands_find_the_database_and_keys_of_a_running_system_by_its_data_directory(
    settings: Settings, elsewhere: Path, tmp_path: Path
) -> None:
    database = settings.require_database_url()
    data_dir = tmp_path / "run-data"
    data_dir.mkdir()
    connection.write(  # as `samskab run` leaves it
        data_dir,
        {"DATABASE_URL": database, "KAFKA_BOOTSTRAP_SERVERS": settings.require_bootstrap()},
    )
    code, _, err = await samskab(
        elsewhere,
        "token",
        "create",
        "--role",
        "admin",
        "--subject",
        "anna",
        "--data-dir",
        str(data_dir),
    )
    assert code == 0, err
    assert sorted(p.name for p in (data_dir / "keys").iterdir()) == ["pseudonym.key", "signing.key"]
    before = await event_count(database)

    code, out, err = await samskab(elsewhere, "erase", "bo", "--data-dir", str(data_dir))
    assert code == 0, err
    assert "recorded as event" in out
    assert await event_count(database) == before + 1

    code, out, err = await samskab(
        elsewhere,
        "dlq",
        "list",
        env={
            "SAMSKAB_DATA_DIR": str(data_dir),
            "SAMSKAB_TOPIC_PREFIX": settings.topic_prefix,
            "COLUMNS": "200",
        },
    )
    assert code == 0, err
    assert "0 dead letters" in out
    assert is_empty(elsewhere)


async def test_an_unknown_process_is_one_line_and_exit_2_with_nothing_recorded(
    database: str, elsewhere: Path, census_file: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "run-data"
    data_dir.mkdir()
    connection.write(data_dir, {"DATABASE_URL": database})
    await samskab(
        elsewhere,
        "token",
        "create",
        "--role",
        "admin",
        "--subject",
        "a",
        "--data-dir",
        str(data_dir),
    )
    before = await event_count(database)
    code, _, err = await samskab(
        elsewhere,
        "census",
        "import",
        str(census_file),
        "--process",
        UNKNOWN,
        "--data-dir",
        str(data_dir),
    )
    assert code == 2
    line = one_line(err)
    assert UNKNOWN in line and "nothing was imported" in line
    assert await event_count(database) == before


async def test_a_census_file_that_cannot_be_read_is_one_line_and_exit_2(
    elsewhere: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.csv"
    code, _, err = await samskab(elsewhere, "census", "import", str(missing), "--process", UNKNOWN)
    assert code == 2
    assert one_line(err) == f"samskab: cannot read {missing}: No such file or directory"


async def test_a_database_that_cannot_be_reached_or_does_not_exist_is_one_line_and_exit_2(
    database: str, elsewhere: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "stale"
    data_dir.mkdir()
    connection.write(data_dir, {"DATABASE_URL": "postgresql://postgres@127.0.0.1:9/samskab"})
    code, _, err = await samskab(elsewhere, "migrate", "--data-dir", str(data_dir))
    assert code == 2
    assert one_line(err).startswith("samskab: cannot connect: ")
    assert "127.0.0.1" in err
    missing = dsn_with_database(database, "samskab_no_such_database")
    code, _, err = await samskab(elsewhere, "migrate", env={"DATABASE_URL": missing})
    assert code == 2
    assert one_line(err) == (
        'samskab: cannot reach the database: database "samskab_no_such_database" does not exist'
    )
