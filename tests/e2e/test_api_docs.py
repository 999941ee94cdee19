"""The API documentation in a real browser (Debian's headless Chromium) with every request to
another host refused, as on a machine without internet: Swagger UI at /docs and ReDoc at /redoc
come from the API itself and list the operations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Page, Route, expect

from services.platform.settings import Settings
from tests.system import System


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[System]:
    sut = System(settings)
    await sut.start("api")
    yield sut
    await sut.stop()


async def offline(page: Page) -> list[tuple[str, str]]:
    """Refuse every request that leaves this machine; the list names each one refused (its
    resource type and URL)."""
    refused: list[tuple[str, str]] = []

    async def only_local(route: Route) -> None:
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            await route.continue_()
        else:
            refused.append((route.request.resource_type, route.request.url))
            await route.abort("internetdisconnected")

    await page.route("**/*", only_local)
    return refused


async def test_swagger_ui_at_docs_lists_the_operations_with_no_request_leaving_the_machine(
    api: System,
    page: Page,
) -> None:
    refused = await offline(page)
    await page.goto(f"{api.base_url}/docs")
    submit = page.locator('.opblock-post[id*="submit_proposal"] .opblock-summary-path')
    await expect(submit).to_have_attribute("data-path", "/api/v1/processes/{process_id}/proposals")
    assert await page.locator(".opblock").count() > 50
    await expect(page.locator(".info .title")).to_contain_text("Samskab API")
    assert refused == []


async def test_redoc_at_redoc_lists_the_operations_with_no_request_leaving_the_machine(
    api: System,
    page: Page,
) -> None:
    refused = await offline(page)
    await page.goto(f"{api.base_url}/redoc")
    # ReDoc renders the whole document before its first heading appears: on a loaded machine
    # that takes longer than playwright's 5 s default (a wait, not a speed target)
    await expect(page.locator("h1").first).to_contain_text("Samskab API", timeout=60_000)
    operations = page.locator('[data-section-id^="operation/"]')
    await expect(operations.first).to_be_attached()
    assert await operations.count() > 50
    # ReDoc's own attribution badge is the one thing it fetches from its CDN; the page does
    # not need it, and without it nothing else is missing (no script, style or font)
    assert [url for kind, url in refused if kind != "image"] == []
