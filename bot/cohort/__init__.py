"""Cohort import, the pure part: bytes in, validated rows or plain-Dutch errors out."""

from bot.cohort.dryrun import DryRunReport, RowChange, diff_cohort
from bot.cohort.model import (
    CohortIssue,
    CohortRow,
    ParsedCohort,
    Participation,
    Profile,
)
from bot.cohort.parser import parse_cohort

__all__ = [
    "CohortIssue",
    "CohortRow",
    "DryRunReport",
    "ParsedCohort",
    "Participation",
    "Profile",
    "RowChange",
    "diff_cohort",
    "parse_cohort",
]
