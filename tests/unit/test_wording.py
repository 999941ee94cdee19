"""The words a citizen reads for volunteers: defaults, a deployment's own, and bad settings."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.domain.volunteering.messages import Msg, VolunteeringRejected
from services.platform.settings import Settings
from services.texts.rejections import rejection_text
from services.texts.volunteering import TEXTS, render
from services.texts.wording import DEFAULT_WORDING, Wording


def test_default_wording_avoids_frivillig() -> None:
    for code in Msg:
        texts = render(code, _params(code), DEFAULT_WORDING)
        assert "frivillig" not in texts["da"].lower(), code
        assert "{" not in texts["da"] and "{" not in texts["en"], code


def test_a_deployment_renders_every_message_in_its_own_words() -> None:
    wording = Wording.parse("deltager/deltagere/borger", "participant/participants/resident")
    rejected = VolunteeringRejected(Msg.CAPACITY_BELOW_CONFIRMED, confirmed=4, capacity=2)
    assert "4 bekræftede hjælpere" in rejection_text(rejected, "da")
    assert "4 bekræftede deltagere" in rejection_text(rejected, "da", wording)
    assert "4 confirmed participants" in rejection_text(rejected, "en", wording)
    reason = render(Msg.REASON_REQUIRED, {}, wording)
    assert reason == {
        "da": "Skriv en begrundelse til borgeren.",
        "en": "Give the resident a reason.",
    }


@pytest.mark.parametrize("spec", ["hjælper/hjælpere", "a//c", "", "a/b/c/d"])
def test_malformed_wording_is_refused_at_start_with_the_reason(spec: str) -> None:
    with pytest.raises(ValidationError, match="singular/plural/citizen"):
        Settings.model_validate({"helper_words_da": spec})


def test_settings_carry_the_wording() -> None:
    settings = Settings.model_validate({"helper_words_en": "volunteer/volunteers/neighbour"})
    assert settings.wording.words("en") == {
        "helper": "volunteer",
        "helpers": "volunteers",
        "citizen": "neighbour",
    }
    assert settings.wording.words("da") == DEFAULT_WORDING.words("da")


def _params(code: Msg) -> dict[str, str | int]:
    _, da, en = TEXTS[code]
    names = {part.split("}")[0] for text in (da, en) for part in text.split("{")[1:]} - {
        "helper",
        "helpers",
        "citizen",
    }
    return dict.fromkeys(names, 1)
