"""The words a citizen reads for the people who take part in a task, configurable per deployment.

The seed documents ask that *frivillig* be used sparingly: by default a citizen reads *hjælper*
(one who helps) and *medborger* (fellow citizen). A municipality that says *deltager* or
*frivillig* sets its own words; every volunteering message is rendered with them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Wording:
    """Singular and plural for a helper, and the word for a citizen, in Danish and English."""

    helper_da: str = "hjælper"
    helpers_da: str = "hjælpere"
    citizen_da: str = "medborger"
    helper_en: str = "helper"
    helpers_en: str = "helpers"
    citizen_en: str = "citizen"

    def words(self, lang: str) -> dict[str, str]:
        """The placeholders `{helper}`, `{helpers}`, `{citizen}` for one language."""
        if lang == "da":
            return {
                "helper": self.helper_da,
                "helpers": self.helpers_da,
                "citizen": self.citizen_da,
            }
        return {"helper": self.helper_en, "helpers": self.helpers_en, "citizen": self.citizen_en}

    @classmethod
    def parse(cls, da: str, en: str) -> Wording:
        """From `"singular/plural/citizen"` per language, e.g. `"deltager/deltagere/borger"`.

        Raises ValueError naming what is wrong.
        """
        parts = {}
        for lang, spec in (("da", da), ("en", en)):
            words = [w.strip() for w in spec.split("/")]
            if len(words) != 3 or not all(words):
                raise ValueError(
                    f"wording for {lang!r} must be 'singular/plural/citizen' "
                    f"(three non-empty words separated by '/'), got {spec!r}"
                )
            parts[lang] = words
        (h_da, hs_da, c_da), (h_en, hs_en, c_en) = parts["da"], parts["en"]
        return cls(h_da, hs_da, c_da, h_en, hs_en, c_en)


DEFAULT_WORDING = Wording()
