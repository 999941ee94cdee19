"""The audit trail over HTTP, for auditors and administrators only: filtered, keyset-paginated."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from services.api.deps import Auditor
from services.api.refusals import invalid_field

router = APIRouter(prefix="/api/v1", tags=["audit"])

AUDIT_SCHEMA = "proj_audit"  # the fixed name a replay swaps a rebuilt schema into


class Change(BaseModel):
    before: Any
    after: Any


class Entry(BaseModel):
    seq: int
    occurred_at: datetime
    actor: str
    actor_role: str
    type: str
    version: int
    stream_id: str
    stream_version: int
    summary_da: str
    summary_en: str
    changes: dict[str, Change] | None
    correlation_id: UUID
    causation_id: UUID | None
    hash: str


class Page(BaseModel):
    items: list[Entry]
    next_cursor: str | None


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"seq:{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = text.partition(":")
        if kind != "seq" or not value.isdigit():
            raise ValueError(text)
        return int(value)
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid_field(("query", "cursor"), "cursor_invalid") from exc


@router.get("/audit", response_model=Page)
async def audit_trail(
    request: Request,
    _: Auditor,
    stream: Annotated[str | None, Query(max_length=200, description="stream id")] = None,
    actor: Annotated[str | None, Query(max_length=200, description="actor pseudonym")] = None,
    type: Annotated[str | None, Query(max_length=100, description="event type")] = None,
    from_: Annotated[
        datetime | None, Query(alias="from", description="occurred at or after (ISO 8601)")
    ] = None,
    to: Annotated[datetime | None, Query(description="occurred before (ISO 8601)")] = None,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Page:
    """Entries in global order (seq). Pass `next_cursor` back as `cursor` for the next page."""
    if from_ is not None and to is not None and to <= from_:
        raise invalid_field(("query", "to"), "not_after_from")
    after = decode_cursor(cursor) if cursor else 0
    where = ["seq > $1"]
    args: list[Any] = [after]
    for column, value in (("stream_id", stream), ("actor", actor), ("type", type)):
        if value is not None:
            args.append(value)
            where.append(f"{column} = ${len(args)}")
    if from_ is not None:
        args.append(from_)
        where.append(f"occurred_at >= ${len(args)}")
    if to is not None:
        args.append(to)
        where.append(f"occurred_at < ${len(args)}")
    args.append(limit + 1)
    rows = await request.app.state.pool.fetch(
        f"select * from {AUDIT_SCHEMA}.entries where {' and '.join(where)} "
        f"order by seq limit ${len(args)}",
        *args,
    )
    items = [Entry.model_validate(dict(r)) for r in rows[:limit]]
    more = len(rows) > limit
    return Page(items=items, next_cursor=encode_cursor(items[-1].seq) if more else None)
