"""Every write of the intake: one function per action, one transaction, audit inside it.

Nothing here ever sees who a reporter is: the online box hands in no request, address or
account, so nothing of the kind can be stored by mistake.
"""

from __future__ import annotations

import base64
import re
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from anxin.access.matrix import require, require_at
from anxin.audit.services import audit_record
from anxin.core import params
from anxin.core.errors import Conflict, ErrorCode, Invalid, NotFound
from anxin.core.models import Notification
from anxin.core.notify import notify
from anxin.org.models import Role, RoleAssignment, Unit, UnitKind, User

from . import events
from .duty import leaders_on_duty
from .errors import IntakeError
from .escalation import escalation_start, external_text
from .images import MAX_PHOTOS, clean_image
from .models import (
    OPEN_STATUSES,
    About,
    Channel,
    Kind,
    Message,
    Photo,
    Place,
    Report,
    Sender,
    Status,
    TimeBand,
)
from .receipts import new_receipt, receipt_hash
from .selectors import box_school
from .triage import triage

TEXT_MIN, TEXT_MAX = 10, 5000
MESSAGE_MAX = 2000
STAFF_CHANNELS = tuple(c for c in Channel.values if c != Channel.BOX)

Upload = tuple[str, IO[bytes]]  # (file name as sent, file object)


@dataclass
class Submission:
    report: Report
    receipt: str
    #: False when this was a retry of a letter already stored (same idempotency key).
    created: bool = True


def _clean_text(text: Any, *, field: str = "text", minimum: int = TEXT_MIN, maximum: int = TEXT_MAX) -> str:
    if not isinstance(text, str) or not text.strip():
        raise Invalid(_("请写下发生了什么。"), code=IntakeError.TEXT_REQUIRED, detail={field: [_("必填")]})
    text = text.replace("\x00", "").strip()
    if len(text) < minimum:
        raise Invalid(
            _("请至少写 %(n)d 个字，让老师能明白发生了什么。") % {"n": minimum},
            code=IntakeError.TEXT_TOO_SHORT,
            detail={field: [_("至少 %(n)d 个字") % {"n": minimum}]},
        )
    if len(text) > maximum:
        raise Invalid(
            _("内容太长了，请控制在 %(n)d 字以内。") % {"n": maximum},
            code=IntakeError.TEXT_TOO_LONG,
            detail={field: [_("最多 %(n)d 个字") % {"n": maximum}]},
        )
    return text


#: The code of a refused field: ``bad_`` and the field's name.
FIELD_CODES = {
    "about": IntakeError.BAD_ABOUT,
    "place": IntakeError.BAD_PLACE,
    "time_band": IntakeError.BAD_TIME_BAND,
    "names": IntakeError.BAD_NAMES,
    "contact": IntakeError.BAD_CONTACT,
}


def _choice(value: Any, choices: type, field: str, default: str | None = None) -> str:
    if (value is None or value == "") and default is not None:
        return default
    if value not in choices.values:
        raise Invalid(
            _("“%(field)s”的选项不正确。") % {"field": field},
            code=FIELD_CODES[field],
            detail={field: [_("选项不正确")]},
        )
    return str(value)


def _kinds(values: Sequence[str] | None) -> list[str]:
    if values is not None and (isinstance(values, str) or not all(isinstance(v, str) for v in values)):
        raise Invalid(_("行为类型不正确。"), code=IntakeError.BAD_KINDS, detail={"kinds": [_("选项不正确")]})
    kinds = list(dict.fromkeys(values or []))
    bad = [k for k in kinds if k not in Kind.values]
    if bad:
        raise Invalid(_("行为类型不正确。"), code=IntakeError.BAD_KINDS, detail={"kinds": [_("选项不正确")]})
    return kinds


def _optional_text(value: Any, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Invalid(
            _("“%(field)s”应为文字。") % {"field": field},
            code=FIELD_CODES[field],
            detail={field: [_("应为文字")]},
        )
    return value


def normalised_text(text: str) -> str:
    """What the fingerprint is of: the text without case, spaces or punctuation."""
    return re.sub(r"[\W_]+", "", text.lower())


def fingerprint(text: str) -> str:
    """Keyed (HMAC with a key derived from SECRET_KEY): equal for equal texts, but a copy of the
    database cannot tell whether a report says a text someone guessed. Changing SECRET_KEY only
    makes older reports look new to the duplicate check (migration 0002 computed the old ones)."""
    return salted_hmac("anxin.intake.fingerprint", normalised_text(text), algorithm="sha256").hexdigest()


# --- Retries: the same letter sent twice is one report -----------------------------------------


def _client_key_hash(key: uuid.UUID) -> str:
    return salted_hmac("anxin.intake.client_key", str(key), algorithm="sha256").hexdigest()


def _seal_key(key: uuid.UUID) -> bytes:
    # Derived from the idempotency key, which is never stored: only its holder can open the seal.
    return salted_hmac("anxin.intake.receipt_seal", str(key), algorithm="sha256").digest()


def _seal(receipt: str, key: uuid.UUID) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_seal_key(key)).encrypt(nonce, receipt.encode("ascii"), b"anxin-receipt")
    return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def _unseal(sealed: str, key: uuid.UUID) -> str | None:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        raw = base64.urlsafe_b64decode(sealed.encode("ascii"))
        return AESGCM(_seal_key(key)).decrypt(raw[:12], raw[12:], b"anxin-receipt").decode("ascii")
    except (InvalidTag, ValueError):
        return None


def parse_client_key(raw: Any) -> uuid.UUID | None:
    """The idempotency key made with the box's form, or None when none was sent (an API client
    without one: no retry protection then)."""
    return params.parse_client_key(raw, fresh=False)


def report_resubmitted(client_key: Any, *, school_code: str, text: str) -> Submission | None:
    """The letter already stored under this idempotency key, with its receipt; None if there is none.

    A key is one letter: the same key with another text or at another school's box is refused
    (409), never answered with the other letter's receipt, which would open that child's conversation.
    """
    key = parse_client_key(client_key)
    if key is None:
        return None
    report = Report.objects.select_related("school").filter(client_key_hash=_client_key_hash(key)).first()
    if report is None:
        return None
    if report.school.code != school_code or report.fingerprint != fingerprint(text):
        raise Conflict(
            _("这个提交编号已用于另一封信。请刷新页面后重新提交。"),
            code=IntakeError.CLIENT_KEY_REUSED,
            detail={"client_key": [_("已被使用")]},
        )
    receipt = _unseal(report.receipt_sealed, key)
    if receipt is None:  # cannot happen with the key that sealed it; refuse rather than guess
        return None
    return Submission(report=report, receipt=receipt, created=False)


def _suspicion(school: Unit, fingerprint: str, *, urgent: bool) -> list[str]:
    """Reasons to look twice at a report. A suspect report is still kept and still handled.

    An urgent report is never suspect: a flood must not bury the one letter that says a child is
    in danger. It is alerted at once and stays pinned at the top of the queue.
    """
    if urgent:
        return []
    reasons = []
    now = timezone.now()
    cap = settings.INTAKE_SCHOOL_HOURLY_CAP
    # Bounded by LIMIT: under a flood this costs the same as on a quiet day.
    recent = (
        Report.objects.filter(school=school, created_at__gte=now - timedelta(hours=1))
        .order_by()[:cap]
        .count()
    )
    if recent >= cap:
        reasons.append(_("本校一小时内收到的报告超过 %(n)d 份。") % {"n": settings.INTAKE_SCHOOL_HOURLY_CAP})
    if Report.objects.filter(
        school=school, fingerprint=fingerprint, created_at__gte=now - timedelta(days=30)
    ).exists():
        reasons.append(_("与 30 天内提交过的内容完全相同。"))
    return reasons


def _store_photos(report: Report, photos: Sequence[Upload], message: Message | None = None) -> list[Photo]:
    cleaned = [clean_image(f, name=name) for name, f in photos]  # all checked before anything is written
    stored = []
    for image in cleaned:
        photo = Photo(
            report=report,
            message=message,
            content_type=image.content_type,
            width=image.width,
            height=image.height,
            size=len(image.data),
        )
        # A random name: the uploaded file name may carry the child's name or the device's.
        photo.file.save(f"{uuid.uuid4().hex}.{image.extension}", ContentFile(image.data), save=False)
        photo.save()
        stored.append(photo)
    return stored


def _check_photo_count(photos: Sequence[Upload]) -> None:
    if len(photos) > MAX_PHOTOS:
        raise Invalid(_("最多上传 %(n)d 张照片。") % {"n": MAX_PHOTOS}, code=IntakeError.TOO_MANY_PHOTOS)


def _leaders(school: Unit) -> list[User]:
    """Who hears of an urgent report at once: the principal and the leader on duty now.

    The leader on duty comes from the duty rota (anxin.intake.duty); a school without a rota entry
    for this shift alerts everyone who holds the 值班人员 role instead, so nobody is left out.
    """
    principals = RoleAssignment.objects.filter(unit=school, role=Role.PRINCIPAL, user__is_active=True).values(
        "user"
    )
    people = list(User.objects.filter(pk__in=principals))
    on_duty = leaders_on_duty(school)
    if not on_duty:
        duty = RoleAssignment.objects.filter(unit=school, role=Role.DUTY_STAFF, user__is_active=True).values(
            "user"
        )
        on_duty = list(User.objects.filter(pk__in=duty))
    return people + [u for u in on_duty if u.pk not in {p.pk for p in people}]


def _queue_staff(school: Unit) -> list[User]:
    roles = [
        Role.PRINCIPAL,
        Role.VICE_PRINCIPAL,
        Role.MORAL_DIRECTOR,
        Role.SAFETY_OFFICER,
    ]  # not duty: urgent only
    ids = RoleAssignment.objects.filter(unit=school, role__in=roles, user__is_active=True).values("user")
    return list(User.objects.filter(pk__in=ids))


def _announce(report: Report) -> None:
    """Alert the leaders of an urgent report at once; any other report, the model's second tier
    (``review``) included, only joins the grouped notice of new reports: the rules are the only
    path to an alert."""
    url = reverse("intake:report", args=[report.pk])
    if report.urgent:
        signals = "、".join(str(EXPLAIN_SIGNAL.get(s, s)) for s in report.signals) or str(
            EXPLAIN_SIGNAL["model"]
        )
        notify(
            _leaders(report.school),
            title=_("紧急举报：%(signals)s") % {"signals": signals},
            body=_("%(school)s 收到一份可能涉及紧急危险的报告，请立即查看并确认。")
            % {"school": report.school.name},
            url=url,
            urgent=True,
            subject_key=f"report:{report.pk}:urgent",
            email=True,
            sms=True,
            fresh=True,
            external=external_text(report.school),
        )
        escalation_start(report)
    else:
        _announce_grouped(report, url)


def _announce_grouped(report: Report, url: str) -> None:
    """Non-urgent reports of one school within INTAKE_ALERT_WINDOW share one notice per person.

    The first report of a window makes the notice; the next ones turn it into "N 条新举报" with a
    link to the queue and mark it unread again. A burst of a hundred letters is one notice, not a
    hundred that hide everything else on the staff's 工作台. Urgent reports never wait (above).
    """
    window = settings.INTAKE_ALERT_WINDOW
    now = timezone.now()
    start = datetime.fromtimestamp(int(now.timestamp()) // window * window, tz=UTC)
    key = f"reports:{report.school_id}:new:{int(start.timestamp())}"
    count = Report.objects.filter(school=report.school, urgent=False, created_at__gte=start).count()
    school = report.school.name
    if count <= 1:
        title, body = _("新的欺凌举报"), _("%(school)s 收到一份新报告。") % {"school": school}
    else:
        url = reverse("intake:queue")
        title = _("%(n)d 条新举报") % {"n": count}
        body = _("%(school)s 自 %(since)s 起收到 %(n)d 份新报告。") % {
            "school": school,
            "n": count,
            "since": timezone.localtime(start).strftime("%H:%M"),
        }
    staff = _queue_staff(report.school)
    if count > 1:
        # By (user, subject_key): the index of the notify-once constraint, not a scan of all notices.
        Notification.objects.filter(user__in=staff, subject_key=key).update(
            title=title, body=body, url=url, read_at=None
        )
    notify(staff, title=title, body=body, url=url, subject_key=key)


EXPLAIN_SIGNAL = {
    "self_harm": _("自伤自杀风险"),
    "weapon": _("凶器"),
    "sexual": _("性侵害"),
    "serious_injury": _("严重伤害"),
    "extortion": _("勒索"),
    "model": _("综合研判疑似紧急"),
    "device": _("报警装置触发"),
}


def _triage_fields(text: str) -> dict[str, Any]:
    result = triage(text)
    return {
        "triage_kinds": list(result.kinds),
        "signals": list(result.signals),
        "triage_reasons": [dict(r) for r in result.reasons],
        "urgent": bool(result.urgent),
        # The model's second tier: ordered after the urgent reports, never alerted (_announce).
        "review": bool(result.review),
    }


def report_submit(
    *,
    school_code: str,
    text: Any,
    about: Any = About.UNSURE,
    place: Any = Place.OTHER,
    time_band: Any = TimeBand.OTHER,
    occurred_on: date | None = None,
    kinds: Sequence[str] | None = None,
    names: str = "",
    wants_contact: bool = False,
    contact: str = "",
    photos: Sequence[Upload] = (),
    client_key: Any = None,
) -> Submission:
    """A report through the online 爱心信箱. Stores nothing about who sent it.

    ``client_key`` is the idempotency key the reporter's browser made for this letter: sending it
    again (after a timeout or a 503) returns the first submission and its receipt, never a second
    report.
    """
    key = parse_client_key(client_key)
    text = _clean_text(text)
    previous = report_resubmitted(key, school_code=school_code, text=text) if key is not None else None
    if previous is not None:
        return previous
    school = box_school(school_code)
    names, contact = _optional_text(names, "names"), _optional_text(contact, "contact")
    fields = {
        "about": _choice(about, About, "about", About.UNSURE),
        "place": _choice(place, Place, "place", Place.OTHER),
        "time_band": _choice(time_band, TimeBand, "time_band", TimeBand.OTHER),
    }
    if occurred_on is not None and occurred_on > timezone.localdate():
        raise Invalid(
            _("发生日期不能晚于今天。"), code=IntakeError.BAD_DATE, detail={"occurred_on": [_("日期不正确")]}
        )
    contact = (contact or "").strip()[:300]
    if wants_contact and not contact:
        raise Invalid(
            _("希望学校联系你时，请留下联系方式。"),
            code=IntakeError.CONTACT_REQUIRED,
            detail={"contact": [_("必填")]},
        )
    _check_photo_count(photos)
    receipt = new_receipt()
    text_print = fingerprint(text)
    triaged = _triage_fields(text)
    retry = {"client_key_hash": _client_key_hash(key), "receipt_sealed": _seal(receipt, key)} if key else {}
    try:
        with transaction.atomic():
            suspicion = _suspicion(school, text_print, urgent=triaged["urgent"])
            report = Report.objects.create(
                school=school,
                channel=Channel.BOX,
                text=text,
                occurred_on=occurred_on,
                reported_kinds=_kinds(kinds),
                names_involved=(names or "").strip()[:500] or None,
                wants_contact=bool(wants_contact),
                contact=contact if wants_contact else None,
                receipt_hash=receipt_hash(receipt),
                fingerprint=text_print,
                suspect=bool(suspicion),
                suspect_reasons=suspicion,
                **retry,
                **fields,
                **triaged,
            )
            _store_photos(report, photos)
            # In the same transaction: the leaders' notice exists exactly when the report does.
            _announce(report)
            audit_record(
                actor=None,
                action=events.REPORT_RECEIVED,
                unit=school,
                subject=report,
                to_the_minute=True,
                after={
                    "channel": report.channel,
                    "urgent": report.urgent,
                    "signals": report.signals,
                    "photos": len(photos),
                    "suspect": report.suspect,
                },
            )
    except IntegrityError:
        # Two tries of the same letter raced and the other one won: the same answer as a retry.
        again = report_resubmitted(key, school_code=school_code, text=text) if key is not None else None
        if again is None:
            raise
        return again
    return Submission(report=report, receipt=receipt)


def report_record(
    *,
    actor: User,
    school: Unit,
    channel: str,
    text: Any,
    about: Any = About.UNSURE,
    place: Any = Place.OTHER,
    time_band: Any = TimeBand.OTHER,
    occurred_on: date | None = None,
    kinds: Sequence[str] | None = None,
    names: str = "",
    reporter_name: str = "",
    reporter_relation: str = "",
    contact: str = "",
    photos: Sequence[Upload] = (),
) -> Submission:
    """A report received by staff: hotline, walk-in, email, letter, a parent, or seen on duty.

    Whoever records it owns it until it is assigned (首问负责). The reporter may be given the
    receipt to follow it up themselves.
    """
    if school.kind != UnitKind.SCHOOL:
        raise NotFound()
    require_at(actor, "report", "record", school.path)
    if channel not in STAFF_CHANNELS:
        raise Invalid(
            _("“渠道”的选项不正确。"), code=IntakeError.BAD_CHANNEL, detail={"channel": [_("选项不正确")]}
        )
    text = _clean_text(text)
    fields = {
        "about": _choice(about, About, "about", About.UNSURE),
        "place": _choice(place, Place, "place", Place.OTHER),
        "time_band": _choice(time_band, TimeBand, "time_band", TimeBand.OTHER),
    }
    if occurred_on is not None and occurred_on > timezone.localdate():
        raise Invalid(
            _("发生日期不能晚于今天。"), code=IntakeError.BAD_DATE, detail={"occurred_on": [_("日期不正确")]}
        )
    _check_photo_count(photos)
    receipt = new_receipt()
    with transaction.atomic():
        report = Report.objects.create(
            school=school,
            channel=channel,
            text=text,
            occurred_on=occurred_on,
            reported_kinds=_kinds(kinds),
            names_involved=(names or "").strip()[:500] or None,
            reporter_name=(reporter_name or "").strip()[:100] or None,
            reporter_relation=(reporter_relation or "").strip()[:30],
            contact=(contact or "").strip()[:300] or None,
            wants_contact=bool(contact),
            receipt_hash=receipt_hash(receipt),
            fingerprint=fingerprint(text),
            owner=actor,
            recorded_by=actor,
            **fields,
            **_triage_fields(text),
        )
        _store_photos(report, photos)
        _announce(report)
        audit_record(
            actor=actor,
            action=events.REPORT_RECORDED,
            unit=school,
            subject=report,
            after={"channel": channel, "urgent": report.urgent, "signals": report.signals},
        )
    return Submission(report=report, receipt=receipt)


def report_by_receipt(receipt: Any) -> Report:
    """The report a receipt belongs to; the same NotFound for a malformed and an unknown receipt."""
    digest = receipt_hash(receipt) if isinstance(receipt, str) else None
    report = Report.objects.select_related("school").filter(receipt_hash=digest).first() if digest else None
    if report is None:
        raise NotFound(
            _("没有找到这个回执码对应的报告，请检查是否抄写正确。"), code=IntakeError.RECEIPT_NOT_FOUND
        )
    return report


def reporter_message_add(*, receipt: Any, text: Any, photos: Sequence[Upload] = ()) -> Message:
    report = report_by_receipt(receipt)
    text = _clean_text(text, minimum=1, maximum=MESSAGE_MAX)
    _check_photo_count(photos)
    with transaction.atomic():
        message = Message.objects.create(report=report, sender=Sender.REPORTER, text=text)
        _store_photos(report, photos, message)
        audit_record(
            actor=None,
            action=events.REPORT_REPORTER_MESSAGE,
            unit=report.school,
            subject=report,
            to_the_minute=True,
            after={"photos": len(photos)},
        )
        # A new message on an urgent matter or after a reply goes to whoever holds the report.
        holders = [report.owner] if report.owner_id else _queue_staff(report.school)
        notify(
            holders,
            title=_("反映人有新留言"),
            url=reverse("intake:report", args=[report.pk]),
            subject_key=f"report:{report.pk}:msg:{message.pk}",
        )
    return message


def _mark_acknowledged(report: Report, actor: User) -> None:
    """Someone has the report now: the alarm is over for everyone who was alerted."""
    report.acknowledged_at, report.acknowledged_by = timezone.now(), actor
    # Every step of the duty chain (report:7:urgent, report:7:urgent:1, …).
    Notification.objects.filter(
        subject_key__startswith=f"report:{report.pk}:urgent", read_at__isnull=True
    ).update(read_at=report.acknowledged_at)


def _locked(report: Report) -> Report:
    return Report.objects.select_for_update().select_related("school").get(pk=report.pk)


def report_acknowledge(*, actor: User, report: Report) -> Report:
    """Someone has it: unpins an urgent report. Acknowledging twice is harmless."""
    require(actor, "report", "handle", report)
    with transaction.atomic():
        current = _locked(report)
        if current.acknowledged_at is not None:
            return current
        _mark_acknowledged(current, actor)
        if current.status == Status.NEW:
            current.status = Status.ACKNOWLEDGED
        if current.owner_id is None:
            current.owner = actor
        current.save(update_fields=["acknowledged_at", "acknowledged_by", "status", "owner", "updated_at"])
        audit_record(
            actor=actor,
            action=events.REPORT_ACKNOWLEDGED,
            unit=current.school,
            subject=current,
            after={"status": current.status},
        )
    return current


def report_assign(*, actor: User, report: Report, owner: User) -> Report:
    require(actor, "report", "handle", report)
    if not RoleAssignment.objects.filter(
        user=owner, user__is_active=True, unit__path__startswith=report.school.path
    ).exists():
        raise Invalid(
            _("只能分派给本校教职工。"),
            code=ErrorCode.OWNER_NOT_STAFF,
            detail={"owner": [_("不是本校教职工")]},
        )
    with transaction.atomic():
        current = _locked(report)
        if not current.can_assign():
            raise Conflict(_("该报告已处理完毕，不能再分派。"), code=IntakeError.REPORT_NOT_OPEN)
        before = {"owner": current.owner_id, "status": current.status}
        current.owner = owner
        current.status = Status.ASSIGNED
        if current.acknowledged_at is None:
            _mark_acknowledged(current, actor)
        current.save()
        audit_record(
            actor=actor,
            action=events.REPORT_ASSIGNED,
            unit=current.school,
            subject=current,
            before=before,
            after={"owner": owner.pk, "status": current.status},
        )
        notify(
            [owner],
            title=_("您被指定负责一份欺凌举报"),
            url=reverse("intake:report", args=[current.pk]),
            urgent=current.urgent,
            subject_key=f"report:{current.pk}:assigned:{owner.pk}",
            email=True,
        )
    return current


def report_reply(*, actor: User, report: Report, text: Any) -> Message:
    require(actor, "report", "reply", report)
    text = _clean_text(text, minimum=1, maximum=MESSAGE_MAX)
    with transaction.atomic():
        current = _locked(report)
        message = Message.objects.create(report=current, sender=Sender.SCHOOL, author=actor, text=text)
        if current.acknowledged_at is None:
            _mark_acknowledged(current, actor)
            if current.status == Status.NEW:
                current.status = Status.ACKNOWLEDGED
            current.save(update_fields=["acknowledged_at", "acknowledged_by", "status", "updated_at"])
        audit_record(actor=actor, action=events.REPORT_REPLIED, unit=current.school, subject=current)
    return message


def report_merge(*, actor: User, report: Report, into: Report) -> Report:
    """Fold a duplicate into another report of the same school; the reporter then follows that one."""
    require(actor, "report", "handle", report)
    require(actor, "report", "handle", into)
    if report.pk == into.pk or into.school_id != report.school_id:
        raise Invalid(_("只能合并到本校的另一份报告。"), code=IntakeError.BAD_MERGE_TARGET)
    with transaction.atomic():
        first, second = sorted([report.pk, into.pk])
        locked = {
            r.pk: r for r in Report.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")
        }
        current, target = locked[report.pk], locked[into.pk]
        if not current.can_merge() or target.status not in (*OPEN_STATUSES, Status.ACCEPTED):
            raise Conflict(_("该报告当前状态不能合并。"), code=IntakeError.REPORT_NOT_OPEN)
        current.status, current.merged_into = Status.MERGED, target
        if current.urgent and not target.urgent:
            target.urgent = True
            target.signals = sorted(set(target.signals) | set(current.signals))
            target.save(update_fields=["urgent", "signals", "updated_at"])
        elif current.review and not target.urgent and not target.review:
            target.review = True
            target.save(update_fields=["review", "updated_at"])
        current.save(update_fields=["status", "merged_into", "updated_at"])
        audit_record(
            actor=actor,
            action=events.REPORT_MERGED,
            unit=current.school,
            subject=current,
            after={"into": target.pk},
        )
    return current


def report_accept(*, actor: User, report: Report) -> Report:
    """Accept as a matter to handle. Case handling takes it from here once it exists."""
    require(actor, "report", "handle", report)
    with transaction.atomic():
        current = _locked(report)
        if not current.can_accept():
            raise Conflict(_("该报告当前状态不能受理。"), code=IntakeError.REPORT_NOT_OPEN)
        before = current.status
        current.status = Status.ACCEPTED
        if current.acknowledged_at is None:
            _mark_acknowledged(current, actor)
        if current.owner_id is None:
            current.owner = actor
        current.save()
        audit_record(
            actor=actor,
            action=events.REPORT_ACCEPTED,
            unit=current.school,
            subject=current,
            before={"status": before},
            after={"status": current.status},
        )
    return current


def report_close(*, actor: User, report: Report, reason: Any) -> Report:
    """Close as not a bullying matter, with a reason the reporter reads in plain words."""
    require(actor, "report", "handle", report)
    if not isinstance(reason, str) or len(reason.strip()) < 4 or len(reason) > 1000:
        raise Invalid(
            _("请写明关闭原因（4 到 1000 字），反映人会看到这段话。"),
            code=ErrorCode.REASON_REQUIRED,
            detail={"reason": [_("4 到 1000 字")]},
        )
    reason = reason.strip()
    with transaction.atomic():
        current = _locked(report)
        if not current.can_close():
            raise Conflict(_("该报告当前状态不能关闭。"), code=IntakeError.REPORT_NOT_OPEN)
        before = current.status
        current.status, current.close_reason = Status.CLOSED, reason
        if current.acknowledged_at is None:
            _mark_acknowledged(current, actor)
        current.save()
        audit_record(
            actor=actor,
            action=events.REPORT_CLOSED,
            unit=current.school,
            subject=current,
            before={"status": before},
            after={"status": current.status},
        )
    return current


#: A report in one of these states may still become part of a case.
OPEN_FOR_CASE = (Status.NEW, Status.ACKNOWLEDGED, Status.ASSIGNED, Status.ACCEPTED)


def report_lock_for_case(*, actor: User, report_id: int, school: Unit) -> Report:
    """Lock a report that is to become part of a new case, in the caller's transaction: it must be
    of ``school``, the actor may handle it, and it is still open (the caller checks it has no case)."""
    report = Report.objects.select_for_update().get(pk=report_id)
    if report.school_id != school.pk:
        raise Invalid(_("只能由本校的举报立案。"), code=IntakeError.REPORT_OTHER_SCHOOL)
    require(actor, "report", "handle", report)
    if report.status not in OPEN_FOR_CASE:
        raise Conflict(_("该报告已处理或已立案，不能再次立案。"), code=IntakeError.REPORT_NOT_OPEN)
    return report


def report_joined_case(*, actor: User, report: Report, owner: User, at: datetime) -> None:
    """A locked report became part of a case: accepted, acknowledged by ``actor`` if nobody had,
    and owned by the case's owner if nobody was."""
    report.status = Status.ACCEPTED
    if report.acknowledged_at is None:
        report.acknowledged_at, report.acknowledged_by = at, actor
    if report.owner_id is None:
        report.owner = owner
    report.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "owner", "updated_at"])


def reports_pinned_q() -> Q:
    return Q(urgent=True, acknowledged_at__isnull=True)


def posters_printed(*, actor: User, schools: Sequence[Unit], fmt: str, batch: Unit | None = None) -> None:
    """One event per school whose 爱心信箱 poster was printed, so oversight can tell which schools
    never printed theirs (``batch``: the county or city whose posters were printed together)."""
    after = {"format": fmt}
    if batch is not None:
        after["batch"] = batch.code
    with transaction.atomic():
        for school in schools:
            audit_record(actor=actor, action=events.POSTER_PRINTED, unit=school, subject=school, after=after)
