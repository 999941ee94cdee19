"""Every projection service, by name."""

from __future__ import annotations

from projections.audit.batch import SPEC as AUDIT
from projections.ballots.projection import SPEC as BALLOTS
from projections.feed.projection import SPEC as FEED
from projections.ledger.projection import SPEC as LEDGER
from projections.participation.projection import SPEC as PARTICIPATION
from projections.processes.projection import SPEC as PROCESSES
from projections.proposals.batch import SPEC as PROPOSALS
from projections.spec import ProjectionSpec
from projections.tallies.projection import SPEC as TALLIES
from projections.volunteering.projection import SPEC as VOLUNTEERING

PROJECTIONS: dict[str, ProjectionSpec] = {
    spec.name: spec
    for spec in (
        PROPOSALS,
        VOLUNTEERING,
        AUDIT,
        PROCESSES,
        BALLOTS,
        LEDGER,
        PARTICIPATION,
        FEED,
        TALLIES,
    )
}
