"""A realistic, small life of the system through HTTP, for the feed, erasure and report tests:
a budgeting process from ideas to published results (census, web and paper ballots, a decided
allocation with a deviation and its reason) and a volunteer task with named helpers signing up."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx

from events.base import Role
from services.auth import create_token, load_keys
from tests.system import System

AREAS = {"Tørring": 300_000, "Juelsminde": 200_000}
CITIZENS = ["karen.jensen", "lars.nielsen", "mette.hansen", "peter.larsen"]
HELPERS = [
    ("Birgitte Sørensen", "+45 21 43 65 87", "birgitte.soerensen@example.dk"),
    ("Jens Kristensen", "+45 31 52 73 94", "jens.kristensen@example.dk"),
    ("Sofie Andersen", "+45 41 62 83 05", "sofie.andersen@example.dk"),
]
T = TypeVar("T")
DEVIATION = "Byrådet finansierer halvdelen; resten søges fra fonde"


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.request.url}: {response.text}"
    return response.json()


async def eventually(probe: Callable[[], Awaitable[T | None]], what: str, within: float = 60) -> T:
    """Poll `probe` until it returns something (generous deadline; never a timing assertion)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        found = await probe()
        if found is not None:
            return found
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.2)


@dataclass
class Story:
    """What the flow did, for the tests to check against."""

    process_id: str = ""
    proposals: dict[str, str] = field(default_factory=dict)  # id -> area
    voters: list[str] = field(default_factory=list)  # census voter ids (CPR-like)
    ballots: dict[str, int] = field(default_factory=dict)  # channel -> count
    task_id: str = ""
    shift_id: str = ""
    signups: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)  # every user name that acted


async def run_story(sut: System, tmp: Path) -> Story:
    keys = load_keys(sut.settings)
    story = Story()

    def auth(role: Role, subject: str) -> dict[str, str]:
        if subject not in story.subjects:
            story.subjects.append(subject)
        return {"Authorization": f"Bearer {create_token(keys, subject, role, 3600)}"}

    admin, staff = auth(Role.ADMIN, "anna.admin"), auth(Role.STAFF, "sif.staff")
    async with httpx.AsyncClient(base_url=sut.base_url, timeout=60) as http:
        body = {
            "title": "Borgerbudget 2026",
            "municipality": "Hedensted",
            "budgets": [{"local_area": a, "amount": kr} for a, kr in AREAS.items()],
        }
        pid = story.process_id = ok(
            await http.post("/api/v1/processes", json=body, headers=admin), 201
        )["id"]
        url = f"/api/v1/processes/{pid}"
        rules = {"rules": {"format": "approval"}, "budget_scope": "own_area"}
        ok(await http.put(f"{url}/ballot-rules", json=rules, headers=admin))
        ok(await http.put(f"{url}/tally-rule", json={"rule": "greedy"}, headers=admin))
        for i, area in enumerate([a for a in AREAS for _ in range(3)]):
            author = CITIZENS[i % len(CITIZENS)]
            proposal = {
                "title": f"Bænke ved åen {i}",
                "description": "Tre bænke og et bord",
                "estimated_cost": 60_000 + 10_000 * i,
                "local_area": area,
                "core_task": "Fritid og fællesskab",
            }
            created = ok(
                await http.post(
                    f"{url}/proposals", json=proposal, headers=auth(Role.CITIZEN, author)
                ),
                201,
            )
            story.proposals[created["id"]] = area
        ids = list(story.proposals)
        ok(await http.post(f"{url}/phase", json={"to_phase": "review"}, headers=admin))
        refused = {"feasible": False, "reason": "Kræver kommunal jord"}
        ok(await http.post(f"{url}/proposals/{ids[2]}/review", json=refused, headers=staff))
        on_ballot = [p for p in ids if p != ids[2]]
        for i, p in enumerate(on_ballot):
            ok(
                await http.post(
                    f"{url}/proposals/{p}/review", json={"feasible": True}, headers=staff
                )
            )
            cost = {"cost": 70_000 + 5_000 * i}
            ok(await http.post(f"{url}/proposals/{p}/cost-estimate", json=cost, headers=staff))
            ok(await http.post(f"{url}/proposals/{p}/price", json={}, headers=staff))
            ok(await http.post(f"{url}/proposals/{p}/ballot", headers=staff))
        areas = list(AREAS)
        story.voters = [f"0101{i:02d}-{1000 + i}" for i in range(12)]
        rows = [f"{v},{areas[i % 2]},1980-01-01" for i, v in enumerate(story.voters)]
        await import_census(sut, pid, rows, tmp)
        ok(await http.post(f"{url}/phase", json={"to_phase": "voting"}, headers=admin))
        for i, voter in enumerate(story.voters):
            area = areas[i % 2]
            choice = [p for p in on_ballot if story.proposals[p] == area][: 1 + i % 2]
            ballot: dict[str, Any] = {"local_area": area, "approvals": choice}
            if i % 4 == 0:
                ballot |= {"voter": voter, "channel": "paper"}
                ok(await http.post(f"{url}/ballots/paper", json=ballot, headers=staff))
                story.ballots["paper"] = story.ballots.get("paper", 0) + 1
            else:
                ok(
                    await http.post(
                        f"{url}/ballots", json=ballot, headers=auth(Role.CITIZEN, voter)
                    )
                )
                story.ballots["web"] = story.ballots.get("web", 0) + 1
        ok(await http.post(f"{url}/phase", json={"to_phase": "tallying"}, headers=admin))
        for area in areas:
            proposed = ok(await http.post(f"{url}/allocations/{area}/propose", headers=admin))
            if area == areas[0]:
                ok(
                    await http.post(
                        f"{url}/allocations/{area}/decide", json={"confirm": True}, headers=admin
                    )
                )
            else:
                funded = [
                    {"proposal_id": f["proposal_id"], "amount": f["amount_ore"] // 200}
                    for f in proposed["funded"]
                ]
                body = {"funded": funded, "reason": DEVIATION}
                ok(await http.post(f"{url}/allocations/{area}/decide", json=body, headers=admin))
        ok(await http.post(f"{url}/phase", json={"to_phase": "results_published"}, headers=admin))

        task = {
            "organizer": {
                "kind": "association",
                "name": "Grønt Team Tørring",
                "managers": ["olga.organizer"],
            },
            "local_area": "Tørring",
            "core_task": "Fritid og fællesskab",
            "title": {"da": "Affaldsindsamling ved åen", "en": "Litter picking by the river"},
            "description": {"da": "Vi samler affald", "en": "We pick litter"},
            "work": {"da": "Saml affald i sække", "en": "Pick litter into bags"},
            "provided": {"da": "Handsker og kaffe", "en": "Gloves and coffee"},
            "place": {"address": "Torvet 1, 7160 Tørring"},
            "accessibility": {"da": "Flad sti", "en": "Level path"},
            "minimum_age": 15,
            "signup_closes_minutes_before": 60,
        }
        story.task_id = ok(await http.post("/api/v1/tasks", json=task, headers=staff), 201)["id"]
        ok(await http.post(f"/api/v1/tasks/{story.task_id}/attest", json={}, headers=staff))
        ok(await http.post(f"/api/v1/tasks/{story.task_id}/publish", headers=staff))
        starts = datetime.now(UTC) + timedelta(days=7)
        shift = {
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=3)).isoformat(),
            "capacity": 2,
            "waiting_list_limit": 5,
        }
        story.shift_id = ok(
            await http.post(f"/api/v1/tasks/{story.task_id}/shifts", json=shift, headers=staff), 201
        )["id"]
        for i, (name, phone, email) in enumerate(HELPERS):
            body = {"name": name, "phone": phone, "email": email, "birth_date": "1980-05-17"}
            who = auth(Role.CITIZEN, f"helper{i}")
            signed = ok(
                await http.post(f"/api/v1/shifts/{story.shift_id}/signups", json=body, headers=who),
                201,
            )
            story.signups.append(signed["signup_id"])
        first = story.signups[0]
        ok(
            await http.post(
                f"/api/v1/shifts/{story.shift_id}/signups/{first}/cancel",
                headers=auth(Role.CITIZEN, "helper0"),
            )
        )
    return story


PROPOSAL = {
    "title": "Bænke ved åen",
    "description": "Tre bænke langs stien",
    "estimated_cost": 45000,
    "local_area": "Tørring",
    "core_task": "Fritid og fællesskab",
}
"""A citizen's proposal that every budgeting process with the default core tasks accepts."""


async def create_process(sut: System, **fields: Any) -> str:
    """A new process in the ideas phase (admin "anna"), with `fields` (e.g. budgets); its id."""
    async with sut.client(Role.ADMIN, "anna") as admin:
        response = await admin.post(
            "/api/v1/processes",
            json={"title": "Borgerbudget", "municipality": "Hedensted", **fields},
        )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def import_census(sut: System, process_id: str, rows: list[str], tmp: Path) -> str:
    """Import `rows` (voter_id,local_area,birth_date) with the CLI; what it printed."""
    path = tmp / "census.csv"
    path.write_text("voter_id,local_area,birth_date\n" + "\n".join(rows) + "\n")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.cli.main",
        "census",
        "import",
        str(path),
        "--process",
        process_id,
        "--minimum-age",
        "15",
        "--reference-date",
        "2026-05-01",
        env=sut.env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, errors = await proc.communicate()
    assert proc.returncode == 0, errors.decode()
    return out.decode()
