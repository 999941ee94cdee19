"""The live tally over HTTP: a snapshot, and a Server-Sent Events stream of snapshots.

Both answer only a caller who may see the tally now (`results_visible`): while a process's
live results are not public, citizens and anonymous callers get a 403 until results are
published.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent

from events.base import Role
from events.budgeting_common import Phase
from services.api.budgeting.edge import schema
from services.api.budgeting.tally import read as tally_read
from services.api.budgeting.tally.hub import TallyHub
from services.api.budgeting.tally.read import TallySnapshot
from services.api.deps import MaybePrincipal, pool
from services.api.refusals import Refused, language_of
from services.application.budgeting import process_not_found
from services.domain.budgeting.live_tally import results_visible
from services.texts.request import RequestMsg

router = APIRouter(prefix="/api/v1/processes", tags=["tally"])


async def viewer(request: Request, process_id: UUID, principal: MaybePrincipal) -> Role | None:
    """The caller's role, once it is clear they may see this process's tally now."""
    row = await tally_read.process_row(pool(request), process_id)
    if row is None:
        raise process_not_found()
    role = principal.role if principal is not None else None
    if not results_visible(role, Phase(row["phase"]), row["live_results_public"]):
        raise Refused(RequestMsg.RESULTS_EMBARGOED)
    return role


Viewer = Annotated[Role | None, Depends(viewer)]


OUTCOME_WAIT = 2.0
"""Seconds a snapshot waits for its winners to be counted before it answers with older ones."""


@router.get("/{process_id}/tally", response_model=TallySnapshot)
async def get_tally(process_id: UUID, request: Request, role: Viewer) -> TallySnapshot:
    """Per budget: ballots counted, each proposal's score and the current winners under the
    process's rule (`selected`), as of `version` / `as_of`."""
    read = await tally_read.snapshot(pool(request), process_id)
    if read is None:
        raise process_not_found()
    snap, inp = read
    hub: TallyHub = request.app.state.tally_hub
    outcome = await hub.outcomes.wait(process_id, snap.version, inp, OUTCOME_WAIT)
    return tally_read.with_outcome(snap, outcome)


def _last_event_id(value: str | None) -> int:
    try:
        return max(int(value or 0), 0)
    except ValueError:
        return 0


@router.get("/{process_id}/tally/stream", response_class=EventSourceResponse)
async def stream_tally(
    process_id: UUID,
    request: Request,
    role: Viewer,
    last_event_id: Annotated[str | None, Header()] = None,
) -> AsyncIterator[ServerSentEvent]:
    """Server-Sent Events `tally`: the current snapshot (unless `Last-Event-ID` already has it),
    then a new one as soon as the tallies projection has committed a change (changes committed
    while the hub reads come as one); `id` is the snapshot's version. An `embargoed` event
    ends the stream if the caller may no longer see it."""
    hub: TallyHub = request.app.state.tally_hub
    yield ServerSentEvent(retry=2000, comment="samskab live tally")
    async for snap in hub.updates(process_id, _last_event_id(last_event_id)):
        if not results_visible(role, Phase(snap.phase), snap.live_results_public):
            embargoed = Refused(RequestMsg.RESULTS_EMBARGOED)
            body: dict[str, Any] = {
                "error": embargoed.error,
                "detail": embargoed.text(language_of(request.headers)),
                "code": embargoed.code,
            }
            yield ServerSentEvent(event="embargoed", data=body, id=str(snap.version))
            return
        yield ServerSentEvent(event="tally", data=snap, id=str(snap.version))


OUTCOME_STATUSES = ("funded", "not_funded")


async def outcome_hidden(request: Request, process_id: UUID, principal: MaybePrincipal) -> bool:
    """Whether the caller must not yet see the outcome (funded / not funded, amounts), which
    would tell the tally: the same embargo as the tally itself. Should the tallies read model
    not know the process yet (it lags or is not running), the overview's phase and embargo
    decide, so a lagging projection never shows what it should hide."""
    db = pool(request)
    row = await tally_read.process_row(db, process_id)
    if row is None:
        row = await db.fetchrow(
            f"select phase, live_results_public from {schema('processes')}.processes "
            "where process_id = $1",
            process_id,
        )
    if row is None:
        return False  # no such process: there is no outcome to hide
    role = principal.role if principal is not None else None
    return not results_visible(role, Phase(row["phase"]), row["live_results_public"])


OutcomeHidden = Annotated[bool, Depends(outcome_hidden)]
