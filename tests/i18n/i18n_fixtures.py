"""Fake catalogs written with Babel, so translator and checker tests do not depend on the
real catalogs' contents."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

# (msgid or (singular, plural), msgstr or plural forms, flags)
Entry = tuple[str | tuple[str, str], str | Sequence[str], set[str]]


def write_catalog(
    locales: Path, lang: str, entries: Sequence[Entry], *, plural_forms: str | None = None
) -> Path:
    """A catalog for `lang`; `plural_forms` fixes its Plural-Forms header, so a test does not
    depend on the default the installed Babel has for the language (2.19 reordered Arabic's)."""
    catalog = Catalog(locale=lang, domain="messages", project="test")
    if plural_forms is not None:
        catalog.mime_headers = [*catalog.mime_headers, ("Plural-Forms", plural_forms)]
    for msgid, msgstr, flags in entries:
        string = tuple(msgstr) if isinstance(msgstr, (list, tuple)) else msgstr
        catalog.add(msgid, string, flags=flags)
    po = locales / lang / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True, exist_ok=True)
    with po.open("wb") as handle:
        write_po(handle, catalog)
    return po
