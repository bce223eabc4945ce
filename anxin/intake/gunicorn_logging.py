"""gunicorn's logger for ``anxin serve``: no access-log line for the public 爱心信箱.

Named as ``logger_class`` in anxin.core.gunicorn_conf (by its dotted path: core does not import intake). Every other request is logged as before
(staff pages are accountable; the box is anonymous). What counts as the box: anxin.intake.logs.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger

from anxin.intake.logs import is_private_path


class AnonymousBoxLogger(Logger):
    def access(self, resp: Any, req: Any, environ: MutableMapping[str, Any], request_time: timedelta) -> None:
        if is_private_path(environ.get("PATH_INFO")) or is_private_path(getattr(req, "path", None)):
            return
        super().access(resp, req, environ, request_time)
