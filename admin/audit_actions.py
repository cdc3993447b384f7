"""Audit action names for what staff do on the panel's work pages (`bot.audit.record_event`
takes any string; these stay within its 40 characters). Details hold ids and choices only."""

from __future__ import annotations

from enum import StrEnum


class PanelAction(StrEnum):
    PAUSE_SET = "pause_set"
    PAUSE_ENDED = "pause_ended"
    PROGRAMME_CHANGED = "programme_changed"
    COORDINATOR_CHANGED = "coordinator_changed"
    INVITATION_ISSUED = "invitation_issued"
    MESSAGE_SENT = "message_sent"
    CONSENT_RECORDED = "consent_recorded"
    WITHDRAWAL_RECORDED = "withdrawal_recorded"
    VIEW_ESCALATIONS = "view_escalations"
    ESCALATION_ACKNOWLEDGED = "escalation_acknowledged"
    ESCALATION_STARTED = "escalation_started"
    ESCALATION_ASSIGNED = "escalation_assigned"
    HANDOVER_REQUESTED = "handover_requested"
    HANDOVER_ACCEPTED = "handover_accepted"
    HANDOVER_WITHDRAWN = "handover_withdrawn"
    ESCALATION_CLOSED = "escalation_closed"
    VIEW_REPORT = "view_report"
    REPORT_DOWNLOADED = "report_downloaded"
    LANGUAGE_CHANGED = "language_changed"
