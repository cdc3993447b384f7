"""Babel extraction method so `pybabel extract` finds the texts in flow YAML files.

Babel mapping (patterns are relative to the directory given to `pybabel extract`):

    [extractors]
    flows = flows.babel_extract:extract_flows

    [flows: flows/**.yaml]      # when extracting from the project root
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
