"""Every projection service, by name."""

from __future__ import annotations

from projections.audit.projection import SPEC as AUDIT
from projections.proposals.projection import SPEC as PROPOSALS
from projections.spec import ProjectionSpec
from projections.volunteering.projection import SPEC as VOLUNTEERING

PROJECTIONS: dict[str, ProjectionSpec] = {
    spec.name: spec for spec in (PROPOSALS, VOLUNTEERING, AUDIT)
}
