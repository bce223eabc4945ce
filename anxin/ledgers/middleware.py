from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .base import parse_written_at, written_at_var


class WrittenAtMiddleware:
    """An entry kept offline says when it was written (X-Anxin-Written-At); ledger services use
    that time instead of the moment the connection came back. Implausible values are ignored."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or not request.path.startswith("/ledgers/"):
            return self.get_response(request)
        token = written_at_var.set(parse_written_at(request.headers.get("X-Anxin-Written-At", "")))
        try:
            return self.get_response(request)
        finally:
            written_at_var.reset(token)
