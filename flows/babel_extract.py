"""Babel extraction method so `pybabel extract` finds the texts in flow YAML files.

Configure in the Babel mapping, e.g. ``[flows: flows/**.yaml]`` with method
``flows.babel_extract:extract_flows``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from flows.catalogue import iter_texts


def extract_flows(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Yield (lineno, funcname, message, comments) as Babel expects."""
    encoding = options.get("encoding", "utf-8")
    source = fileobj.read()
    if isinstance(source, bytes):
        source = source.decode(encoding)
    for line, text, where in iter_texts(source):
        yield line, None, text, [where]
