"""`/live/{process_id}`: the page for the screen at the citizen meeting.

Self-contained (inline CSS and JavaScript, nothing from elsewhere). It follows the tally's
Server-Sent Events stream and draws one bar per proposal, the current winners under the
process's rule marked (a green bar and a "✓ Vinder" / "✓ Winner" badge); under an embargo it
shows why there is nothing to see. `?lang=en` for English (Danish by default); an
administrator's or auditor's token may be given in the fragment (`#token=…`), which browsers
never send to the server.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(tags=["tally"])


@cache
def _template() -> str:
    return (Path(__file__).parent / "live.html").read_text(encoding="utf-8")


@router.get("/live/{process_id}", response_class=HTMLResponse)
async def live_page(process_id: UUID) -> HTMLResponse:
    html = _template().replace("__PROCESS_ID__", str(process_id))
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})
