"""Pabulib in and out through the event store: `samskab import pabulib` makes a real election a
process, `samskab tally PROCESS` certifies the same winners as counting the file, `samskab
export pabulib` writes a file pabutools reads back as the original election, and a certificate
recomputed from an audit export (no database) carries the same digest."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from pabutools.election import CumulativeBallot, OrdinalBallot, parse_pabulib

PABULIB = Path(__file__).resolve().parents[2].parent / "shared" / "pabulib"
CASES = [
    ("Netherlands_Assen_2024.pb", ("greedy", "mes", "mes-add1", "phragmen")),
    ("Poland_Czestochowa_2020_Grabowka.pb", ("greedy", "mes", "greedy-score")),
    ("Switzerland_Zurich_S5R.pb", ("greedy", "greedy-no-skip")),
    ("real-rules/Poland_Krakow_2020_Krowodrza.pb", ("greedy-score", "greedy-score-no-skip")),
]


async def samskab(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.cli.main",
        *args,
        env={**env, "COLUMNS": "200"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


def environment(database: str, tmp_path: Path) -> dict[str, str]:
    """The environment of a user of the system that `samskab run` started (it made the keys)."""
    import os

    from services.auth import load_keys
    from services.platform.settings import ApiSettings

    load_keys(ApiSettings(data_dir=tmp_path / "data"))
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "DATABASE_URL": database,
        "SAMSKAB_DATA_DIR": str(tmp_path / "data"),
    }


def ballots(profile: Any) -> list[list[tuple[str, Any]]]:
    """A profile as comparable data: each ballot's (project, points or rank) pairs, sorted."""
    out = []
    for ballot in profile:
        if isinstance(ballot, OrdinalBallot):
            out.append([(p.name, rank) for rank, p in enumerate(ballot)])
        elif isinstance(ballot, CumulativeBallot):
            out.append(sorted((p.name, int(v)) for p, v in ballot.items()))
        else:
            out.append(sorted((p.name, 1) for p in ballot))
    return sorted(out)


@pytest.mark.parametrize(("name", "rules"), CASES, ids=[c[0] for c in CASES])
async def test_an_imported_election_certifies_and_exports_as_the_file(
    database: str, tmp_path: Path, name: str, rules: tuple[str, ...]
) -> None:
    if not PABULIB.is_dir():
        pytest.skip("the shared Pabulib files are not beside this checkout")
    env = environment(database, tmp_path)
    path = PABULIB / name
    code, out, err = await samskab(env, "import", "pabulib", str(path))
    assert code == 0, err
    process = out.strip()

    for rule in rules:
        code, out, err = await samskab(
            env, "tally", "--pabulib", str(path), "--rule", rule, "--json"
        )
        assert code == 0, err
        expected = json.loads(out)["selected"]
        code, out, err = await samskab(env, "tally", process, "--rule", rule, "--json")
        assert code == 0, err
        certified = json.loads(out)
        assert [p["label"] for p in certified["selected"]] == expected, rule
        assert certified["rule"] == rule

    # The same events print the same certificate, from the store and from an export alone.
    first = await samskab(env, "tally", process, "--json")
    again = await samskab(env, "tally", process, "--json")
    assert first[0] == 0 and first[1] == again[1]

    # The process counts with the rule the file records, where it can be known.
    code, out, err = await samskab(
        env, "tally", "--pabulib", str(path), "--rule", "as-recorded", "--json"
    )
    default = json.loads(first[1])
    recorded_ok = code == 0
    if recorded_ok:
        assert default["rule"] == json.loads(out)["rule"]
        assert [p["label"] for p in default["selected"]] == json.loads(out)["selected"]
    else:
        assert code == 2 and "cannot count as recorded" in err
        assert default["rule"] == "greedy"
    export = tmp_path / "events.jsonl"
    code, _, err = await samskab(env, "audit", "export", "--format", "jsonl", "--out", str(export))
    assert code == 0, err
    offline = await samskab({"PATH": env["PATH"], "HOME": env["HOME"]}, "tally", process,
                            "--events", str(export), "--json")  # fmt: skip
    assert offline[0] == 0, offline[2]
    assert json.loads(offline[1])["digest"] == json.loads(first[1])["digest"]

    # Export: pabutools reads the budget back as the original election.
    area = json.loads(first[1])["local_area"]
    written = tmp_path / "out.pb"
    code, _, err = await samskab(env, "export", "pabulib", process, area, "--out", str(written))
    assert code == 0, err
    original_instance, original_profile = parse_pabulib(str(path))
    instance, profile = parse_pabulib(str(written))
    assert instance.budget_limit == original_instance.budget_limit
    assert sorted((p.name, p.cost) for p in instance) == sorted(
        (p.name, p.cost) for p in original_instance
    )
    assert ballots(profile) == ballots(original_profile)
    if recorded_ok:
        assert instance.meta["rule"] == original_instance.meta["rule"]


async def test_certificates_refuse_what_they_cannot_count(database: str, tmp_path: Path) -> None:
    if not PABULIB.is_dir():
        pytest.skip("the shared Pabulib files are not beside this checkout")
    env = environment(database, tmp_path)
    code, out, err = await samskab(
        env, "import", "pabulib", str(PABULIB / "Poland_Czestochowa_2020_Grabowka.pb")
    )
    assert code == 0, err
    process = out.strip()

    code, _, err = await samskab(env, "tally", "not-a-uuid")
    assert code == 2 and "must be a process id" in err
    code, _, err = await samskab(env, "tally", process, "--rule", "phragmen")
    assert code == 2 and "needs approval ballots" in err
    code, _, err = await samskab(env, "tally", process, "--at", "2000-01-01T00:00:00Z")
    assert code == 2 and "no process" in err
    code, _, err = await samskab(env, "tally", process, "--budget", "Nowhere")
    assert code == 2 and "no budget for 'Nowhere'" in err
    code, _, err = await samskab(env, "tally", process, "--at", "yesterday")
    assert code == 2 and "ISO 8601" in err
    code, _, err = await samskab(env, "import", "pabulib", str(tmp_path / "missing.pb"))
    assert code != 0
