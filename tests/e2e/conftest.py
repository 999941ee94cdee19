"""What the end-to-end tests share: Debian's headless Chromium (through Playwright), and the
`samskab` command installed as a newcomer installs it, with directories of its own."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright

from tests.e2e.environment import EMBEDDED_ENV, REPO

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield await browser.new_page(viewport={"width": 1280, "height": 720})
        finally:
            await browser.close()


@pytest.fixture(scope="module")
def own_dir() -> Iterator[Path]:
    """A directory of this module's own, outside pytest's rotating temporary directories: the
    environment and the PostgreSQL data in it live as long as the test does."""
    with tempfile.TemporaryDirectory(prefix="samskab-fresh-") as name:
        yield Path(name)


@pytest.fixture
def tmp_path(own_dir: Path, request: pytest.FixtureRequest) -> Path:
    path = own_dir / request.node.name
    path.mkdir()
    return path


@pytest.fixture(scope="module")
def samskab(own_dir: Path) -> Path:
    """The `samskab` command of the project installed as `pip install .` does it: no extras, in
    a virtual environment of its own."""
    venv = own_dir / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", str(REPO)],
        check=True,
        capture_output=True,
        env=EMBEDDED_ENV,
    )
    return venv / "bin" / "samskab"
