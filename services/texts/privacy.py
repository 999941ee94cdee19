"""The erasure decider's refusals in words, in Danish and English."""

from __future__ import annotations

from services.domain.privacy import PrivacyMsg

TEXTS: dict[PrivacyMsg, tuple[str, str]] = {
    PrivacyMsg.NOT_A_PSEUDONYM: (
        "'{subject}' er ikke et pseudonym (32 små hexadecimale cifre)",
        "'{subject}' is not a pseudonym (32 lowercase hex digits)",
    ),
    PrivacyMsg.COUNTS_NEGATIVE: ("antallene kan ikke være negative", "counts cannot be negative"),
}
