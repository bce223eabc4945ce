"""Refuse API input that no database column can hold, before any view or query sees it.

PostgreSQL rejects a NUL character (U+0000) in text with an error that would otherwise surface as a
500 from whichever query first met it (found by the schemathesis run over the OpenAPI document:
``GET /api/audit/events?action=%00``). SQLite stores it silently, so the same input behaved
differently on the two databases. A NUL has no place in anything a person types, so every API
request that carries one, in its path, query, form fields or JSON body, gets the API's 422.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from .errors import ErrorCode

NUL = "\x00"
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _has_nul(request: HttpRequest) -> bool:
    if NUL in request.path:
        return True
    if any(NUL in key or any(NUL in v for v in values) for key, values in request.GET.lists()):
        return True
    content_type = request.content_type or ""
    if content_type == "application/json" or content_type.endswith("+json"):
        try:
            body = request.body
        except RequestDataTooBig:  # the view answers it with the API's own 413
            return False
        # Raw, or escaped as \u0000 by an odd number of backslashes (\\u0000 is a typed backslash).
        return b"\x00" in body or _JSON_NUL.search(body) is not None
    if request.method == "POST" and content_type == "application/x-www-form-urlencoded":
        # Multipart bodies are left to the views: files hold NULs, and the views meter their size.
        try:
            fields = request.POST
        except Exception:  # noqa: BLE001 - a malformed body is the view's to refuse, with its own error
            return False
        return any(NUL in key or any(NUL in v for v in values) for key, values in fields.lists())
    return False


class RefuseNulInApiMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/") and _has_nul(request):
            return JsonResponse(
                {
                    "code": ErrorCode.INVALID_CHARACTERS,
                    "message": _("提交的内容含有无法处理的控制字符，请删除后重试。"),
                    "detail": None,
                },
                status=422,
                json_dumps_params={"ensure_ascii": False},
            )
        return self.get_response(request)
