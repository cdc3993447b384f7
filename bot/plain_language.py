"""Plain-language linter for youth-facing Dutch (B1 or simpler).

Youths read these texts on a phone, often in their second language. The rules are the house
style: everyday words instead of the jargon of schools and municipalities, short sentences,
and "je" instead of "u". (One question per message is checked on the flows' question nodes,
where a question is a structure; a text may quote example questions.)

Which texts are youth-facing: the flows' texts (``flows.catalogue.text_catalogue``) and every
Python string marked ``Y_("...")`` (see :mod:`bot.i18n`); ``youth_texts_in_python`` finds the
latter with Babel, the same extractor the translators' template comes from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.extract import extract_from_dir

MAX_SENTENCE_WORDS = 20
MAX_AVERAGE_WORDS = 12.0

# Jargon -> what to say instead. Matched inside words too, because Dutch glues words together
# ("nazorgtraject", "trajectbegeleider").
BANNED: dict[str, str] = {
    "aanvullende loopbaanbegeleiding": "hulp bij werk of school",
    "loopbaanbegeleiding": "hulp bij werk of school",
    "uitstroomprofiel": "(zeg wat je bedoelt: werk, school of dagbesteding)",
    "uitstroom": "van school gaan",
    "escalatie": "(zeg wie er gaat helpen)",
    "escaleren": "(zeg wie er gaat helpen)",
    "trajectbegeleiding": "hulp",
    "traject": "plan",
    "interventie": "hulp",
    "participatie": "meedoen",
    "re-integratie": "weer aan het werk gaan",
    "reintegratie": "weer aan het werk gaan",
    "arbeidsmarktgericht": "gericht op werk",
    "nazorg": "hulp na school",
    "signalering": "(zeg wat er gebeurt)",
    "verwerking": "wat we met je gegevens doen",
    "persoonsgegevens": "gegevens",
    "toestemmingsverklaring": "je ja",
    "doelgroep": "jongeren",
    "zorgcoördinator": "(de naam van de persoon)",
    "casemanager": "(de naam van de persoon)",
    "indicatie": "(zeg wat je bedoelt)",
    "bewerkstelligen": "zorgen dat",
    "ten behoeve van": "voor",
    "middels": "met",
    "derhalve": "dus",
    "teneinde": "om",
    "alsmede": "en",
    "conform": "volgens",
}
# Acronyms are matched as whole words with their case, so "avg" inside a word is left alone.
BANNED_ACRONYMS: dict[str, str] = {
    "AVG": "de privacywet (of: wat we met je gegevens doen)",
    "UWV": "(leg uit wat het is, of noem de persoon)",
    "VSV": "(zeg wat je bedoelt)",
}

_FORMAL = re.compile(r"\b(u|uw|uzelf)\b", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
# A sentence ends at . ! ? or a line break; "113.nl" and "14.30" are not ends (no space after).
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
_WORD = re.compile(r"[^\W_]+(?:[-'’.:][^\W_]+)*")


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str  # "jargon", "sentence-length", "average-length", "formal"
    detail: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.detail}"


def sentences(text: str) -> list[str]:
    prose = _PLACEHOLDER.sub("Naam", text)
    return [part.strip() for part in _SENTENCE_END.split(prose) if _WORD.search(part)]


def word_count(sentence: str) -> int:
    return len(_WORD.findall(sentence))


def lint(text: str) -> list[Finding]:
    """Everything that makes ``text`` harder than plain Dutch; empty when it is fine."""
    findings: list[Finding] = []
    prose = _PLACEHOLDER.sub("Naam", text)
    lowered = prose.lower()
    for word, instead in BANNED.items():
        if word in lowered:
            findings.append(Finding("jargon", f"{word!r}: say {instead!r}"))
    for acronym, instead in BANNED_ACRONYMS.items():
        if re.search(rf"\b{re.escape(acronym)}\b", prose):
            findings.append(Finding("jargon", f"{acronym!r}: say {instead!r}"))
    if match := _FORMAL.search(prose):
        findings.append(Finding("formal", f"{match.group()!r}: write 'je' or 'jij'"))
    counts = [word_count(sentence) for sentence in sentences(text)]
    for sentence, count in zip(sentences(text), counts, strict=True):
        if count > MAX_SENTENCE_WORDS:
            findings.append(
                Finding(
                    "sentence-length",
                    f"{count} words (at most {MAX_SENTENCE_WORDS}): {sentence[:60]!r}",
                )
            )
    if counts and sum(counts) / len(counts) > MAX_AVERAGE_WORDS:
        average = sum(counts) / len(counts)
        findings.append(
            Finding(
                "average-length",
                f"{average:.1f} words per sentence (at most {MAX_AVERAGE_WORDS:g})",
            )
        )
    return findings


@dataclass(frozen=True, slots=True)
class YouthText:
    text: str
    where: str  # "bot/crisis/replies.py:12"


def youth_texts_in_python(
    root: Path, packages: Iterable[str] = ("bot", "flows")
) -> list[YouthText]:
    """Every ``Y_("...")`` text in the packages' Python files, found by Babel's extractor."""
    found: list[YouthText] = []
    for package in packages:
        directory = root / package
        if not directory.is_dir():
            continue
        for filename, lineno, message, _comments, _context in extract_from_dir(
            directory,
            method_map=[("**.py", "python")],
            keywords={"Y_": None},
        ):
            texts = message if isinstance(message, tuple) else (message,)
            found += [YouthText(text, f"{package}/{filename}:{lineno}") for text in texts if text]
    return found


def lint_all(texts: Iterable[YouthText]) -> Iterator[tuple[YouthText, list[Finding]]]:
    """Each text with findings, in the given order."""
    for text in texts:
        findings = lint(text.text)
        if findings:
            yield text, findings
