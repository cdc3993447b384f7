"""What the check-in engine itself says to a youth (Dutch source, translated via the catalogs)."""

from bot.i18n import Y_

# Sent just before the open question is asked again (a reminder).
REMINDER_INTRO = Y_("Hoi {first_name}, heb je mijn vraag gezien?")
