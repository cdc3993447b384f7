"""Texts of the watchers: to coordinators (Dutch source, N_) and to youths (Y_, plain language).

Coordinator texts hold the minimum a coordinator needs to act: first name, school, reasons with
their dates, the last check-in's choices. Never a surname, contact details or the youth's free
text (Telegram and e-mail are not end-to-end encrypted); a relayed message is the exception the
youth chose by writing to their coordinator, and it is never sent by e-mail.
"""

from bot.i18n import N_, Y_

# -- to coordinators ------------------------------------------------------------------------------
ALERT_ATTENTION = N_("In Beeld: {first_name} ({school}) heeft aandacht nodig.")
ALERT_URGENT = N_(
    "DRINGEND. In Beeld: {first_name} ({school}) heeft nu hulp nodig. "
    "Neem zo snel mogelijk contact op."
)
ALERT_CONVERSATION = N_("In Beeld: {first_name} ({school}) wil iemand spreken.")
ALERT_BACKUP = N_(
    "Je bent reserve voor {coordinator}. {first_name} ({school}) wacht op iemand: "
    "niemand heeft de melding opgepakt."
)
REMINDER = N_("Herinnering: niemand heeft de melding over {first_name} ({school}) opgepakt.")
HANDOVER_REMINDER = N_(
    "Herinnering: {organisation} heeft de overdracht van {first_name} ({school}) nog niet "
    "geaccepteerd. Tot dan blijf jij verantwoordelijk."
)
REASONS = N_("Waarom:")
REASON_LINE = N_("- {description} ({day})")
REASON_LINE_UNDATED = N_("- {description}")
LAST_ANSWERS = N_("Laatste antwoorden ({day}): {answers}")
ACK_BEFORE = N_("Graag oppakken voor {deadline}.")
REPLY_HINT = N_("Antwoord op dit bericht (Beantwoorden) om {first_name} te schrijven.")
CONVERSATION_WISH = N_("{first_name} ({school}) wil iemand spreken.")

BUTTON_ACK = N_("Ik pak het op")
BUTTON_PANEL = N_("Open in panel")
BUTTON_HANDOVER = N_("Geef door")

ACKNOWLEDGED = N_(
    "Genoteerd: jij pakt {first_name} op. Antwoord op een bericht van {first_name} om terug "
    "te schrijven."
)
ALREADY_ACKNOWLEDGED = N_("Deze melding is al opgepakt door {name}.")
NOT_FOR_YOU = N_("Deze melding is niet voor jou. Vraag de coördinator of het panel.")
UNKNOWN_ALERT = N_("Deze melding bestaat niet meer.")
HANDOVER_HOW = N_(
    "Doorgeven gaat in het panel: kies Overdragen en vul de naam en de organisatie in. "
    "De ander moet het accepteren. Tot dan blijf jij verantwoordelijk. {link}"
)
RELAY = N_("{first_name}: {text}")
RELAYED = N_("Doorgestuurd naar {first_name}.")
RELAY_FAILED = N_(
    "{first_name} heeft geen Telegram meer gekoppeld. Neem op een andere manier contact op."
)
NO_REPLY_TARGET = N_(
    "Voor wie is dit? Antwoord op een melding of op een bericht van een jongere "
    "(lang indrukken, dan Beantwoorden)."
)
STAFF_HELP = N_(
    "Dit is de meldingen-chat van In Beeld. Meldingen over jongeren komen hier. "
    "Antwoord op een bericht van een jongere om terug te schrijven. "
    "Meer zie je in het panel: {link}"
)
REPRESENTATIVE_NEEDED = N_(
    "{first_name} ({school}) zei ja, maar een ouder, verzorger of mentor moet ook toestemming "
    "geven. Regel dat in het panel: {link}"
)
ERASURE_REQUESTED = N_(
    "{first_name} ({school}) vraagt om alle gegevens te wissen. Neem contact op en wis daarna "
    "in het panel: {link}"
)
TASK = N_("Taak bij {first_name} ({school}): {note}")
EMAIL_SUBJECT = N_("In Beeld: melding over {first_name}")
EMAIL_SUBJECT_URGENT = N_("DRINGEND - In Beeld: melding over {first_name}")
EMAIL_RELAY = N_(
    "{first_name} ({school}) stuurde je een bericht in In Beeld. Lees en beantwoord het in het "
    "panel: {link}"
)
EMAIL_FOOTER = N_("Open in het panel: {link}")

# What a handoff reason means for the coordinator (the reasons the router passes).
HANDOFF_REASONS = {
    "asked_for_person": N_("Vraagt om iemand te spreken."),
    "message": N_("Stuurde een bericht."),
    "question": N_("Heeft een vraag over meedoen."),
    "reoffer_accepted": N_("Zegt ja op het nieuwe aanbod."),
    "reoffer_call": N_("Wil gebeld worden over het nieuwe aanbod."),
}
HANDOFF_OTHER = N_("Wil contact.")

# -- to youths --------------------------------------------------------------------------------
FROM_COORDINATOR = Y_("Bericht van {coordinator}: {message}")
