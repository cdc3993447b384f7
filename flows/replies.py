"""The engine's own texts (not understood, stale button, handoff) and intent keywords."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

from flows.matching import normalize
from flows.render import ALLOWED_PLACEHOLDERS, placeholders

REPLIES_PATH = Path(__file__).parent / "replies.yaml"
REQUIRED_TEXTS = (
    "not_understood_buttons",
    "not_understood_text",
    "stale_button",
    "old_button",
    "offer_handoff",
    "handoff_ack",
    "handoff_button",
)


@dataclass(frozen=True, slots=True)
class Replies:
    texts: dict[str, str]
    handoff_keywords: frozenset[str]  # normalized
    stop_keywords: frozenset[str]  # normalized


def load_replies(path: Path = REPLIES_PATH) -> Replies:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    texts = data.get("texts") or {}
    problems = [f"{path}: texts.{key} is missing" for key in REQUIRED_TEXTS if not texts.get(key)]
    for key, text in texts.items():
        unknown = set(placeholders(text)) - ALLOWED_PLACEHOLDERS
        if unknown:
            problems.append(f"{path}: texts.{key}: unknown placeholders {sorted(unknown)}")
    if problems:
        raise ValueError("\n".join(problems))
    keywords = data.get("keywords") or {}
    return Replies(
        texts=dict(texts),
        handoff_keywords=frozenset(normalize(k) for k in keywords.get("handoff", [])),
        stop_keywords=frozenset(normalize(k) for k in keywords.get("stop", [])),
    )


@functools.cache
def replies() -> Replies:
    return load_replies()


def is_handoff_request(text: str) -> bool:
    """For the service too: a typed 'Ik wil iemand spreken' outside any conversation."""
    return normalize(text) in replies().handoff_keywords


def is_stop_request(text: str) -> bool:
    return normalize(text) in replies().stop_keywords
