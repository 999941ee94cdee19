"""pabutools as the oracle: the same elections and rules, computed by the peer implementation.

pabutools (GPL-3.0) is a test-time dependency only. Nothing here is copied from it; this
module only calls it. Pabulib files are parsed by pabutools' own reader, so the oracle shares
no code with the engine under test.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

PABULIB_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "pabulib"
"""Real elections, kept beside the repository (``<repo>/../shared/pabulib``)."""

RULES = ("greedy", "mes-plain", "mes-add1", "mes", "phragmen")
"""Rules with a pabutools counterpart (mes-add1-comparison has none)."""


def pabulib_files() -> list[Path]:
    """All shared Pabulib files, sorted by name (empty when the folder is missing)."""
    return sorted(PABULIB_DIR.glob("*.pb")) if PABULIB_DIR.is_dir() else []


def satisfaction_class(profile: Any) -> Any:
    """The satisfaction measure our engine uses for this kind of ballot."""
    from pabutools.election import (
        AbstractApprovalProfile,
        AbstractCardinalProfile,
        AbstractOrdinalProfile,
        Additive_Borda_Sat,
        Additive_Cardinal_Sat,
        Cost_Sat,
    )

    if isinstance(profile, AbstractApprovalProfile):
        return Cost_Sat
    if isinstance(profile, AbstractCardinalProfile):
        return Additive_Cardinal_Sat
    if isinstance(profile, AbstractOrdinalProfile):
        return Additive_Borda_Sat
    raise TypeError(f"no satisfaction for {type(profile)}")


def pabutools_outcome(instance: Any, profile: Any, rule: str) -> set[str]:
    """Names of the projects pabutools selects under our rule ``rule``."""
    from pabutools.rules import (
        completion_by_rule_combination,
        exhaustion_by_budget_increase,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
        sequential_phragmen,
    )

    sat = satisfaction_class(profile)
    step = profile.num_ballots()  # +1 per voter
    runs: dict[str, Callable[[], Any]] = {
        "greedy": lambda: greedy_utilitarian_welfare(instance, profile, sat_class=sat),
        "mes-plain": lambda: method_of_equal_shares(instance, profile, sat_class=sat),
        "mes-add1": lambda: exhaustion_by_budget_increase(
            instance, profile, method_of_equal_shares, {"sat_class": sat}, budget_step=step
        ),
        "mes": lambda: completion_by_rule_combination(
            instance,
            profile,
            [exhaustion_by_budget_increase, greedy_utilitarian_welfare],
            [
                {
                    "rule": method_of_equal_shares,
                    "rule_params": {"sat_class": sat},
                    "budget_step": step,
                },
                {"sat_class": sat},
            ],
        ),
        "phragmen": lambda: sequential_phragmen(instance, profile),
    }
    return {project.name for project in runs[rule]()}


def read_with_pabutools(path: Path, multiprofile: bool = True) -> tuple[Any, Any]:
    """pabutools' reading of a file, with projects below the META score threshold removed.

    The score is what pabutools counts: approvals, or total points for cumulative ballots.
    """
    from pabutools.election import AbstractApprovalProfile, parse_pabulib
    from pabutools.fractions import str_as_frac

    instance, profile = parse_pabulib(str(path))
    threshold = instance.meta.get("min_project_score_threshold")
    if threshold is not None:
        limit = str_as_frac(threshold)
        for project in list(instance):
            if _score(profile, project, AbstractApprovalProfile) < limit:
                instance.remove(project)
    return instance, (profile.as_multiprofile() if multiprofile else profile)


def _score(profile: Any, project: Any, approval_type: type) -> Any:
    if isinstance(profile, approval_type):
        return profile.approval_score(project)
    return sum(ballot.get(project, 0) for ballot in profile)


def pabutools_election(election: Any) -> tuple[Any, Any]:
    """Our in-memory `Election` rebuilt as a pabutools instance and (plain) profile."""
    from pabutools.election import (
        ApprovalBallot,
        ApprovalProfile,
        CumulativeBallot,
        CumulativeProfile,
        Instance,
        OrdinalBallot,
        OrdinalProfile,
        Project,
    )
    from pabutools.fractions import str_as_frac

    projects = {p.id: Project(p.id, str_as_frac(str(p.cost))) for p in election.projects}
    instance = Instance(projects.values(), budget_limit=str_as_frac(str(election.budget)))
    kind = election.vote_type.value
    ballots: list[Any] = []
    for ballot in election.ballots:
        for _ in range(ballot.voters):
            if kind == "approval":
                ballots.append(ApprovalBallot(projects[p] for p in ballot.projects))
            elif kind == "cumulative":
                points = {
                    projects[p]: str_as_frac(str(v))
                    for p, v in zip(ballot.projects, ballot.points, strict=True)
                }
                ballots.append(CumulativeBallot(points))
            else:
                ballots.append(OrdinalBallot(projects[p] for p in ballot.projects))
    profile_type = {
        "approval": ApprovalProfile,
        "cumulative": CumulativeProfile,
        "ordinal": OrdinalProfile,
    }[kind]
    return instance, profile_type(ballots)
