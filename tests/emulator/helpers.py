from __future__ import annotations

import warnings
from datetime import timedelta

from telegram.error import RetryAfter


def retry_seconds(error: RetryAfter) -> float:
    """PTB 22 gives an int (deprecated) or a timedelta (opt-in); accept both quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
