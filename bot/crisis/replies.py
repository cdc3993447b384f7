"""The calm reply sent when the crisis detector fires.

The Dutch text is the gettext msgid; the translations live in the catalogs in `locales/` like
every other youth text, so a new language is a catalog, not code. Every version says: thank you,
you are not alone, 113 (call 113 or 0800-0113, free and anonymous, or chat at 113.nl), 112 for
immediate danger, and that the coordinator will contact them soon. It never asks about methods.
"""

from __future__ import annotations

from typing import Final

from bot.i18n import Y_, gettext, normalize_language

CRISIS_REPLY_NL: Final = Y_(
    "Dank je dat je dit vertelt. Je staat er niet alleen voor. "
    "Praat met 113 Zelfmoordpreventie: bel 113 of 0800-0113. Dat is gratis en anoniem. "
    "Je kunt ook chatten op 113.nl. "
    "Ben je nu in gevaar? Bel dan 112. "
    "{coordinator} neemt snel contact met je op."
)

SUPPORTED_LANGUAGES: Final[tuple[str, ...]] = ("nl", "en", "ar", "tr", "pl", "uk")


def crisis_reply(language: str | None, coordinator: str) -> str:
    """The reply in the youth's language (Dutch when unknown), with the coordinator's name."""
    template = _template(language)
    # str.replace, not str.format: a name with braces must not break or inject into the text.
    return template.replace("{coordinator}", coordinator)


def crisis_reply_for_stranger(language: str | None) -> str:
    """For a chat we cannot link to a youth: nobody can be alerted, so the reply promises no
    contact; it keeps the hotlines and 112."""
    template = _template(language)
    return template.replace(_contact_sentence(template), "").strip()


def _template(language: str | None) -> str:
    return gettext(CRISIS_REPLY_NL, normalize_language(language))


def _contact_sentence(template: str) -> str:
    start = template.rfind(". ", 0, template.index("{coordinator}"))
    return template[start + 1 :] if start >= 0 else template
