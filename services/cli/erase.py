"""`samskab erase SUBJECT`: erase a person's personal data (GDPR art. 17).

Destroys the subject's personal-data key, deletes what was sealed under it, and records a
`SubjectErased` event — in one transaction, so the log says exactly what was done. The
immutable log keeps only the keyed pseudonym; every sealed field it points to reads as erased
from then on, while ballots, tallies, rosters and counts stay as they were.
"""

from __future__ import annotations

import asyncio
import getpass
from typing import Annotated, Any
from uuid import uuid4

import typer
from rich.console import Console

from services.cli.common import DataDir, Refused
from services.platform.settings import PseudonymKey

out = Console()
err = Console(stderr=True)


async def erase(dsn: str, subject: str, actor_subject: str) -> tuple[int, int, int]:
    """Erase `subject` (a pseudonym); (keys destroyed, records deleted, seq of the event)."""
    from datetime import UTC, datetime

    from events.base import Actor, Role
    from services.domain.privacy import SUBJECT_INITIAL, EraseSubject, decide_subject
    from services.domain.privacy import subject_stream as stream_of
    from services.personal_data import erase_in
    from services.platform import db
    from services.store.eventstore import EventStore, PendingEvent

    pool = await db.create_pool(dsn, min_size=1, max_size=2)
    store = EventStore(pool)
    counts: list[int] = []
    try:

        async def work(conn: Any, version: int) -> list[PendingEvent]:
            keys, records = await erase_in(conn, subject)
            counts[:] = [keys, records]
            now = datetime.now(UTC)
            actor = Actor(subject=actor_subject, role=Role.ADMIN)
            # the stream's history does not change the decision; see services/domain/privacy
            events = decide_subject(EraseSubject(subject, keys, records), SUBJECT_INITIAL)
            return [PendingEvent(e, uuid4(), now, actor, uuid4()) for e in events]

        stored = await store.append_with(stream_of(subject), work)
        return counts[0], counts[1], stored[-1].seq
    finally:
        await pool.close()


def erase_command(
    subject: Annotated[str, typer.Argument(help="the person's user name (as in their token)")],
    is_pseudonym: Annotated[
        bool, typer.Option("--pseudonym", help="SUBJECT is already the keyed pseudonym")
    ] = False,
    by: Annotated[
        str | None, typer.Option("--by", help="the administrator doing it (default: OS user)")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Erase SUBJECT's personal data: destroy their key, record the erasure."""
    from services.auth import pseudonym
    from services.cli.common import existing_pseudonym_key, settings_for
    from services.domain.errors import CommandRejected
    from services.texts.rejections import rejection_text

    subject = subject.strip()
    if not subject:
        raise Refused("SUBJECT is empty")
    settings = settings_for(PseudonymKey, data_dir, database=True)
    key = existing_pseudonym_key(settings)
    assert settings.database_url is not None
    target = subject if is_pseudonym else pseudonym(key, subject)
    operator = pseudonym(key, by or getpass.getuser())
    try:
        destroyed, records, seq = asyncio.run(erase(settings.database_url, target, operator))
    except CommandRejected as exc:
        raise Refused(f"{rejection_text(exc, 'en')}; nothing was erased") from exc
    if destroyed:
        out.print(
            f"erased {target}: {destroyed} key destroyed, {records} sealed records deleted; "
            f"recorded as event {seq}",
            highlight=False,
        )
    else:
        out.print(
            f"{target} had no personal data left to erase; the request is recorded as event {seq}",
            highlight=False,
        )
