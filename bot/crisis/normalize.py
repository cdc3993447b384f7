"""Text normalisation shared by the crisis lexicon and the messages it is matched against.

Both sides go through the same steps, so a lexicon entry written with accents, double
letters or Turkish/Polish letters matches a message typed without them, and vice versa.
"""

from __future__ import annotations

import re
import unicodedata

# Telegram messages are at most 4096 characters; the cap only bounds work on hostile input.
MAX_CHARS = 20_000

_CHAR_MAP = str.maketrans(
    {
        "ı": "i",
        "ł": "l",
        "ø": "o",
        "ß": "ss",
        "ة": "ه",  # Arabic taa marbuta is often typed as haa
        "ى": "ي",  # alif maqsura typed as yaa
        "ـ": None,  # Arabic tatweel (stretching), purely decorative
        "'": None,
        "’": None,
        "ʼ": None,
        "`": None,
        "´": None,
    }
)
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_SENTENCE_BREAK = re.compile(r"[.!?;\n\r]+")
_TOKEN = re.compile(r"[\w@$]+")
_HAS_LETTER = re.compile(r"[^\W\d_]")
_REPEATED_LETTER = re.compile(r"([^\W\d_])\1+")


def fold(text: str) -> str:
    """Lowercase, strip accents and invisible format characters, unify look-alike letters."""
    text = text[:MAX_CHARS].casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(
        c
        for c in decomposed
        if not unicodedata.combining(c) and unicodedata.category(c) not in ("Cf", "Cs", "Co")
    )
    return unicodedata.normalize("NFC", kept).translate(_CHAR_MAP)


def normalise_token(token: str) -> str:
    # Leetspeak only inside words ("z3lfm00rd"), so numbers like 112 and 113 stay numbers.
    if _HAS_LETTER.search(token):
        token = token.translate(_LEET)
    token = re.sub(r"[@$]", "", token)
    # "dooooood", "zelfmoooord": collapse repeated letters (never digits: 112 stays 112).
    return _REPEATED_LETTER.sub(r"\1", token)


def sentences(text: str) -> list[list[str]]:
    """Normalised tokens, per sentence."""
    result: list[list[str]] = []
    for sentence in _SENTENCE_BREAK.split(fold(text)):
        tokens = [t for t in (normalise_token(raw) for raw in _TOKEN.findall(sentence)) if t]
        if tokens:
            result.append(tokens)
    return result
