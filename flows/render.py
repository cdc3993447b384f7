"""Placeholders in youth-facing texts, filled in after translation."""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping

Translate = Callable[[str, str], str]

# Every placeholder a flow text may use; the service promises to put these in the context.
ALLOWED_PLACEHOLDERS: frozenset[str] = frozenset(
    {"first_name", "coordinator", "school", "school_contact"}
)

_FORMATTER = string.Formatter()


def identity(text: str, language: str) -> str:
    return text


def placeholders(text: str) -> list[str]:
    """Names of the `{placeholders}` in a text; raises ValueError for anything but plain names."""
    names = []
    for _literal, field, spec, conversion in _FORMATTER.parse(text):
        if field is None:
            continue
        if not field.isidentifier() or spec or conversion:
            raise ValueError(
                f"placeholder {{{field}{'!' + conversion if conversion else ''}"
                f"{':' + spec if spec else ''}}} must be a plain name like {{first_name}}"
            )
        names.append(field)
    return names


class MissingContextError(KeyError):
    """The service did not provide a value a text needs."""


def render(text: str, context: Mapping[str, object], language: str, translate: Translate) -> str:
    """Translate the Dutch source text, then fill in the placeholders.

    A broken translation (unknown or malformed placeholder) falls back to the Dutch source
    rather than failing the conversation.
    """
    translated = translate(text, language)
    if translated != text:
        try:
            return _fill(translated, context)
        except (KeyError, ValueError, IndexError, AttributeError):
            pass
    return _fill(text, context)


def _fill(text: str, context: Mapping[str, object]) -> str:
    if "{" not in text:
        return text
    try:
        return text.format_map(_Strict(context))
    except KeyError as missing:
        raise MissingContextError(f"context has no value for placeholder {missing}") from None


class _Strict(dict):
    def __init__(self, context: Mapping[str, object]) -> None:
        super().__init__()
        self._context = context

    def __missing__(self, key: str) -> str:
        if key in self._context and self._context[key] is not None:
            return str(self._context[key])
        raise KeyError(key)
