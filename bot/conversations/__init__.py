"""Inbound handling: from a normalized `IncomingEvent` to stored answers, new flow state and
replies in the outbox, committed together. No channel library is imported here."""
