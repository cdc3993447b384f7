"""The one place panel text goes through before it is shown.

Translations are loaded by bot.i18n; until that is wired in, ``_`` returns the Dutch source text
(which is also the msgid), optionally filled with ``{placeholders}``.
"""

from __future__ import annotations


def _(message: str, **values: object) -> str:
    return message.format(**values) if values else message


def gettext(message: str) -> str:
    return message
