"""Telling people: in the app, by email, by SMS through a pluggable backend.

``SMS_BACKEND`` names a class with ``send(to, body)``. The default records each message in
``OutboundMessage`` and sends nothing, for development and tests; a deployment plugs in its
carrier's gateway.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .delivery import deliveries_plan, send_after_commit
from .models import Notification, OutboundMessage

log = logging.getLogger(__name__)


class RecordingSmsBackend:
    def send(self, to: str, body: str) -> None:
        OutboundMessage.objects.create(channel="sms", to=to, body=body)


def sms_backend() -> Any:
    return import_string(settings.SMS_BACKEND)()


def notify(
    users: Iterable[Any],
    *,
    title: str,
    body: str = "",
    url: str = "",
    urgent: bool = False,
    subject_key: str = "",
    email: bool = False,
    sms: bool = False,
    fresh: bool = False,
    external: str = "",
) -> list[Notification]:
    """Notify each person once per ``subject_key``; email and SMS leave after the commit.

    Call it inside the transaction of the event it announces: the notice is then stored if and
    only if the event is. Returns the notices created (without ids when ``subject_key`` is set).

    ``external`` is the text for everything that leaves the platform (SMS, WeCom, DingTalk…): the
    platform's own words and no detail of the matter, e.g. "城关二中有一条紧急举报待处理". Given,
    it also goes to each person's chosen channels (anxin.core.delivery); without it only the title
    goes by SMS, as before.
    """
    people = {u.pk: u for u in users if u is not None}
    if subject_key and not fresh:  # a brand-new subject cannot have been announced yet
        already = set(
            Notification.objects.filter(subject_key=subject_key, user_id__in=people).values_list(
                "user_id", flat=True
            )
        )
        people = {pk: u for pk, u in people.items() if pk not in already}
    rows = [
        Notification(user=u, title=title, body=body, url=url, urgent=urgent, subject_key=subject_key)
        for u in people.values()
    ]
    # ignore_conflicts: a concurrent sender of the same subject wins quietly (unique constraint).
    Notification.objects.bulk_create(rows, ignore_conflicts=bool(subject_key))
    link = absolute(url)
    if external:
        send_after_commit(
            deliveries_plan(people.values(), text=external, url=link, urgent=urgent, subject_key=subject_key)
        )
    for user in people.values():
        if email and user.email:
            transaction.on_commit(partial(_email, user.email, title, body, url))
        if sms and user.phone:
            transaction.on_commit(partial(_sms, user.phone, f"{external or title} {link}".strip()))
    return rows


def absolute(url: str) -> str:
    """The link as a phone outside the platform can open it (ANXIN_PUBLIC_BASE_URL + path)."""
    if not url or "://" in url:
        return url
    base: str = settings.ANXIN_PUBLIC_BASE_URL
    return base.rstrip("/") + url


def notify_grouped(
    user: Any,
    *,
    group: str,
    item_key: str,
    title: str,
    title_many: str,
    item: str,
    url: str = "",
    email: bool = False,
) -> bool:
    """One unread notice per ``group`` for ``user``: a second item joins the first notice.

    Several items decided together (the measures of one case, one per party) are one event for the
    person who must act: they read one notice that counts and lists them, not a row per party.
    ``title_many`` takes ``%(n)s`` (the count) and ``%(items)s`` (the items, 、-joined). Returns
    True when a new notice was made (and e-mailed if ``email``), False when an unread one was extended.
    """
    prefix = f"{group}:"
    with transaction.atomic():
        open_notice = (
            Notification.objects.select_for_update()
            .filter(user=user, subject_key__startswith=prefix, read_at__isnull=True)
            .order_by("-pk")
            .first()
        )
        if open_notice is None:
            notify([user], title=title, body=item, url=url, subject_key=f"{prefix}{item_key}", email=email)
            return True
        items = [line for line in open_notice.body.splitlines() if line] + [item]
        open_notice.title = (title_many % {"n": len(items), "items": "、".join(items)})[:200]
        open_notice.body = "\n".join(items)
        open_notice.created_at = timezone.now()
        open_notice.save(update_fields=["title", "body", "created_at"])
        return False


def _email(to: str, title: str, body: str, url: str) -> None:
    try:
        send_mail(f"[安心校园] {title}", f"{body}\n\n{url}".strip(), None, [to])
    except Exception:  # a mail server outage must not undo the report
        log.exception("email to staff failed")


def _sms(to: str, body: str) -> None:
    try:
        sms_backend().send(to, body)
    except Exception:
        log.exception("sms to staff failed")
