"""Turning a typed reply into a button, only when it clearly means exactly one."""

from __future__ import annotations

import unicodedata


def normalize(text: str) -> str:
    """Case-, accent-, whitespace- and punctuation-insensitive form of a reply.

    Symbols (emoji such as the mood faces) are kept; variation selectors and accents go, so
    "😐️" and "😐", "Ja!" and "ja", "Scholé" and "school"-like spellings compare equal.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    chars: list[str] = []
    for ch in decomposed:
        category = unicodedata.category(ch)
        if category.startswith("M") or category == "Cf":
            continue  # accents, variation selectors, zero-width joiners
        if ch.isalnum() or category.startswith("S"):
            chars.append(ch.casefold())
        else:
            chars.append(" ")
    return " ".join("".join(chars).split())


class AmbiguousPhraseError(ValueError):
    """Two buttons of one question answer to the same phrase."""

    def __init__(self, phrase: str, first: str, second: str) -> None:
        super().__init__(f"phrase {phrase!r} would match both button {first!r} and {second!r}")
        self.phrase, self.first, self.second = phrase, first, second


def build_table(phrases_by_button: dict[str, list[str]]) -> dict[str, str]:
    """Map each normalized phrase to its button id; refuse phrases two buttons share."""
    table: dict[str, str] = {}
    for button_id, phrases in phrases_by_button.items():
        for phrase in phrases:
            key = normalize(phrase)
            if not key:
                continue
            owner = table.get(key)
            if owner is not None and owner != button_id:
                raise AmbiguousPhraseError(phrase, owner, button_id)
            table[key] = button_id
    return table


def match(text: str, table: dict[str, str], extra: dict[str, set[str]] | None = None) -> str | None:
    """The one button id the text means, or None (no match, or more than one candidate).

    `extra` maps button id -> additional normalized phrases (e.g. translated labels).
    """
    key = normalize(text)
    if not key:
        return None
    candidates: set[str] = set()
    if key in table:
        candidates.add(table[key])
    if extra:
        candidates.update(button for button, phrases in extra.items() if key in phrases)
    return candidates.pop() if len(candidates) == 1 else None
