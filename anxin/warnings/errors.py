"""The error codes the early warnings raise; codes shared with other domains are in anxin.core.errors."""

from enum import StrEnum


class WarningError(StrEnum):
    #: Acting on or dismissing a warning needs a note saying what was done or why.
    NOTE_REQUIRED = "note_required"
    NOTE_TOO_LONG = "note_too_long"
