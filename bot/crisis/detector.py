"""Crisis-language detector: recall first, never logs or returns the message text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA

from bot.crisis.lexicon import CATEGORIES, CONTAINS_LANGUAGES, LANGUAGES, LEXICON
from bot.crisis.normalize import normalise_token, sentences

# Up to this many other words may stand between the words of a term.
MAX_GAP = 2
# Only longer words get typo tolerance: short words have too many one-letter neighbours
# ("slaat"/"staat"). One edit, where a swap of two letters counts as one (OSA distance).
FUZZY_MIN_LEN = 6
MAX_EDITS = 1


@dataclass(frozen=True, slots=True)
class CrisisHit:
    category: str  # suicide | self_harm | acute_danger | abuse
    language: str  # nl | en | ar | tr | pl | uk
    matched_term: str  # the lexicon term, never the youth's words


@dataclass(frozen=True, slots=True)
class _Word:
    text: str
    prefix: bool


@dataclass(frozen=True, slots=True)
class _Term:
    source: str
    words: tuple[_Word, ...]
    sentence_end: bool
    contains: bool


def _compile(term: str, contains: bool) -> _Term:
    parts = term.split()
    sentence_end = parts[-1] == "$"
    if sentence_end:
        parts = parts[:-1]
    words = []
    for part in parts:
        prefix = part.endswith("*")
        text = normalise_token(part.rstrip("*").casefold())
        # Lexicon words go through the same folding as messages.
        folded = [t for s in sentences(text) for t in s]
        words.append(_Word("".join(folded), prefix))
    return _Term(term, tuple(words), sentence_end, contains)


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[str, str, tuple[_Term, ...]], ...]:
    table = []
    for category in CATEGORIES:
        for language in LANGUAGES:
            terms = LEXICON[language].get(category, ())
            contains = language in CONTAINS_LANGUAGES
            table.append((category, language, tuple(_compile(t, contains) for t in terms)))
    return tuple(table)


def _close(a: str, b: str) -> bool:
    return OSA.distance(a, b, score_cutoff=MAX_EDITS) <= MAX_EDITS


def _word_matches(word: _Word, token: str, contains: bool) -> bool:
    w = word.text
    if contains:
        return w in token
    if word.prefix:
        if token.startswith(w):
            return True
        if len(w) < FUZZY_MIN_LEN or len(token) < len(w) - MAX_EDITS:
            return False
        return any(_close(token[: len(w) + d], w) for d in (-1, 0, 1))
    if token == w:
        return True
    return len(w) >= FUZZY_MIN_LEN and abs(len(token) - len(w)) <= MAX_EDITS and _close(token, w)


def _term_matches(term: _Term, tokens: Sequence[str]) -> bool:
    words = term.words
    last = len(tokens) - 1

    def match_from(word_index: int, token_index: int) -> bool:
        if not _word_matches(words[word_index], tokens[token_index], term.contains):
            return False
        if word_index == len(words) - 1:
            return not term.sentence_end or token_index == last
        stop = min(last, token_index + 1 + MAX_GAP)
        return any(match_from(word_index + 1, j) for j in range(token_index + 1, stop + 1))

    return any(match_from(0, i) for i in range(len(tokens)))


def detect_crisis(text: str) -> CrisisHit | None:
    """Return the most serious crisis category found in `text`, or None.

    Looks in all six languages for every message, because youths switch languages.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    parsed = sentences(text)
    if not parsed:
        return None
    for category, language, terms in _compiled():
        for term in terms:
            if any(_term_matches(term, tokens) for tokens in parsed):
                return CrisisHit(category, language, term.source)
    return None
