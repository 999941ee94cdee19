"""Every shared Pabulib file, every rule with a pabutools counterpart: the same outcome.

pabutools reads each file itself (its own parser) and computes with its multiprofile form.
Greedy, plain MES and Phragmén run live on every file. The Add1 rules (``mes-add1`` and
``mes``, which is Add1 then greedy) re-run MES once per unit of endowment, which takes
pabutools from seconds to many minutes per file (Toulouse 2019: 28 s; the largest files far
more), too slow for CI. So on the files listed in ``FULL_ADD1`` pabutools runs the whole
budget-increase loop; on the others it checks the decisive steps live: pabutools' MES at the
endowment where our loop stopped gives our outcome, and the loop had to stop there (that
outcome is exhaustive, or pabutools' MES one unit higher overspends); ``mes`` is then
pabutools' greedy completion of that outcome.

pabutools' Borda satisfaction is not additive in its type hierarchy, so its greedy falls back
to recomputing total satisfaction for every candidate at every step: on Kraków 2021 (51,229
ranked ballots, 99 projects) that alone runs for hours. For the files in ``SUBSAMPLE`` both
engines therefore count the first ballots of the file only (same projects, same budget).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
from pathlib import Path
from typing import Any

import pytest

from services.tally import Election, Rule, read_pabulib, tally
from tests.oracle import (
    PABULIB_DIR,
    pabulib_files,
    pabutools_election,
    pabutools_outcome,
    read_with_pabutools,
)

pytest.importorskip("pabutools")
pytestmark = pytest.mark.skipif(
    not PABULIB_DIR.is_dir(), reason=f"no Pabulib files at {PABULIB_DIR}"
)

FILES = pabulib_files()
FULL_ADD1 = {
    "Canada_Stanford_Dataset_PB_Dieppe_2018_vote_approvals.pb",
    "Netherlands_Amsterdam_324.pb",
    "Netherlands_Amsterdam_588.pb",
    "Netherlands_Assen_2024.pb",
    "Poland_Czestochowa_2020_Grabowka.pb",
    "Poland_Swiecie_2023.pb",
    "Poland_Warszawa_2018_Pole_Mokotowskie.pb",
    "Switzerland_Zurich_D10.pb",
    "Switzerland_Zurich_S5.pb",
    "Switzerland_Zurich_S5R.pb",
    "US_Stanford_Dataset_2022_Jersey_City_Ward_B_vote_knapsacks.pb",
    "Worldwide_Mechanical_Turk_Ranking_value_3.pb",
    "Worldwide_Mechanical_Turk_Utilities_3.pb",
}


SUBSAMPLE = {"Poland_Krakow_2021.pb": 300}


@functools.cache
def ours(path: Path) -> Election:
    election = read_pabulib(path)
    if path.name in SUBSAMPLE:
        first = election.ballots[: SUBSAMPLE[path.name]]
        return dataclasses.replace(election, ballots=first)
    return election


@functools.cache
def theirs(path: Path) -> tuple[Any, Any]:
    if path.name in SUBSAMPLE:
        return pabutools_election(ours(path))
    return read_with_pabutools(path)


def _is_approval(path: Path) -> bool:
    return ours(path).vote_type.value == "approval"


@pytest.mark.parametrize("rule", ["greedy", "mes-plain", "phragmen"])
@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_fast_rules_match_pabutools(path: Path, rule: str) -> None:
    if rule == "phragmen" and not _is_approval(path):
        pytest.skip("Phragmén applies to approval ballots only")
    instance, profile = theirs(path)
    assert set(tally(ours(path), Rule(rule)).selected_ids) == pabutools_outcome(
        instance, profile, rule
    )


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_add1_rules_match_pabutools(path: Path) -> None:
    instance, profile = theirs(path)
    add1 = tally(ours(path), Rule.MES_ADD1)
    completed = tally(ours(path), Rule.MES)
    if path.name in FULL_ADD1:
        assert set(add1.selected_ids) == pabutools_outcome(instance, profile, "mes-add1")
        assert set(completed.selected_ids) == pabutools_outcome(instance, profile, "mes")
        return
    assert add1.endowment is not None
    at_stop = _pabutools_mes(instance, profile, add1.endowment)
    assert set(add1.selected_ids) == {p.name for p in at_stop}
    one_more = _pabutools_mes(instance, profile, add1.endowment + 1)
    assert instance.is_exhaustive(at_stop) or not instance.is_feasible(one_more)
    assert set(completed.selected_ids) == _pabutools_greedy_after(instance, profile, at_stop)


def _pabutools_mes(instance: Any, profile: Any, endowment: Any) -> Any:
    from pabutools.fractions import str_as_frac
    from pabutools.rules import method_of_equal_shares

    from tests.oracle import satisfaction_class

    raised = copy.deepcopy(instance)
    raised.budget_limit = str_as_frac(str(endowment)) * profile.num_ballots()
    return method_of_equal_shares(raised, profile, sat_class=satisfaction_class(profile))


def _pabutools_greedy_after(instance: Any, profile: Any, outcome: Any) -> set[str]:
    from pabutools.rules import greedy_utilitarian_welfare

    from tests.oracle import satisfaction_class

    completed = greedy_utilitarian_welfare(
        instance,
        profile,
        sat_class=satisfaction_class(profile),
        initial_budget_allocation=outcome,
    )
    return {p.name for p in completed}
