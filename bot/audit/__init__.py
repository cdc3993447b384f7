"""The audit log: record who viewed or changed what, and prove nobody rewrote it."""

from bot.audit.log import (
    GENESIS_HASH,
    AuditAction,
    ChainReport,
    canonical_content,
    record_event,
    verify_chain,
)

__all__ = [
    "GENESIS_HASH",
    "AuditAction",
    "ChainReport",
    "canonical_content",
    "record_event",
    "verify_chain",
]
