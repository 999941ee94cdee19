"""Read the events of one budgeting process from the event store, for the audit report."""

from __future__ import annotations

from uuid import UUID

from events.budgeting_common import TOPIC
from events.envelope import Envelope
from services.platform import db
from services.store.reads import keyed_events


async def process_events(dsn: str, process_id: UUID) -> list[Envelope]:
    """Every stored event whose partition key is the process id (its process, proposal,
    eligibility, ballot, ledger and implementation streams), in seq order, read in one
    statement (one consistent snapshot)."""
    conn = await db.connect(dsn)
    try:
        return await keyed_events(conn, TOPIC, str(process_id))
    finally:
        await conn.close()
