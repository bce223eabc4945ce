"""The error codes of 心理筛查; shared codes are in anxin.core.errors, and the warning notes' codes
(note_required, note_too_long) are the early warnings' (anxin.warnings.errors.WarningError)."""

from enum import StrEnum


class WellbeingError(StrEnum):
    #: The class is not a secondary class (初一 and up): the instruments are for adolescents.
    NOT_SECONDARY = "not_secondary"
    CLASS_OTHER_SCHOOL = "class_other_school"
    NO_CLASSES = "no_classes"
    #: Codes may be printed only after the guardian notice of the class is recorded.
    NOTICE_REQUIRED = "notice_required"
    #: The code is not one (mistyped, revoked by a reprint, never issued).
    UNKNOWN_CODE = "unknown_code"
    ROUND_NOT_OPEN = "round_not_open"
    #: Not every item answered.
    INCOMPLETE = "incomplete"
    #: An answer outside 0–3, or not a whole number.
    OUT_OF_RANGE = "out_of_range"
    TOO_MANY_TRIES = "too_many_tries"
    BAD_DATES = "bad_dates"
    #: A pupil chosen for the code sheet is not an active pupil of that class.
    STUDENT_NOT_IN_CLASS = "student_not_in_class"
