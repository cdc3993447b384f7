"""All tables. Import this package to register every table on the shared metadata."""

from bot.models.audit import AuditEvent
from bot.models.base import Participation, Profile, Role, SchoolType, metadata
from bot.models.consent import ConsentAction, ConsentEvent, GivenBy, Purpose
from bot.models.conversation import Answer, ChatMessage, Conversation, InboundUpdate
from bot.models.delivery import OutboxMessage, ScheduledContact
from bot.models.events import DomainEvent
from bot.models.org import Region, School, StaffUser
from bot.models.panel import LoginAttempt, PasswordSetupToken, StaffSession
from bot.models.signals import Escalation, Signal
from bot.models.youth import Invitation, Youth

__all__ = [
    "Answer",
    "AuditEvent",
    "ChatMessage",
    "ConsentAction",
    "ConsentEvent",
    "Conversation",
    "DomainEvent",
    "Escalation",
    "GivenBy",
    "InboundUpdate",
    "Invitation",
    "LoginAttempt",
    "OutboxMessage",
    "Participation",
    "PasswordSetupToken",
    "Profile",
    "Purpose",
    "Region",
    "Role",
    "ScheduledContact",
    "School",
    "SchoolType",
    "Signal",
    "StaffSession",
    "StaffUser",
    "Youth",
    "metadata",
]
