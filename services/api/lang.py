"""Which language a person reads: Danish or English, from `Accept-Language` (default Danish)."""

from __future__ import annotations

from services.texts.words import Lang

DEFAULT: Lang = "da"


def choose_language(header: str | None) -> Lang:
    """The best of da/en by the header's q-values; ties keep the header's order.

    Only `da*` is Danish and `en*` English; other languages are ignored, and a header with
    neither (or none at all) means Danish.
    """
    if not header:
        return DEFAULT
    best: tuple[float, int, Lang] | None = None
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in ("da", "en"):
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        lang: Lang = "da" if primary == "da" else "en"
        if best is None or q > best[0]:
            best = (q, index, lang)
    return DEFAULT if best is None else best[2]
