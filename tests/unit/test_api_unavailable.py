"""When the event store cannot be reached, the answer is the one refusal body, in the caller's
language, and says nothing was recorded."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from services.api.app import create_app
from services.platform.settings import ApiSettings


class Unreachable:
    """A pool whose database is gone."""

    async def fetch(self, *_: Any) -> Any:
        raise ConnectionRefusedError("connection refused")


@pytest.mark.parametrize(
    ("language", "lang", "detail"),
    [
        (None, "da", "Hændelseslageret kunne ikke nås; intet blev registreret. Prøv igen."),
        ("en", "en", "The event store could not be reached; nothing was recorded. Try again."),
    ],
)
async def test_an_unreachable_store_is_a_503_in_the_callers_language(
    language: str | None, lang: str, detail: str
) -> None:
    app = create_app(ApiSettings())
    app.state.pool = Unreachable()
    headers = {"Accept-Language": language} if language else {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        response = await client.get("/api/v1/processes", headers=headers)
    assert response.status_code == 503
    assert response.headers["Content-Language"] == lang
    assert response.json() == {"error": "unavailable", "detail": detail, "code": "unavailable"}
