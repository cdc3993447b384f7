"""Recall and false-positive figures of the crisis detector on tests/crisis/corpus.yaml.

Run: .venv/bin/python -m tests.crisis.corpus_stats
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.crisis import detect_crisis

CORPUS = Path(__file__).with_name("corpus.yaml")


@dataclass
class Stats:
    positives: int = 0
    detected: int = 0
    category_agrees: int = 0
    missed: list[str] = field(default_factory=list)
    negatives: int = 0
    false_alarms: int = 0
    accepted_false_alarms: int = 0
    unexpected_false_alarms: list[str] = field(default_factory=list)
    accepted_but_quiet: list[str] = field(default_factory=list)
    per_language: Counter = field(default_factory=Counter)

    @property
    def recall(self) -> float:
        return self.detected / self.positives if self.positives else 0.0

    @property
    def false_positive_rate(self) -> float:
        return self.false_alarms / self.negatives if self.negatives else 0.0

    @property
    def precision(self) -> float:
        flagged = self.detected + self.false_alarms
        return self.detected / flagged if flagged else 0.0


def load_corpus(path: Path = CORPUS) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def measure(corpus: dict) -> Stats:
    stats = Stats()
    for item in corpus["positives"]:
        stats.positives += 1
        stats.per_language[item["lang"]] += 1
        hit = detect_crisis(item["text"])
        if hit is None:
            stats.missed.append(f"{item['lang']}: {item['text']}")
            continue
        stats.detected += 1
        stats.category_agrees += hit.category == item["cat"]
    for item in corpus["negatives"]:
        stats.negatives += 1
        hit = detect_crisis(item["text"])
        accepted = bool(item.get("accepted"))
        if hit is not None:
            stats.false_alarms += 1
            if accepted:
                stats.accepted_false_alarms += 1
            else:
                stats.unexpected_false_alarms.append(f"{item['text']} -> {hit.matched_term}")
        elif accepted:
            stats.accepted_but_quiet.append(item["text"])
    return stats


def main() -> None:
    s = measure(load_corpus())
    print(f"positives: {s.positives} ({dict(sorted(s.per_language.items()))})")
    print(f"recall: {s.recall:.1%} ({s.detected}/{s.positives})")
    print(f"category agreement: {s.category_agrees / max(s.detected, 1):.1%}")
    print(
        f"negatives: {s.negatives}; false alarms: {s.false_alarms} "
        f"(accepted: {s.accepted_false_alarms}); false-positive rate: {s.false_positive_rate:.1%}"
    )
    print(f"precision on this corpus: {s.precision:.1%}")
    for line in s.missed:
        print(f"MISSED {line}")
    for line in s.unexpected_false_alarms:
        print(f"UNEXPECTED FALSE ALARM {line}")


if __name__ == "__main__":
    main()
