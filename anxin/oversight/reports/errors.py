"""The error codes of the reports upward; shared codes (font_missing…) are in anxin.core.errors."""

from enum import StrEnum


class ReportError(StrEnum):
    UNKNOWN_REPORT_KIND = "unknown_report_kind"
    #: A period that has not started yet, or a date that is not one.
    BAD_PERIOD = "bad_period"
    #: The unit is not a county or city bureau in the caller's reach.
    UNIT_NOT_ALLOWED = "unit_not_allowed"
