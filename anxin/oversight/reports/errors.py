"""The error codes of the reports upward; shared codes (font_missing…) are in anxin.core.errors, and a
period that cannot be read or has not started is the ledgers' ``bad_period`` (anxin.ledgers.errors)."""

from enum import StrEnum


class ReportError(StrEnum):
    UNKNOWN_REPORT_KIND = "unknown_report_kind"
    #: The unit is not a county or city bureau in the caller's reach.
    UNIT_NOT_ALLOWED = "unit_not_allowed"
