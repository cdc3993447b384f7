"""Crisis-language detection and the calm reply sent when it fires."""

from bot.crisis.detector import CrisisHit, detect_crisis
from bot.crisis.replies import CRISIS_REPLY_NL, crisis_reply

__all__ = ["CRISIS_REPLY_NL", "CrisisHit", "crisis_reply", "detect_crisis"]
