"""The guessing limit on answer codes, per network address (a keyed hash of it, as the 爱心信箱's).

Only wrong codes count. A classroom shares one address, so the limit is looser than receipts'.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import is_ratelimited

from anxin.core.errors import ServiceError
from anxin.intake.views_public import client_key

from .errors import WellbeingError

CODE_RATE_GROUP = "wellbeing.code"
CODE_RATE = "30/10m"


def code_limited(request: HttpRequest, *, increment: bool) -> bool:
    return bool(
        is_ratelimited(request, group=CODE_RATE_GROUP, key=client_key, rate=CODE_RATE, increment=increment)
    )


class TooManyTries(ServiceError):
    status = 429
    code = WellbeingError.TOO_MANY_TRIES
    default_message = _("输错的次数太多了，请过 10 分钟再试，或请心理老师帮忙。")
