from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from .context import request_id_var

_VALID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

#: Anonymous reporting paths: no request id is taken from the proxy, stored or sent back, since a
#: proxy logs that id beside the client's address and would link a report to it.
UNTRACED_PREFIXES = ("/box/", "/api/intake/reports", "/api/intake/lookup", "/api/intake/messages")


class RequestIdMiddleware:
    """Gives each request an id (or keeps a well-formed one from the proxy) for logs and audit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(UNTRACED_PREFIXES):
            request.request_id = ""  # type: ignore[attr-defined]
            return self.get_response(request)
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _VALID.match(incoming) else uuid.uuid4().hex
        request.request_id = rid  # type: ignore[attr-defined]
        token = request_id_var.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = rid
        return response


#: Browser features no page of anxin uses. Photos are taken through <input type=file capture>,
#: which hands over to the phone's camera app and is not governed by this header; patrol QR
#: codes are scanned by the phone's own camera or WeChat, which then opens the page's address.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)


class SecurityHeadersMiddleware:
    """Permissions-Policy on every answer, and no copy of a page kept by the browser or a proxy.

    School PCs are shared: a page a teacher saw (a child's name, a report, a receipt on the public
    box) must not come back from the browser's cache or history for the next person at the desk.
    Every answer made by a view is marked no-store; static files never reach this middleware, since
    WhiteNoise answers them first, and keep their long cache lifetime.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if "no-store" not in response.get("Cache-Control", ""):  # a view's own no-store stands as it is
            add_never_cache_headers(response)
        return response
