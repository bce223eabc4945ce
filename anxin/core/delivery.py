"""Deliveries on outside channels: who gets what on which channel, sending, retrying, giving up.

:func:`deliveries_plan` runs inside the transaction of the event (the rows exist exactly when the
event does); :func:`deliveries_send` runs after the commit and from the periodic retry. A delivery
is claimed with a conditional UPDATE before it is sent, so two workers never send it twice.

A failure is retried after 30 s, 60 s, 120 s, 240 s (exponential backoff); after ``MAX_ATTEMPTS``
it is given up, with the last reason kept for the sender to read.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .channels import SENDERS, ChannelError, RateLimited
from .models import ChannelKind, ChannelSettings, Delivery, DeliveryStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_BASE = 30  # seconds
#: A claimed delivery whose worker died is free again after this long.
LEASE = timedelta(minutes=2)


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure: 30 s, then doubling."""
    return timedelta(seconds=BACKOFF_BASE * 2 ** max(attempts - 1, 0))


def in_quiet_hours(prefs: ChannelSettings, moment: datetime) -> bool:
    start, end = prefs.quiet_start, prefs.quiet_end
    if start is None or end is None or start == end:
        return False
    now: time = timezone.localtime(moment).time()
    return start <= now < end if start < end else (now >= start or now < end)


def _addresses(prefs: ChannelSettings, phone: str) -> list[tuple[str, str]]:
    enabled = set(settings.NOTIFY_CHANNELS)
    address = {
        ChannelKind.WECOM_ROBOT: prefs.wecom_robot_key,
        ChannelKind.WECOM_APP: prefs.wecom_userid,
        ChannelKind.DINGTALK: prefs.dingtalk_token,
        ChannelKind.SMS: prefs.sms_phone or phone,
        ChannelKind.WECHAT: prefs.wechat_openid,
    }
    return [
        (str(kind), address[ChannelKind(kind)])
        for kind in prefs.channels
        if kind in enabled and kind in ChannelKind.values and address[ChannelKind(kind)]
    ]


def deliveries_plan(
    users: Iterable[Any], *, text: str, url: str = "", urgent: bool = False, subject_key: str = ""
) -> list[int]:
    """Delivery rows for each person's chosen, enabled channels; their ids, to send after commit.

    Quiet hours hold back everything but urgent messages (those are simply not made: the in-app
    notice is there when the person looks). ``text`` must be the platform's words only.
    """
    people = [u for u in users if u is not None]
    prefs = {p.user_id: p for p in ChannelSettings.objects.filter(user__in=[u.pk for u in people])}
    now = timezone.now()
    rows = []
    for user in people:
        mine = prefs.get(user.pk)
        if mine is None or (not urgent and in_quiet_hours(mine, now)):
            continue
        for channel, to in _addresses(mine, getattr(user, "phone", "")):
            rows.append(
                Delivery(
                    user=user,
                    channel=channel,
                    to=to[:100],
                    text=text[:500],
                    url=url[:300],
                    urgent=urgent,
                    subject_key=subject_key,
                    next_attempt_at=now,
                )
            )
    if not rows:
        return []
    if subject_key:
        # Each address hears of a subject once, even when two workers plan it at the same moment.
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
        return list(
            Delivery.objects.filter(subject_key=subject_key, status=DeliveryStatus.PENDING, attempts=0)
            .filter(user__in=[u.pk for u in people])
            .values_list("pk", flat=True)
        )
    return [d.pk for d in Delivery.objects.bulk_create(rows)]


def _claim(pk: int, now: datetime) -> Delivery | None:
    """Take the delivery for sending if it is due and nobody else has; None otherwise."""
    due = Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED]) & Q(next_attempt_at__lte=now)
    taken = Delivery.objects.filter(due, pk=pk).update(next_attempt_at=now + LEASE)
    return Delivery.objects.get(pk=pk) if taken == 1 else None


def delivery_send(pk: int, now: datetime | None = None) -> str | None:
    """Send one delivery now if it is due; returns its new status, or None if it was not ours."""
    now = now or timezone.now()
    delivery = _claim(pk, now)
    if delivery is None:
        return None
    sender = SENDERS[delivery.channel]
    try:
        sender(delivery.to, delivery.text, delivery.url)
    except RateLimited as exc:
        # Not the provider's fault nor ours: wait, without counting an attempt.
        Delivery.objects.filter(pk=pk).update(
            last_error=str(exc)[:300], next_attempt_at=now + timedelta(seconds=exc.retry_after)
        )
        return str(delivery.status)
    except ChannelError as exc:
        attempts = delivery.attempts + 1
        gave_up = attempts >= MAX_ATTEMPTS
        status = DeliveryStatus.GAVE_UP if gave_up else DeliveryStatus.FAILED
        Delivery.objects.filter(pk=pk).update(
            status=status,
            attempts=F("attempts") + 1,
            last_error=str(exc)[:300],
            next_attempt_at=None if gave_up else now + backoff(attempts),
        )
        log.warning("delivery %s on %s failed (attempt %s): %s", pk, delivery.channel, attempts, exc)
        return str(status)
    Delivery.objects.filter(pk=pk).update(
        status=DeliveryStatus.SENT, attempts=F("attempts") + 1, sent_at=timezone.now(), next_attempt_at=None
    )
    return str(DeliveryStatus.SENT)


def deliveries_send(ids: Iterable[int]) -> None:
    for pk in ids:
        try:
            delivery_send(pk)
        except Exception:  # one broken channel must not keep the next person from hearing
            log.exception("delivery %s crashed", pk)


def deliveries_due(now: datetime | None = None, limit: int = 200) -> int:
    """Send every delivery whose (re)try is due; the periodic retry. Returns how many were tried."""
    now = now or timezone.now()
    ids = list(
        Delivery.objects.filter(
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED], next_attempt_at__lte=now
        )
        .order_by("-urgent", "next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        delivery_send(pk, now)
    return len(ids)


def send_after_commit(ids: list[int]) -> None:
    if ids:
        transaction.on_commit(lambda: deliveries_send(ids))


class DeliverySmsBackend:
    """``SMS_BACKEND`` over Aliyun SMS with a ``Delivery`` row: its state shown, its failures retried.

    ``SMS_BACKEND=anxin.core.delivery.DeliverySmsBackend``. Called after the commit (anxin.core.notify).
    """

    def send(self, to: str, body: str) -> None:
        delivery = Delivery.objects.create(
            channel=ChannelKind.SMS, to=to[:100], text=body[:500], next_attempt_at=timezone.now()
        )
        delivery_send(delivery.pk)
