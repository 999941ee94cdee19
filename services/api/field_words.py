"""What is wrong with one field of a request, in Danish and English, by the code of the problem.

The codes are pydantic's error types (`missing`, `int_type`, `string_too_long`, …) and a few of
our own (`text_nul`, `amount_invalid`, …). A text names the limit the field has, never the value
the request held: that may be personal data, or text that cannot even be encoded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.api.lang import Lang

Words = tuple[str, str]

FIELD_WORDS: dict[str, Words] = {
    # presence and shape
    "missing": ("skal udfyldes", "is required"),
    "extra_forbidden": ("kendes ikke og må ikke sendes", "is not known and must not be sent"),
    "json_invalid": ("er ikke gyldig JSON", "is not valid JSON"),
    "json_type": ("skal være JSON", "must be JSON"),
    "model_type": ("skal være et JSON-objekt", "must be a JSON object"),
    "model_attributes_type": ("skal være et JSON-objekt", "must be a JSON object"),
    "dict_type": ("skal være et JSON-objekt", "must be a JSON object"),
    "list_type": ("skal være en liste", "must be a list"),
    "tuple_type": ("skal være en liste", "must be a list"),
    "set_type": ("skal være en liste", "must be a list"),
    "none_required": ("skal være tom (null)", "must be null"),
    "union_tag_invalid": (
        "har en ukendt slags (kendte: {expected_tags})",
        "has an unknown kind (known: {expected_tags})",
    ),
    "union_tag_not_found": ("mangler sin slags (kind)", "lacks its kind"),
    # whole numbers
    "int_type": ("skal være et helt tal (ikke tekst)", "must be a whole number (not text)"),
    "int_parsing": ("skal være et helt tal", "must be a whole number"),
    "int_from_float": ("skal være et helt tal uden decimaler", "must be a whole number"),
    "int_parsing_size": ("er et for stort tal", "is too large a number"),
    "float_type": ("skal være et tal", "must be a number"),
    "float_parsing": ("skal være et tal", "must be a number"),
    "finite_number": ("skal være et endeligt tal", "must be a finite number"),
    "greater_than": ("skal være større end {gt}", "must be greater than {gt}"),
    "greater_than_equal": ("skal være mindst {ge}", "must be at least {ge}"),
    "less_than": ("skal være mindre end {lt}", "must be less than {lt}"),
    "less_than_equal": ("må højst være {le}", "must be at most {le}"),
    "multiple_of": ("skal gå op i {multiple_of}", "must be a multiple of {multiple_of}"),
    # true/false
    "bool_type": ("skal være true eller false", "must be true or false"),
    "bool_parsing": ("skal være true eller false", "must be true or false"),
    # text
    "string_type": ("skal være tekst", "must be text"),
    "string_too_short": (
        "skal have mindst {min_length} tegn",
        "must have at least {min_length} characters",
    ),
    "string_too_long": (
        "må højst have {max_length} tegn",
        "must have at most {max_length} characters",
    ),
    "string_pattern_mismatch": ("har ikke den rette form", "does not have the right form"),
    "string_unicode": ("skal være gyldig Unicode-tekst", "must be valid Unicode text"),
    "text_nul": ("må ikke indeholde et NUL-tegn", "must not contain a NUL character"),
    "text_surrogate": (
        "må ikke indeholde en enlig surrogat (ugyldig Unicode)",
        "must not contain a lone surrogate (not valid Unicode)",
    ),
    # lists
    "too_short": (
        "skal have mindst {min_length} element(er)",
        "must have at least {min_length} item(s)",
    ),
    "too_long": (
        "må højst have {max_length} element(er)",
        "must have at most {max_length} item(s)",
    ),
    # choices
    "enum": ("skal være en af: {expected}", "must be one of: {expected}"),
    "literal_error": ("skal være en af: {expected}", "must be one of: {expected}"),
    # ids, dates and times
    "uuid_type": ("skal være et UUID", "must be a UUID"),
    "uuid_parsing": ("skal være et UUID", "must be a UUID"),
    "uuid_version": ("skal være et UUID", "must be a UUID"),
    "date_type": ("skal være en dato (ÅÅÅÅ-MM-DD)", "must be a date (YYYY-MM-DD)"),
    "date_parsing": ("skal være en dato (ÅÅÅÅ-MM-DD)", "must be a date (YYYY-MM-DD)"),
    "date_from_datetime_parsing": (
        "skal være en dato (ÅÅÅÅ-MM-DD)",
        "must be a date (YYYY-MM-DD)",
    ),
    "date_from_datetime_inexact": ("skal være en dato uden klokkeslæt", "must be a date only"),
    "date_future": ("skal ligge i fremtiden", "must be in the future"),
    "date_past": ("skal ligge i fortiden", "must be in the past"),
    "time_type": ("skal være et klokkeslæt (TT:MM)", "must be a time of day (HH:MM)"),
    "time_parsing": ("skal være et klokkeslæt (TT:MM)", "must be a time of day (HH:MM)"),
    "datetime_type": (
        "skal være et tidspunkt (ISO 8601)",
        "must be a date and time (ISO 8601)",
    ),
    "datetime_parsing": (
        "skal være et tidspunkt (ISO 8601)",
        "must be a date and time (ISO 8601)",
    ),
    "datetime_from_date_parsing": (
        "skal være et tidspunkt (ISO 8601)",
        "must be a date and time (ISO 8601)",
    ),
    "datetime_object_invalid": (
        "skal være et tidspunkt (ISO 8601)",
        "must be a date and time (ISO 8601)",
    ),
    "timezone_aware": (
        "skal have en tidszone (fx +02:00 eller Z)",
        "must have a time zone (e.g. +02:00 or Z)",
    ),
    "timezone_naive": ("må ikke have en tidszone", "must not have a time zone"),
    # our own
    "value_error": ("er ikke gyldig", "is not valid"),
    "amount_invalid": (
        "skal være et beløb i kroner: et helt tal eller en tekst med højst to decimaler, fx 15000 "
        'eller "15000.50"',
        "must be an amount in kroner: a whole number or a text with at most two decimals, e.g. "
        '15000 or "15000.50"',
    ),
    "amount_negative": ("må ikke være negativt", "cannot be negative"),
    "amount_too_large": ("må højst være {max} kr.", "can be at most {max} kr."),
    "amount_not_positive": ("skal være mere end 0 kr.", "must be more than 0 kr."),
    "date_in_future": ("må ikke ligge i fremtiden", "cannot be in the future"),
    "cursor_invalid": (
        "er ikke en markør, som API'et har givet (brug next_cursor, som den er)",
        "is not a cursor this API returned (use next_cursor as given)",
    ),
    "not_after_from": ("skal ligge efter 'from'", "must be after 'from'"),
    "integer_too_large": ("er et for stort tal", "is too large a number"),
    "number_not_finite": ("skal være et endeligt tal", "must be a finite number"),
    "value_unstorable": ("kan ikke gemmes, som den er", "cannot be stored as given"),
}
"""Every code a field of a request can be refused with, and what it means."""

FALLBACK: Words = ("er ikke gyldig", "is not valid")
_SHOWN: tuple[str, ...] = ("gt", "ge", "lt", "le", "min_length", "max_length", "multiple_of")
_SHOWN += ("max", "expected", "expected_tags")


def field_detail(code: str, ctx: Mapping[str, Any] | None, lang: Lang) -> str:
    """What is wrong with a field, in `lang`, with the limits from `ctx` filled in."""
    da, en = FIELD_WORDS.get(code, FALLBACK)
    template = da if lang == "da" else en
    values = {k: _shown(ctx.get(k), lang) for k in _SHOWN if ctx and k in ctx}
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):  # a limit the error did not name
        return FALLBACK[0] if lang == "da" else FALLBACK[1]


def _shown(value: Any, lang: Lang) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}".replace(",", "." if lang == "da" else ",")
    text = str(value)
    if lang == "da":
        text = text.replace(" or ", " eller ")
    return text
