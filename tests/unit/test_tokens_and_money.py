"""Tokens, pseudonyms and kroner: the edge's small pure pieces."""

from __future__ import annotations

import pytest
from pydantic_core import PydanticCustomError

from events.base import Role
from services.api.money import from_ore, to_ore
from services.auth import InvalidToken, Keys, create_token, pseudonym, verify_token

KEYS = Keys(signing=b"s" * 32, pseudonym=b"p" * 32)


def test_a_token_names_its_subject_only_by_pseudonym() -> None:
    token = create_token(KEYS, "Bo Hansen", Role.CITIZEN, 60, now=1000)
    principal = verify_token(KEYS, token, now=1010)
    assert principal.role is Role.CITIZEN
    assert principal.subject == pseudonym(KEYS.pseudonym, "Bo Hansen")
    assert "Bo" not in principal.subject


def test_an_expired_forged_or_foreign_token_is_refused() -> None:
    token = create_token(KEYS, "bo", Role.ADMIN, 60, now=1000)
    with pytest.raises(InvalidToken, match="expired"):
        verify_token(KEYS, token, now=2000)
    with pytest.raises(InvalidToken, match="signature"):
        verify_token(Keys(signing=b"x" * 32, pseudonym=b"p" * 32), token, now=1010)
    head, payload, signature = token.split(".")
    with pytest.raises(InvalidToken):
        verify_token(KEYS, f"{head}.{payload}x.{signature}", now=1010)
    with pytest.raises(InvalidToken, match="malformed"):
        verify_token(KEYS, "Bearer-nonsense", now=1010)


def test_pseudonyms_differ_between_keys() -> None:
    other = Keys(signing=b"s" * 32, pseudonym=b"q" * 32)
    assert pseudonym(KEYS.pseudonym, "bo") != pseudonym(other.pseudonym, "bo")
    assert pseudonym(KEYS.pseudonym, "bo") == pseudonym(KEYS.pseudonym, "bo")


@pytest.mark.parametrize(
    ("given", "ore"),
    [(45000, 4_500_000), ("45000", 4_500_000), ("45000.5", 4_500_050), ("0.07", 7)],
)
def test_kroner_become_exact_ore(given: int | str, ore: int) -> None:
    assert to_ore(given) == ore


@pytest.mark.parametrize(
    ("given", "code"),
    [
        (-1, "amount_negative"),
        ("1.234", "amount_invalid"),
        ("1e5", "amount_invalid"),
        ("abc", "amount_invalid"),
        (True, "amount_invalid"),
        (12.5, "amount_invalid"),
        ("-3", "amount_invalid"),
        (10**13, "amount_too_large"),
    ],
)
def test_an_amount_that_is_not_whole_kroner_or_two_decimals_is_refused(
    given: object, code: str
) -> None:
    with pytest.raises(PydanticCustomError, match="amount") as refused:
        to_ore(given)
    assert refused.value.type == code


def test_ore_are_shown_as_kroner_with_two_decimals() -> None:
    assert from_ore(4_500_050) == "45000.50"
    assert from_ore(7) == "0.07"
