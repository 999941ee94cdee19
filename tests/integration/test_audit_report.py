"""`samskab audit report` after a realistic process through HTTP (real PostgreSQL, the API as a
child process): the page shows the decided projects, the deviation and its reason, the ballots
per channel as they were cast, and the hash of the process's last event in the store."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from events.base import Role
from services.audit.report_html import kroner
from services.platform import db
from services.platform.settings import Settings
from tests.flows import AREAS, DEVIATION, ok, run_story
from tests.system import System


@pytest.fixture
async def system(settings: Settings) -> AsyncIterator[System]:
    sut = System(settings)
    await sut.start("api")
    yield sut
    await sut.stop()


async def cli(sut: System, *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.cli.main",
        "audit",
        "report",
        *args,
        env={**sut.env(), "COLUMNS": "300"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


class Rows(HTMLParser):
    """The text of every table row of a page, cell by cell."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def rows_of(page: str) -> list[list[str]]:
    parser = Rows()
    parser.feed(page)
    return parser.rows


async def stored(sut: System, process_id: str) -> tuple[list[dict[str, Any]], int, str, int]:
    """The decided allocations, and the seq and hash of the process's last event and how many
    events it has, as the event store holds them."""
    conn = await db.connect(sut.settings.require_database_url())
    try:
        decided = await conn.fetch(
            "select data from eventstore.events where key = $1 and type = 'AllocationDecided' "
            "order by seq",
            process_id,
        )
        last = await conn.fetchrow(
            "select seq, hash, (select count(*) from eventstore.events where key = $1) as n "
            "from eventstore.events where key = $1 order by seq desc limit 1",
            process_id,
        )
    finally:
        await conn.close()
    assert last is not None
    return [r["data"] for r in decided], last["seq"], last["hash"], last["n"]


async def test_the_report_of_a_closed_process_matches_what_happened_and_the_store(
    system: System, tmp_path: Path
) -> None:
    story = await run_story(system, tmp_path)
    pid = story.process_id
    decided, *_ = await stored(system, pid)
    torring = next(d for d in decided if d["local_area"] == "Tørring")
    paid = torring["funded"][0]
    code, provisional, _ = await cli(system, pid, "--out", "-")
    assert code == 0
    assert "Foreløbig: processen er i fasen «resultater offentliggjort»" in provisional
    url = f"/api/v1/processes/{pid}"
    async with system.client(Role.ADMIN, "anna.admin") as admin:
        body = {"proposal_id": paid["proposal_id"], "amount": 25_000, "reference": "FAK-77"}
        ok(await admin.post(f"{url}/ledger/Tørring/disbursements", json=body))
        ok(await admin.post(f"{url}/phase", json={"to_phase": "closed"}))
    decided, last_seq, last_hash, count = await stored(system, pid)

    out = tmp_path / "rapport.html"
    code, printed, errors = await cli(system, pid, "--out", str(out))
    assert code == 0, errors
    assert f"last hash {last_hash}" in printed and f"{count} events" in printed
    page = out.read_text(encoding="utf-8")
    assert "Endelig: processen er afsluttet." in page
    # the decided projects and amounts, the deviation and its reason
    assert {d["local_area"] for d in decided} == set(AREAS)
    for d in decided:
        for f in d["funded"]:
            assert f["proposal_id"] in page and kroner(f["amount_ore"], "da") in page
    juelsminde = next(d for d in decided if d["local_area"] == "Juelsminde")
    assert not juelsminde["confirmed"] and juelsminde["reason"] == DEVIATION
    assert DEVIATION in page and "Besluttet med afvigelse fra forslaget" in page
    assert "Besluttet: forslaget bekræftet" in page
    assert "FAK-77" in page and "25.000,00 kr." in page
    # active ballots per channel: what the flow cast (web, paper, assisted, total)
    rows = rows_of(page)
    total = next(r for r in rows if r[0] == "I alt" and len(r) == 7)
    expected = [story.ballots.get(c, 0) for c in ("web", "paper", "assisted")]
    assert [int(v) for v in total[2:6]] == [*expected, sum(expected)]
    assert int(total[1]) == len(story.voters)
    per_area = {r[0]: [int(v) for v in r[2:6]] for r in rows if r[0] in AREAS and len(r) == 7}
    assert per_area == {"Tørring": [3, 3, 0, 6], "Juelsminde": [6, 0, 0, 6]}
    # the phases in order, and the last event: its seq and hash in the store
    phases = [r[2] for r in rows if len(r) == 6 and r[4] in ("oprettet", "manuelt")]
    assert phases[0] == "idéindsamling" and phases[-1] == "afsluttet"
    integrity = {r[0]: r[1] for r in rows if len(r) == 2}
    assert integrity["Hændelser i rapporten"] == str(count)
    assert integrity["Første og sidste nr."].endswith(f"–{last_seq}")
    assert integrity["Hash af sidste hændelse"] == last_hash

    code, english, _ = await cli(system, pid, "--lang", "en", "--out", "-")
    assert code == 0 and "Final: the process is closed." in english and last_hash in english


async def test_a_malformed_or_unknown_process_id_or_language_is_refused_and_nothing_written(
    settings: Settings, tmp_path: Path
) -> None:
    system = System(settings)  # the event store only: no service runs
    out = tmp_path / "nothing.html"
    code, _, errors = await cli(system, "not-a-uuid", "--out", str(out))
    assert code == 2 and "must be a process id" in errors
    unknown = str(uuid4())
    code, _, errors = await cli(system, unknown, "--out", str(out))
    assert code == 2 and f"no process {unknown}" in errors
    code, _, errors = await cli(system, unknown, "--lang", "de", "--out", str(out))
    assert code == 2 and "unknown language" in errors
    assert not out.exists()
