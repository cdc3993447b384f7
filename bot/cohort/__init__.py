"""Cohort import, the pure part: bytes in, validated rows or plain-Dutch errors out."""

from bot.cohort.dryrun import ChangeKind, DryRunReport, FieldChange, RowChange, diff_cohort
from bot.cohort.model import (
    CohortIssue,
    CohortRow,
    ParsedCohort,
    Participation,
    Profile,
)
from bot.cohort.parser import parse_cohort

__all__ = [
    "ChangeKind",
    "CohortIssue",
    "CohortRow",
    "DryRunReport",
    "FieldChange",
    "ParsedCohort",
    "Participation",
    "Profile",
    "RowChange",
    "diff_cohort",
    "parse_cohort",
]
