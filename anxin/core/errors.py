"""Errors that services raise and that pages and the API turn into a Chinese message with a stable code."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext_lazy as _


class ServiceError(Exception):
    """A refusal the user can act on. ``code`` is stable; ``message`` is for people."""

    status = 422
    code = "invalid"
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
    code = "invalid"


class Conflict(ServiceError):
    status = 409
    code = "conflict"
    default_message = _("操作与当前状态冲突。")


class NotFound(ServiceError, Http404):
    """Raised alike for what does not exist and for what the caller may not see."""

    status = 404
    code = "not_found"
    default_message = _("未找到，或您无权查看。")


class Forbidden(ServiceError):
    """Only for actions on something the caller can already see."""

    status = 403
    code = "forbidden"
    default_message = _("您没有执行此操作的权限。")
