"""The paper consent form: the one text a youth or their representative signs on paper.

A coordinator records a signed form in the panel; the ledger entry stores this form's version
and the SHA-256 of exactly this text, so it can later be shown what was signed. Change the
text only together with a new `PAPER_FORM_VERSION`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

PAPER_FORM_VERSION = "papier-2026-1"

PAPER_FORM_TEXT = """\
Toestemming In Beeld

In Beeld is een chatbot van je school en de gemeente. Na school stuurt In Beeld je een paar
keer per jaar een bericht via Telegram. We vragen hoe het met je gaat: werk, school of iets
anders. Gaat het niet goed? Dan neemt een vaste coördinator contact met je op.

Wat we bewaren: je naam, je school, je gemeente, je antwoorden en onze berichten.
Wie het ziet: je coördinator en de beheerder. Je school ziet alleen je antwoorden als de regio
dat heeft afgesproken.
Hoe lang: tot het programma stopt, daarna ruimen we je gegevens op.

Je mag altijd stoppen. Stuur /stop in de chat of zeg het tegen je coördinator of school.
Je mag ook vragen welke gegevens we hebben (/mijngegevens) of dat we alles wissen.

Ik geef toestemming voor de berichten van In Beeld.
Naam jongere:
Naam vertegenwoordiger (als dat nodig is) en relatie:
Datum en handtekening:
"""


@dataclass(frozen=True)
class ConsentForm:
    version: str
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


PAPER_FORM = ConsentForm(PAPER_FORM_VERSION, PAPER_FORM_TEXT)
