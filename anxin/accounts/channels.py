"""Where one's alerts go outside the platform: channels, addresses on them, quiet hours."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from anxin.audit.services import audit_record
from anxin.core.errors import Invalid
from anxin.core.models import ChannelKind, ChannelSettings, Delivery
from anxin.org.models import User

from . import events
from .errors import AccountError

_ADDRESS = re.compile(r"[\w.@\-]{1,64}")
_PHONE = re.compile(r"1[3-9]\d{9}")
#: channel -> the field holding one's address on it
ADDRESS_FIELD = {
    ChannelKind.WECOM_ROBOT: "wecom_robot_key",
    ChannelKind.WECOM_APP: "wecom_userid",
    ChannelKind.DINGTALK: "dingtalk_token",
    ChannelKind.SMS: "sms_phone",
    ChannelKind.WECHAT: "wechat_openid",
}


def channel_settings_of(user: User) -> ChannelSettings:
    return ChannelSettings.objects.filter(user=user).first() or ChannelSettings(user=user)


def deliveries_of(user: User, limit: int = 50) -> QuerySet[Delivery]:
    return Delivery.objects.filter(user=user).order_by("-created_at", "-pk")[:limit]


def _time(value: Any, field: str) -> time | None:
    if value in (None, ""):
        return None
    try:
        return datetime.strptime(str(value), "%H:%M").time()
    except ValueError:
        raise Invalid(
            _("免打扰时间应写成 22:00 这样的格式。"),
            code=AccountError.BAD_QUIET_HOURS,
            detail={field: [_("格式不正确")]},
        ) from None


def channel_settings_save(
    *, user: User, channels: Any, addresses: dict[str, Any], quiet_start: Any, quiet_end: Any
) -> ChannelSettings:
    if not isinstance(channels, list | tuple) or any(c not in ChannelKind.values for c in channels):
        raise Invalid(
            _("接收渠道的选项不正确。"),
            code=AccountError.BAD_CHANNELS,
            detail={"channels": [_("选项不正确")]},
        )
    chosen = list(dict.fromkeys(channels))
    values: dict[str, str] = {}
    for kind, field in ADDRESS_FIELD.items():
        raw = addresses.get(field) or ""
        value = raw.strip() if isinstance(raw, str) else ""
        pattern = _PHONE if kind == ChannelKind.SMS else _ADDRESS
        if value and not pattern.fullmatch(value):
            raise Invalid(
                _("“%(channel)s”的账号格式不正确。") % {"channel": ChannelKind(kind).label},
                code=AccountError.BAD_CHANNEL_ADDRESS,
                detail={field: [_("格式不正确")]},
            )
        values[field] = value
    for kind in chosen:
        field = ADDRESS_FIELD[ChannelKind(kind)]
        if not values[field] and not (kind == ChannelKind.SMS and user.phone):
            raise Invalid(
                _("选择了“%(channel)s”，请填写对应的账号。") % {"channel": ChannelKind(kind).label},
                code=AccountError.CHANNEL_ADDRESS_MISSING,
                detail={field: [_("必填")]},
            )
    start, end = _time(quiet_start, "quiet_start"), _time(quiet_end, "quiet_end")
    if (start is None) != (end is None):
        raise Invalid(
            _("免打扰时间请同时填写开始和结束。"),
            code=AccountError.BAD_QUIET_HOURS,
            detail={"quiet_end": [_("必填")]},
        )
    with transaction.atomic():
        prefs, _created = ChannelSettings.objects.update_or_create(
            user=user, defaults={"channels": chosen, "quiet_start": start, "quiet_end": end, **values}
        )
        # Which channels and when, not the addresses: those are the person's own business.
        audit_record(
            actor=user,
            action=events.ACCOUNT_CHANNELS_CHANGED,
            subject=user,
            after={"channels": chosen, "quiet": bool(start)},
        )
    return prefs
