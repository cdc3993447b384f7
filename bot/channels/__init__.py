"""Channels: how messages reach a phone. Domain code talks to `Channel`; Telegram is one adapter."""

from bot.channels.base import (
    Blocked,
    Button,
    Channel,
    Delivered,
    Document,
    Failed,
    IncomingEvent,
    Marker,
    OutgoingMessage,
    Probe,
    ProbeOutcome,
    ProbingChannel,
    RetryLater,
    SendOutcome,
)

__all__ = [
    "Blocked",
    "Button",
    "Channel",
    "Delivered",
    "Document",
    "Failed",
    "IncomingEvent",
    "Marker",
    "OutgoingMessage",
    "Probe",
    "ProbeOutcome",
    "ProbingChannel",
    "RetryLater",
    "SendOutcome",
]
