"""Real decisions reproduced: the city's funded projects (the file's ``selected`` column) are
the oracle for the rules the cities actually used."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from services.tally import Rule, read_pabulib, tally
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
