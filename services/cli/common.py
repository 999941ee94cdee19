"""What every command of the `samskab` CLI shares: the data directory option, settings, how a
command finds the database and the keys of a system `samskab run` started, and `Refused` — a
user's mistake, shown by `main` as one line on stderr with exit status 2."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from pydantic import ValidationError

from services.auth import Keys, KeysNotFound, load_keys, load_pseudonym_key
from services.platform.settings import ApiSettings, PseudonymKey, Settings

S = TypeVar("S", bound=Settings)


class Refused(Exception):
    """The command cannot do what was asked; the message (one line) says why. Nothing was
    changed."""


DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Data directory of `samskab run` (default .samskab, or SAMSKAB_DATA_DIR)",
    ),
]


def settings_from_env(kind: type[S], **overrides: object) -> S:
    """The settings of `kind` (the parts the command composes) from the environment, with the
    `overrides` that are not None."""
    try:
        settings = kind()
        updates = {k: v for k, v in overrides.items() if v is not None}
        return kind.model_validate({**settings.model_dump(), **updates}) if updates else settings
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        raise Refused(f"invalid settings: {problems}") from exc


def settings_for(
    kind: type[S], data_dir: Path | None = None, *, database: bool = False, broker: bool = False
) -> S:
    """Settings of `kind` for a command run against the system of `data_dir` (default as
    `samskab run`): DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS from the environment, else from the
    `connection.env` that `samskab run` wrote there. With `database` (`broker`), refuse when
    neither names a database (a broker)."""
    from services.runtime import connection

    settings = settings_from_env(kind, data_dir=data_dir)
    where = settings.data_dir.resolve()
    found = connection.read(where)
    updates = {
        field: found[name]
        for field, name in (
            ("database_url", "DATABASE_URL"),
            ("kafka_bootstrap_servers", "KAFKA_BOOTSTRAP_SERVERS"),
        )
        if getattr(settings, field) is None and name in found and name not in os.environ
    }
    if updates:
        settings = settings.model_copy(update=updates)
    for needed, name, value in (
        (database, "DATABASE_URL", settings.database_url),
        (broker, "KAFKA_BOOTSTRAP_SERVERS", settings.kafka_bootstrap_servers),
    ):
        if needed and value is None:
            raise Refused(
                f"{name} is not set and {connection.path_in(where)} does not name it: "
                f"start `samskab run`, pass the --data-dir it uses, or set {name}"
            )
    return settings


def existing_keys(settings: ApiSettings) -> Keys:
    """The keys configured or made by `samskab run`; never makes new ones."""
    try:
        return load_keys(settings, create=False)
    except KeysNotFound as exc:
        raise _no_keys(exc) from exc


def existing_pseudonym_key(settings: PseudonymKey) -> bytes:
    """The pseudonym key configured or made by `samskab run`; never makes a new one."""
    try:
        return load_pseudonym_key(settings, create=False)
    except KeysNotFound as exc:
        raise _no_keys(exc) from exc


def _no_keys(exc: KeysNotFound) -> Refused:
    return Refused(
        f"no keys in {exc.directory}: start `samskab run` with this data directory first, "
        "or pass the --data-dir it uses"
    )
