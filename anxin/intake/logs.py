"""Keep the public 爱心信箱 out of every log that notes requests.

An access-log line says when (to the second) and from where someone opened a school's box or
sent a letter; beside a school's Wi-Fi or camera records that is enough to find the child. So the
box's pages, its public API and the assets only its pages load are never written to gunicorn's
access log (anxin.intake.gunicorn_logging) nor to Django's request log (``DropIntakeRequests``).

This module imports nothing from Django: gunicorn's logger uses it before the app is loaded.
"""

from __future__ import annotations

import logging
import re

#: The public paths: the box pages (/box/<school>/, /box/follow/), the public API operations and
#: the box's own script and stylesheet (a request for them says a box page was just opened).
_PRIVATE = re.compile(r"^/(box/|api/intake/(reports|lookup|messages)/?$|static/intake/box[.\w-]*\.(js|css)$)")


def is_private_path(path: str | None) -> bool:
    """True for a path of the public box, however it is spelt (doubled slashes, case)."""
    if not path:
        return False
    return bool(_PRIVATE.match(re.sub(r"/{2,}", "/", path).lower()))


class DropIntakeRequests(logging.Filter):
    """Drops django.request's lines about box paths ("Too Many Requests: /box/…" and the like).

    A crash (500) is still logged: it is a fault to fix, and it says nothing a 4xx line would not.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        if not is_private_path(path):
            return True
        return getattr(record, "status_code", 500) == 500
