"""The answer keys, answer values, event kinds and context keys that signal rules may use.

This is the single place the flows (which ask the questions) and the signal rules (which read
the answers) must agree on. Change a value here and the rule loader will point at every rule
that still uses the old one.
"""

from __future__ import annotations

from typing import Final

# Answers with a fixed set of choices. The flows store the choice id, never the button label.
CHOICE_ANSWERS: Final[dict[str, tuple[str, ...]]] = {
    "activity": ("werk", "school", "stage", "dagbesteding", "niks"),
    "work_ok": ("ja", "nee", "gaat_wel"),
    "school_ok": ("ja", "nee", "gaat_wel"),
    "stage_ok": ("ja", "nee", "gaat_wel"),
    "wage_21": ("ja_goed", "nog_niet", "zorgen", "weet_niet"),
    "nothing_reason": ("zoek_werk", "zoek_school", "rust", "weet_niet"),
    "contract_end": ("binnen_1m", "binnen_3m", "later", "weet_niet", "vast"),
    "contract_renewed": ("ja", "nee", "weet_niet"),
    "help_needed": ("geld", "wonen", "werk", "gezondheid", "anders", "nee"),
    "call_me": ("ja", "nee"),
    "reoffer": ("ja", "nee", "bel"),
}

# Choice answers where a youth may pick more than one option (stored as a tuple of choices).
MULTI_CHOICE_ANSWERS: Final[frozenset[str]] = frozenset({"help_needed"})

# Whole-number answers and their inclusive range.
NUMBER_ANSWERS: Final[dict[str, tuple[int, int]]] = {"mood": (1, 5)}

# Answers holding a calendar date.
DATE_ANSWERS: Final[frozenset[str]] = frozenset({"contract_end_date"})

# Free text typed by the youth. Rules may only run the crisis detector over it.
TEXT_ANSWERS: Final[frozenset[str]] = frozenset(
    {"free_text", "help_other", "contract_end_text", "mood_text"}
)

ANSWER_KEYS: Final[frozenset[str]] = frozenset(
    set(CHOICE_ANSWERS) | set(NUMBER_ANSWERS) | DATE_ANSWERS | TEXT_ANSWERS
)

# Things that happen outside a check-in; the service records them and passes them in.
EVENT_BLOCKED: Final = "blocked"  # Telegram 403 / my_chat_member "kicked"
EVENT_SILENT_AFTER_NUDGES: Final = "silent_after_nudges"  # no reply after the whole nudge ladder
EVENT_CRISIS_LANGUAGE: Final = "crisis_language"  # crisis detector hit on a message outside a flow
EVENT_KINDS: Final[frozenset[str]] = frozenset(
    {EVENT_BLOCKED, EVENT_SILENT_AFTER_NUDGES, EVENT_CRISIS_LANGUAGE}
)

# Facts about the youth that the evaluator derives from `SignalContext`.
CONTEXT_DAYS_UNTIL_21: Final = "days_until_21"
CONTEXT_KEYS: Final[frozenset[str]] = frozenset({CONTEXT_DAYS_UNTIL_21})
