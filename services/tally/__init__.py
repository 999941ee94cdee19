"""The tally engine: pure counting rules over an in-memory election, plus a Pabulib reader.

Nothing here does I/O except `read_pabulib`, which reads one file.
"""

from services.tally.model import (
    TIE_BREAK,
    Ballot,
    Election,
    Project,
    SelectedProject,
    TallyInputError,
    TallyResult,
    VoteType,
)
from services.tally.pabulib import parse_pabulib, read_pabulib
from services.tally.rules import RULE_VERSIONS, Rule, parse_rule, tally

__all__ = [
    "RULE_VERSIONS",
    "TIE_BREAK",
    "Ballot",
    "Election",
    "Project",
    "Rule",
    "SelectedProject",
    "TallyInputError",
    "TallyResult",
    "VoteType",
    "parse_pabulib",
    "parse_rule",
    "read_pabulib",
    "tally",
]
