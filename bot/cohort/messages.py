"""Texts for import problems, as data: Dutch for school staff (the default) and English.

Issues carry a code and parameters; the sentence is made here, so the panel can show either
language and tests can assert on codes instead of on wording.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

Lang = Literal["nl", "en"]

_DATE_HINT_NL = "Gebruik DD-MM-JJJJ, bijvoorbeeld 03-09-2008."
_DATE_HINT_EN = "Use DD-MM-YYYY, for example 03-09-2008."

MESSAGES: Mapping[str, Mapping[Lang, str]] = {
    # Whole-file problems.
    "empty_file": {
        "nl": "Het bestand is leeg.",
        "en": "The file is empty.",
    },
    "header_only": {
        "nl": "Het bestand heeft alleen een kopregel en geen leerlingen.",
        "en": "The file has a header line but no students.",
    },
    "excel_file": {
        "nl": "Dit is een Excel-bestand, geen CSV-bestand. Kies in Excel 'Opslaan als' en dan "
        "'CSV (gescheiden door lijstscheidingsteken)', en probeer het opnieuw.",
        "en": "This is an Excel workbook, not a CSV file. In Excel choose 'Save as' and then "
        "'CSV (comma delimited)', and try again.",
    },
    "not_text": {
        "nl": "Dit is geen leesbaar CSV-bestand. Sla de lijst in uw spreadsheet op als "
        "'CSV (gescheiden door lijstscheidingsteken)' en probeer het opnieuw.",
        "en": "This is not a readable CSV file. Save the list from your spreadsheet as "
        "'CSV (comma delimited)' and try again.",
    },
    "unreadable_csv": {
        "nl": "Het bestand kan vanaf hier niet gelezen worden. Controleer de aanhalingstekens "
        '(") in deze regel: elk veld dat met een aanhalingsteken begint, moet er ook een '
        "hebben aan het eind.",
        "en": 'The file cannot be read from here on. Check the quotes (") on this line: every '
        "field that starts with a quote must also end with one.",
    },
    "too_many_rows": {
        "nl": "Het bestand heeft meer dan {max} leerlingen. Splits het in kleinere bestanden.",
        "en": "The file has more than {max} students. Split it into smaller files.",
    },
    "missing_columns": {
        "nl": "De kopregel mist verplichte kolommen: {columns}. De eerste regel van het "
        "bestand moet de kolomnamen bevatten.",
        "en": "The header line lacks required columns: {columns}. The first line of the file "
        "must hold the column names.",
    },
    "duplicate_column": {
        "nl": "Deze kolom staat meer dan één keer in de kopregel (ook als '{other}'). "
        "Laat er één staan.",
        "en": "This column appears more than once in the header line (also as '{other}'). "
        "Keep only one.",
    },
    "ignored_column": {
        "nl": "Deze kolom kent In Beeld niet; hij wordt genegeerd.",
        "en": "In Beeld does not know this column; it is ignored.",
    },
    # Row shape.
    "too_many_fields": {
        "nl": "Deze regel heeft {found} velden, de kopregel heeft er {expected}. Staat er een "
        "scheidingsteken ({separator}) in een waarde? Zet die waarde dan tussen "
        "aanhalingstekens.",
        "en": "This line has {found} fields, the header line has {expected}. Is there a "
        "separator ({separator}) inside a value? Then put that value in quotes.",
    },
    "too_few_fields": {
        "nl": "Deze regel heeft {found} velden, de kopregel heeft er {expected}. Er ontbreken "
        "waarden of scheidingstekens ({separator}).",
        "en": "This line has {found} fields, the header line has {expected}. Values or "
        "separators ({separator}) are missing.",
    },
    "open_quote": {
        "nl": "Deze regel loopt door over meerdere regels en heeft daardoor {found} velden in "
        'plaats van {expected}. Waarschijnlijk wordt een aanhalingsteken (") niet afgesloten. '
        "Controleer de aanhalingstekens in deze regel.",
        "en": "This record runs over several lines and so has {found} fields instead of "
        '{expected}. Probably a quote (") is not closed. Check the quotes on this line.',
    },
    # Values.
    "required": {
        "nl": "Deze waarde ontbreekt. Dit veld is verplicht.",
        "en": "This value is missing. The field is required.",
    },
    "too_long": {
        "nl": "'{value}' is te lang. Gebruik hoogstens {max} tekens.",
        "en": "'{value}' is too long. Use at most {max} characters.",
    },
    "control_characters": {
        "nl": "'{value}' bevat onzichtbare of ongeldige tekens. Typ de waarde opnieuw.",
        "en": "'{value}' contains invisible or invalid characters. Retype the value.",
    },
    "scientific_number": {
        "nl": "'{value}' lijkt door Excel omgezet in een getal, zodat cijfers verloren zijn. "
        "Zet de kolom in Excel op 'Tekst' en exporteer opnieuw.",
        "en": "'{value}' looks like a number Excel converted, so digits were lost. Set the "
        "column to 'Text' in Excel and export again.",
    },
    "date_format": {
        "nl": f"'{{value}}' is geen datum in een vorm die In Beeld kent. {_DATE_HINT_NL}",
        "en": f"'{{value}}' is not a date in a form In Beeld knows. {_DATE_HINT_EN}",
    },
    "date_two_digit_year": {
        "nl": f"'{{value}}' heeft een jaartal van twee cijfers. Schrijf het jaar voluit. "
        f"{_DATE_HINT_NL}",
        "en": f"'{{value}}' has a two-digit year. Write the year in full. {_DATE_HINT_EN}",
    },
    "date_impossible": {
        "nl": f"'{{value}}' is geen bestaande datum. {_DATE_HINT_NL}",
        "en": f"'{{value}}' is not an existing date. {_DATE_HINT_EN}",
    },
    "age_implausible": {
        "nl": "Met geboortedatum '{value}' is de leerling op de uitstroomdatum ({leaving_date}) "
        "{age} jaar. Dat kan niet kloppen: verwacht is {min_age} tot {max_age} jaar. "
        "Controleer de geboortedatum en de uitstroomdatum.",
        "en": "With date of birth '{value}' the student is {age} on the leaving date "
        "({leaving_date}). That cannot be right: expected is {min_age} to {max_age}. "
        "Check the date of birth and the leaving date.",
    },
    "profile_unknown": {
        "nl": "'{value}' is geen uitstroomprofiel dat In Beeld kent. Kies arbeid, "
        "dagbesteding of vervolgonderwijs.",
        "en": "'{value}' is not a profile In Beeld knows. Choose arbeid, dagbesteding or "
        "vervolgonderwijs.",
    },
    "participation_unknown": {
        "nl": "'{value}' is geen geldige deelname. Kies ja, nee of onbekend, of laat het veld "
        "leeg.",
        "en": "'{value}' is not a valid participation. Choose ja (yes), nee (no) or onbekend "
        "(unknown), or leave the field empty.",
    },
    "language_invalid": {
        "nl": "'{value}' is geen taalcode. Gebruik een code van twee letters, zoals nl, en, ar, "
        "tr, pl of uk, of laat het veld leeg.",
        "en": "'{value}' is not a language code. Use a two-letter code such as nl, en, ar, tr, "
        "pl or uk, or leave the field empty.",
    },
    "language_unsupported": {
        "nl": "Taal '{value}' kan de bot nog niet; deze leerling krijgt berichten in het "
        "Nederlands.",
        "en": "The bot does not speak '{value}' yet; this student gets messages in Dutch.",
    },
    "email_invalid": {
        "nl": "'{value}' is geen geldig e-mailadres.",
        "en": "'{value}' is not a valid e-mail address.",
    },
    "coordinator_unknown": {
        "nl": "'{value}' is geen begeleider die in In Beeld bekend is. Voeg deze begeleider "
        "eerst toe, of laat het veld leeg.",
        "en": "'{value}' is not a coordinator known in In Beeld. Add the coordinator first, "
        "or leave the field empty.",
    },
    "school_unknown": {
        "nl": "'{value}' is geen schoolcode die in In Beeld bekend is. Bekende codes: {known}.",
        "en": "'{value}' is not a school code known in In Beeld. Known codes: {known}.",
    },
    "duplicate_student": {
        "nl": "Leerling '{value}' van school {school} staat ook al op regel {first_line}. "
        "Elke leerling mag maar één keer in het bestand staan.",
        "en": "Student '{value}' of school {school} is also on line {first_line}. Each "
        "student may appear only once in the file.",
    },
}

_PREFIX: Mapping[Lang, tuple[str, str, str]] = {
    "nl": ("Regel {line}, kolom '{column}': ", "Regel {line}: ", "Kolom '{column}': "),
    "en": ("Line {line}, column '{column}': ", "Line {line}: ", "Column '{column}': "),
}

_MAX_SHOWN = 60


def shown_value(value: str) -> str:
    """A value as it fits in one readable sentence: one line, not endless."""
    flat = " ".join(value.split()) if any(c in value for c in "\r\n\t") else value
    if len(flat) > _MAX_SHOWN:
        return flat[: _MAX_SHOWN - 1] + "…"
    return flat


def render(
    code: str,
    lang: Lang,
    line: int | None,
    column: str | None,
    value: str | None,
    params: Mapping[str, str],
) -> str:
    templates = MESSAGES[code]
    body = templates.get(lang) or templates["nl"]
    text = body.format(value=shown_value(value or ""), **params)
    with_column, line_only, column_only = _PREFIX.get(lang, _PREFIX["nl"])
    if line is not None and column is not None:
        return with_column.format(line=line, column=shown_value(column)) + text
    if line is not None:
        return line_only.format(line=line) + text
    if column is not None:
        return column_only.format(column=shown_value(column)) + text
    return text
