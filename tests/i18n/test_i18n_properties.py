"""Properties: filling and right-to-left protection never raise, whatever the text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.i18n import FSI, PDI, RLM, bidi_safe, fill

TEXT = st.text(alphabet=st.sampled_from("ab {}.:-1 مرح{x}{name}Zoë\u2068\u2069"), max_size=40)
VALUES = st.dictionaries(st.sampled_from(["name", "x", "n"]), st.text(max_size=10), max_size=3)


@settings(max_examples=150, deadline=None)
@given(TEXT, VALUES, st.sampled_from(["nl", "ar", "en"]))
def test_fill_never_raises(text: str, values: dict[str, str], lang: str) -> None:
    assert isinstance(fill(text, lang, values), str)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab 1.-:مرح،Zë\u2068\u2069"), max_size=40))
def test_bidi_safe_only_adds_marks_and_is_idempotent(text: str) -> None:
    safe = bidi_safe(text, "ar")
    assert safe.translate(str.maketrans("", "", FSI + PDI + RLM)) == text.translate(
        str.maketrans("", "", FSI + PDI + RLM)
    )
    assert bidi_safe(safe, "ar") == safe
