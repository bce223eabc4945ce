"""The error codes the 舆情 register answers with; shared codes are in anxin.core.errors."""

from enum import StrEnum


class OpinionError(StrEnum):
    UNKNOWN_SOURCE = "unknown_source"
    UNKNOWN_HEAT = "unknown_heat"
    BAD_LINK = "bad_link"
    #: A first-seen or step time after now, or a step before the event was first seen.
    TIME_OUT_OF_RANGE = "time_out_of_range"
    SUMMARY_REQUIRED = "summary_required"
    #: The school is not one the caller may register events for (or no such school).
    SCHOOL_NOT_ALLOWED = "school_not_allowed"
    #: The case number is unknown or out of the caller's reach.
    CASE_NOT_FOUND = "case_not_found"
    CASE_SCHOOL_MISMATCH = "case_school_mismatch"
    UNKNOWN_STEP = "unknown_step"
    STEP_NOTE_REQUIRED = "step_note_required"
    #: The event is closed (处置完毕): nothing more is recorded on it.
    OPINION_CLOSED = "opinion_closed"
