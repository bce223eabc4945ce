"""Alarm devices: registering one, and turning each signed call into an urgent report.

A device signs each call: ``X-Anxin-Timestamp`` (Unix seconds) and ``X-Anxin-Signature``, the hex
HMAC-SHA256 under its secret of ``"<timestamp>." + body``. A call is refused, with nothing stored,
when the device is unknown (404), the signature wrong (401), the timestamp more than
``MAX_SKEW`` away (403), or the signature already used (409, a replay).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.access.matrix import require_at
from anxin.audit.services import audit_record
from anxin.core.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from anxin.org.models import Unit, UnitKind, User

from . import events
from .errors import IntakeError
from .models import Channel, Device, DeviceCall, Place, Report, TimeBand
from .receipts import new_receipt, receipt_hash

MAX_SKEW = timedelta(minutes=5)
#: Used signatures older than this can go: their timestamps are refused anyway.
KEEP_CALLS = timedelta(minutes=15)


class Unauthorized(ServiceError):
    status = 401
    code = IntakeError.DEVICE_BAD_SIGNATURE
    default_message = gettext_lazy("签名不正确。")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(
        secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256
    ).hexdigest()


def device_register(*, actor: User | None, school: Unit, place: Any, label: Any) -> tuple[Device, str]:
    """A new device at ``school``; returns it and its secret, which is shown this once.

    ``actor`` None is the ``anxin device_register`` command, run by whoever runs the server.
    """
    if school.kind != UnitKind.SCHOOL:
        raise NotFound()
    if actor is not None:
        require_at(actor, "alarm_device", "manage", school.path)
    if place not in Place.values:
        raise Invalid(
            _("地点的选项不正确。"), code=IntakeError.DEVICE_BAD_PLACE, detail={"place": [_("选项不正确")]}
        )
    label = label.strip() if isinstance(label, str) else ""
    if not 1 <= len(label) <= 100:
        raise Invalid(
            _("请填写安装位置（100 字以内）。"),
            code=IntakeError.DEVICE_BAD_LABEL,
            detail={"label": [_("必填")]},
        )
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        device = Device.objects.create(school=school, place=place, label=label, secret=secret)
        audit_record(
            actor=actor,
            action=events.DEVICE_REGISTERED,
            unit=school,
            subject=device,
            after={"place": place, "label": label},
        )
    return device, secret


def device_alarm(*, device_id: int, timestamp: Any, signature: Any, body: bytes) -> Report:
    """Check a device's call and make the urgent report it raises; see the module's docstring."""
    from .services import _announce  # the urgent path every report takes

    device = Device.objects.select_related("school").filter(pk=device_id, active=True).first()
    if device is None:
        raise NotFound(_("未找到该报警装置。"), code=IntakeError.DEVICE_NOT_FOUND)
    if not isinstance(timestamp, str) or not isinstance(signature, str) or not timestamp.isdigit():
        raise Unauthorized(_("缺少签名或时间戳。"))
    if not hmac.compare_digest(sign(device.secret, timestamp, body), signature.lower()):
        raise Unauthorized()
    now = timezone.now()
    try:
        sent_at = datetime.fromtimestamp(int(timestamp), tz=UTC)
    except (OverflowError, ValueError, OSError):
        raise Forbidden(_("时间戳不在有效期内。"), code=IntakeError.DEVICE_STALE_TIMESTAMP) from None
    if abs(now - sent_at) > MAX_SKEW:
        raise Forbidden(_("时间戳不在有效期内（前后 5 分钟）。"), code=IntakeError.DEVICE_STALE_TIMESTAMP)
    text = _("报警装置“%(label)s”（%(place)s）于 %(time)s 触发报警，请立即前往现场。") % {
        "label": device.label,
        "place": device.get_place_display(),
        "time": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
    }
    from .services import fingerprint

    try:
        with transaction.atomic():
            DeviceCall.objects.filter(device=device, at__lt=now - KEEP_CALLS).delete()
            DeviceCall.objects.create(device=device, signature=signature.lower(), at=now)
            report = Report.objects.create(
                school=device.school,
                channel=Channel.DEVICE,
                text=text,
                place=device.place,
                time_band=TimeBand.OTHER,
                occurred_on=timezone.localdate(),
                receipt_hash=receipt_hash(new_receipt()),
                fingerprint=fingerprint(text),
                urgent=True,
                signals=["device"],
            )
            _announce(report)
            audit_record(
                actor=None,
                action=events.DEVICE_ALARM,
                unit=device.school,
                subject=report,
                after={"device": device.pk, "place": device.place, "urgent": True},
            )
    except IntegrityError:
        raise Conflict(_("这次调用已处理过（重放）。"), code=IntakeError.DEVICE_REPLAY) from None
    return report
