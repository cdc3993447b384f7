"""Translated labels for stored codes (states, severities, outcomes, activities), built per
request so they follow the user's language."""

from __future__ import annotations

from admin.i18n import _


def severity_labels() -> dict[str, str]:
    return {"urgent": _("Dringend"), "attention": _("Aandacht"), "info": _("Ter info")}


def state_labels() -> dict[str, str]:
    return {
        "open": _("Nieuw"),
        "acknowledged": _("Opgepakt"),
        "in_progress": _("Mee bezig"),
        "handover_requested": _("Overdracht gevraagd"),
        "handed_over": _("Overgedragen"),
        "closed": _("Gesloten"),
    }


def outcome_labels() -> dict[str, str]:
    return {
        "back_to_work": _("Weer aan het werk"),
        "back_to_school": _("Weer naar school"),
        "gemeente_support": _("Steun van de gemeente"),
        "zorg": _("Zorg"),
        "no_action_needed": _("Niets nodig"),
        "lost_contact": _("Contact verloren"),
    }


def activity_labels() -> dict[str, str]:
    return {
        "werk": _("Werk"),
        "school": _("Opleiding"),
        "stage": _("Stage"),
        "dagbesteding": _("Dagbesteding"),
        "niks": _("Niets"),
    }


def participation_labels() -> dict[str, str]:
    return {"ja": _("Doet mee"), "nee": _("Doet niet mee"), "onbekend": _("Nog onbekend")}
