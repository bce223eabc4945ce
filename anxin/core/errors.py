"""Errors that services raise and that pages and the API turn into a Chinese message with a stable code."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _


class ErrorCode(StrEnum):
    """Codes every domain may answer with, and the API's own.

    A meaning has one code. A code that only one domain raises lives in that domain's ``errors.py``
    (``anxin.intake.errors.IntakeError``…); a code two domains share lives here. Values are part
    of the API: API clients read them, so a value, once published, does not change.
    """

    # The four kinds of refusal, when nothing more precise is said.
    INVALID = "invalid"
    CONFLICT = "conflict"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    # The request itself.
    BAD_REQUEST = "bad_request"
    BAD_JSON = "bad_json"
    BAD_FORM = "bad_form"
    TOO_LARGE = "too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    INVALID_CHARACTERS = "invalid_characters"
    INVALID_INPUT = "invalid_input"
    NUMBER_OUT_OF_RANGE = "number_out_of_range"
    BAD_CLIENT_KEY = "bad_client_key"
    UNAUTHENTICATED = "unauthenticated"
    CSRF_FAILED = "csrf_failed"
    #: An HTTP error without a code of its own.
    ERROR = "error"
    # Inputs of an action, wherever the action is.
    UNKNOWN_ACTION = "unknown_action"
    #: The object's state does not allow the action (a case's step, a re-examination by receipt).
    TRANSITION_NOT_ALLOWED = "transition_not_allowed"
    MISSING_INPUTS = "missing_inputs"
    REASON_REQUIRED = "reason_required"
    OWNER_NOT_STAFF = "owner_not_staff"
    WEAK_PASSWORD = "weak_password"
    #: The server lacks the Chinese font a PDF needs (a case's documents, a ledger's paper form).
    FONT_MISSING = "font_missing"
    # The working-day calendar.
    CALENDAR_UNKNOWN = "calendar_unknown"
    # Questionnaires answered with a one-time code (surveys, wellbeing screening).
    #: A window whose end is before its start, or a date that is no date.
    BAD_WINDOW = "bad_window"
    TITLE_REQUIRED = "title_required"
    #: The one-time code has already been used to answer.
    CODE_USED = "code_used"


class ServiceError(Exception):
    """A refusal the user can act on. ``code`` is stable; ``message`` is for people."""

    status = 422
    code: str = ErrorCode.INVALID
    default_message = _("输入有误。")

    def __init__(self, message: Any = None, *, code: str | None = None, detail: Any = None) -> None:
        self.message = str(message if message is not None else self.default_message)
        if code:
            self.code = code
        self.detail = detail
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "detail": self.detail}


class Invalid(ServiceError):
    status = 422
    code = ErrorCode.INVALID


class Conflict(ServiceError):
    status = 409
    code = ErrorCode.CONFLICT
    default_message = _("操作与当前状态冲突。")


class NotFound(ServiceError, Http404):
    """Raised alike for what does not exist and for what the caller may not see."""

    status = 404
    code = ErrorCode.NOT_FOUND
    default_message = _("未找到，或您无权查看。")


class Forbidden(ServiceError):
    """Only for actions on something the caller can already see."""

    status = 403
    code = ErrorCode.FORBIDDEN
    default_message = _("您没有执行此操作的权限。")
