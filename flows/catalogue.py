"""Every youth-facing Dutch text in the flows and the engine's replies, with where it is.

Used by the translators' extraction (see `flows.babel_extract`) and by the plain-language test.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from flows.loader import FLOWS_DIR, REPLIES_FILE, flow_files

TEXT_KEYS = frozenset({"text", "label"})


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    text: str
    path: str
    line: int  # 1-based
    where: str  # e.g. "checkin: node mood, button 3" — a hint for translators


def iter_texts(source: str, name: str = "") -> Iterator[tuple[int, str, str]]:
    """(line, text, where) for every youth-facing text in one YAML document.

    Texts are the values of `text` and `label` keys anywhere, and the values under a
    top-level `texts` mapping (the engine's replies).
    """
    root = yaml.compose(source, Loader=yaml.SafeLoader)
    if root is None:
        return
    yield from _walk(root, [name] if name else [], top=True)


def _walk(node: yaml.Node, trail: list[str], top: bool = False) -> Iterator[tuple[int, str, str]]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                continue
            here = [*trail, key.value]
            if isinstance(value, yaml.ScalarNode) and key.value in TEXT_KEYS:
                if value.value.strip():
                    yield value.start_mark.line + 1, value.value, " ".join(here)
            elif top and key.value == "texts" and isinstance(value, yaml.MappingNode):
                for text_key, text in value.value:
                    if isinstance(text, yaml.ScalarNode) and text.value.strip():
                        yield text.start_mark.line + 1, text.value, f"texts {text_key.value}"
            else:
                yield from _walk(value, here)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _walk(item, [*trail, str(index)])


def text_catalogue(directory: str | Path = FLOWS_DIR) -> list[CatalogueEntry]:
    """All texts of the flow files in `directory` plus the engine's replies, in file order."""
    paths = [*flow_files(directory), REPLIES_FILE]
    entries = []
    for path in paths:
        source = path.read_text(encoding="utf-8")
        for line, text, where in iter_texts(source, path.stem):
            entries.append(CatalogueEntry(text, str(path), line, where))
    return entries
