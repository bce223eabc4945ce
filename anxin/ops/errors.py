"""Codes the operators' tools answer with: entering a year's holiday schedule from a file."""

from enum import StrEnum


class OpsError(StrEnum):
    # The file as a whole.
    CALENDAR_TOO_LARGE = "calendar_too_large"
    CALENDAR_ENCODING = "calendar_encoding"
    CALENDAR_EMPTY = "calendar_empty"
    #: The dates do not all lie in the year being entered.
    CALENDAR_WRONG_YEAR = "calendar_wrong_year"
    #: The year is outside the range the platform reckons with.
    CALENDAR_BAD_YEAR = "calendar_bad_year"
    # One line of it.
    CALENDAR_BAD_LINE = "calendar_bad_line"
    CALENDAR_BAD_DATE = "calendar_bad_date"
    CALENDAR_BAD_TYPE = "calendar_bad_type"
    CALENDAR_BAD_NAME = "calendar_bad_name"
    CALENDAR_DUPLICATE = "calendar_duplicate"
    CALENDAR_DEFAULT_ROW = "calendar_default_row"
