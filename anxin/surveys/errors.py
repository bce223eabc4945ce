"""The error codes the survey answers with; shared codes are in anxin.core.errors, and the guessing
limit answers with intake's too_many_attempts (the same meaning as for receipts)."""

from enum import StrEnum


class SurveyError(StrEnum):
    #: No such code (mistyped or guessed).
    CODE_UNKNOWN = "code_unknown"
    #: The code's campaign window has ended.
    CODE_EXPIRED = "code_expired"
    #: The code's campaign window has not started yet.
    NOT_OPEN = "not_open"
    #: An answer that is not one of the item's options, or a required item left out.
    BAD_ANSWER = "bad_answer"
    ANSWER_MISSING = "answer_missing"
    BAD_EXTRA_ITEM = "bad_extra_item"
    CODE_COUNT_OUT_OF_RANGE = "code_count_out_of_range"
    #: Codes are printed for grades 3 and above only.
    GRADE_TOO_LOW = "grade_too_low"
    CAMPAIGN_CLOSED = "campaign_closed"
    CLASS_NOT_ALLOWED = "class_not_allowed"
