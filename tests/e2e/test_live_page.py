"""The live page in a real browser (Debian's headless Chromium, driven by Playwright): ballots
cast through the API move the bars and mark the current winners without a reload; under the
embargo the page says why it shows nothing. A screenshot of each goes to the test's directory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from services.platform.settings import Settings
from tests.integration.test_budgeting_ballots import to_voting
from tests.integration.test_budgeting_process import Flow, ok
from tests.integration.test_live_tally import cast, caught_up
from tests.system import System


@pytest.fixture
async def system(settings: Settings) -> AsyncIterator[System]:
    sut = System(settings)
    await sut.start(
        "relay", "projection:tallies", "projection:proposals", "projection:processes", "api"
    )
    yield sut
    await sut.stop()


async def test_the_live_page_moves_its_bars_and_marks_the_winners_as_ballots_arrive(
    system: System, page: Page, tmp_path: Path
) -> None:
    flow = Flow(system)
    try:
        voters = [f"hall-{i}" for i in range(5)]
        # 1,000,000 kr.: the second (more votes) wins, the first no longer fits (greedy)
        prices = [600_000, 500_000]
        ids = await to_voting(flow, tmp_path, {"format": "approval"}, prices, voters)
        public = {"public": True}
        ok(await flow.http.put(flow.url("/live-results"), json=public, headers=flow.admin))
        await caught_up(flow)

        await page.goto(f"{system.base_url}/live/{flow.process_id}?lang=en")
        first, second = (page.locator(f'[data-proposal="{p}"] .score') for p in ids)
        await expect(first).to_have_text("0")
        await expect(page.locator("h1")).to_have_text("Participatory budget 2026 – Live tally")
        await expect(page.locator("#rule")).to_have_text(
            "Tally rule: most votes first, while the budget lasts"
        )
        await expect(page.locator(".row.winner")).to_have_count(0)  # no ballots, no winners

        for i, voter in enumerate(voters):
            await cast(flow, voter, {"approvals": ids if i < 2 else [ids[1]]})
        await expect(second).to_have_text("5", timeout=60_000)
        await expect(first).to_have_text("2")
        await expect(page.locator("section .meta")).to_contain_text("5 ballots")
        width = await page.locator(f'[data-proposal="{ids[1]}"] .fill').evaluate(
            "e => e.style.width"
        )
        assert width == "100%"
        winner = page.locator(f'[data-proposal="{ids[1]}"]')
        await expect(winner).to_have_class("row winner", timeout=60_000)
        await expect(winner.locator(".badge")).to_have_text("✓ Winner")
        await expect(winner.locator(".badge")).to_be_visible()
        colour = await winner.locator(".fill").evaluate("e => getComputedStyle(e).backgroundColor")
        assert colour == "rgb(26, 127, 55)"  # the winners' green, not the bars' blue
        await expect(page.locator(".row.winner")).to_have_count(1)
        await expect(page.locator(f'[data-proposal="{ids[0]}"] .badge')).to_have_text("")
        await expect(page.locator("section .meta")).to_contain_text("winners: 1 – 500,000 kr. of")
        await page.screenshot(path=tmp_path / "live.png", full_page=True)
        assert (tmp_path / "live.png").stat().st_size > 0

        await page.goto(f"{system.base_url}/live/{flow.process_id}")  # Danish
        await expect(winner.locator(".badge")).to_have_text("✓ Vinder")
        await expect(page.locator("h1")).to_have_text("Borgerbudget 2026 – Live-optælling")
        await expect(page.locator("#rule")).to_have_text(
            "Optællingsregel: flest stemmer først, så længe budgettet rækker"
        )
        await page.screenshot(path=tmp_path / "live-da.png", full_page=True)

        hidden = {"public": False}
        ok(await flow.http.put(flow.url("/live-results"), json=hidden, headers=flow.admin))
        await caught_up(flow)
        await page.goto(f"{system.base_url}/live/{flow.process_id}")
        await expect(page.locator("#message")).to_contain_text("under embargo")
        await expect(page.locator("[data-proposal]")).to_have_count(0)
        await page.screenshot(path=tmp_path / "embargo.png")
    finally:
        await flow.close()
