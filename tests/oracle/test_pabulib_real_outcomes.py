"""Real decisions reproduced: the city's funded projects (the file's ``selected`` column) are
the oracle for the rules the cities actually used.

Every shared file with a ``selected`` column (``real-rules/`` included) is counted as
recorded, with the rule its META names; the files whose rule cannot be known are listed in
``CANNOT_REPRODUCE`` with the reason, and that list is checked too."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from services.tally import Rule, read_pabulib, tally
from services.tally.recorded import RuleNotRecorded, recorded_rule
from tests.oracle import PABULIB_DIR

pytestmark = pytest.mark.skipif(
    not PABULIB_DIR.is_dir(), reason=f"no Pabulib files at {PABULIB_DIR}"
)

REAL = [
    ("Poland_Swiecie_2023.pb", Rule.MES),
    ("Netherlands_Assen_2024.pb", Rule.MES_ADD1),
    ("Poland_Wieliczka_2023_Green_Budget.pb", Rule.MES_ADD1_COMPARISON),
    ("Poland_Warszawa_2026.pb", Rule.GREEDY),
    ("Poland_Lodz_2020_Ruda.pb", Rule.GREEDY),
]


CANNOT_REPRODUCE = {
    "Hungary_Veszprem_2025.pb": "META rule 'unknown'",
    "Poland_Poznan_2023_8_-_Chartowo_Rataje_Zegrze.pb": "META rule 'greedy-custom'",
}
"""Files with a city outcome whose rule the file does not let us know, and why."""


def files_with_outcome() -> list[Path]:
    """Every shared file (``real-rules/`` included) whose PROJECTS have a selected column."""
    if not PABULIB_DIR.is_dir():
        return []
    every = sorted(PABULIB_DIR.glob("*.pb")) + sorted(PABULIB_DIR.glob("real-rules/*.pb"))
    return [path for path in every if "selected" in projects_header(path)]


def projects_header(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().lower() == "projects")
    return [cell.strip() for cell in lines[at + 1].split(";")]


def city_selection(path: Path) -> set[str]:
    """Project ids marked ``selected`` = 1, read with a parser of its own."""
    section, header, chosen = "", list[str](), set[str]()
    for row in csv.reader(path.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"):
        if len(row) == 1 and row[0].strip().lower() in ("meta", "projects", "votes"):
            section, header = row[0].strip().lower(), []
        elif section == "projects" and not header:
            header = [cell.strip() for cell in row]
        elif section == "projects":
            cells = dict(zip(header, (cell.strip() for cell in row), strict=False))
            if cells.get("selected") == "1":
                chosen.add(cells["project_id"])
    return chosen


@pytest.mark.parametrize(("name", "rule"), REAL, ids=[name for name, _ in REAL])
def test_the_rule_the_city_used_funds_what_the_city_funded(name: str, rule: Rule) -> None:
    path = PABULIB_DIR / name
    result = tally(read_pabulib(path), rule)
    assert set(result.selected_ids) == city_selection(path)


OUTCOMES = files_with_outcome()


@pytest.mark.parametrize("path", OUTCOMES, ids=[path.name for path in OUTCOMES])
def test_counting_as_recorded_funds_what_the_city_funded(path: Path) -> None:
    election = read_pabulib(path)
    if path.name in CANNOT_REPRODUCE:
        with pytest.raises(RuleNotRecorded, match=CANNOT_REPRODUCE[path.name]):
            recorded_rule(election)
        return
    result = tally(election, recorded_rule(election).rule)
    assert set(result.selected_ids) == city_selection(path)


def test_the_files_that_cannot_be_reproduced_are_exactly_those_listed() -> None:
    refused = set()
    for path in OUTCOMES:
        try:
            recorded_rule(read_pabulib(path))
        except RuleNotRecorded:
            refused.add(path.name)
    assert refused == set(CANNOT_REPRODUCE)
    assert len(OUTCOMES) == 18
