"""Every write of supervision: one transaction each, with its audit event; notifications inside the
same transaction (anxin.core.notify stores them with the write, email and SMS leave on commit)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.access.roles import Role, UnitKind
from anxin.audit.services import audit_record
from anxin.core.errors import Conflict, ErrorCode, Forbidden, Invalid, NotFound
from anxin.core.notify import notify
from anxin.core.params import parse_client_key
from anxin.intake.images import clean_image
from anxin.org.models import RoleAssignment, Unit, User

from . import events
from .errors import SupervisionError
from .models import (
    EXTENDABLE,
    OPEN_AT_SCHOOL,
    TRANSITIONS,
    Finding,
    InspectorAssignment,
    Interview,
    Notice,
    NoticeReceipt,
    Order,
    OrderAction,
    OrderLevel,
    OrderStep,
    Visit,
    VisitPhoto,
)
from .permissions import INSPECTORS, INTERVIEW, NOTICE, ORDER, VISIT, can_school, require_school
from .scorecard import ITEMS

#: An evidence file (photo or PDF) is at most this large.
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
MAX_ITEMS = 20
MAX_PHOTOS = 6


def _missing(fields: dict[str, Any]) -> None:
    empty = [name for name, value in fields.items() if value in (None, "", [], {})]
    if empty:
        raise Invalid(
            _("缺少必填项：%(fields)s") % {"fields": "、".join(empty)},
            code=ErrorCode.MISSING_INPUTS,
            detail={name: [_("必填")] for name in empty},
        )


def _school(school: Any) -> Unit:
    if not isinstance(school, Unit) or school.kind != UnitKind.SCHOOL or not school.is_active:
        raise Invalid(
            _("请选择一所学校。"),
            code=SupervisionError.SUPERVISION_BAD_SCHOOL,
            detail={"school": [_("请选择一所学校。")]},
        )
    return school


def county_admins(school: Unit) -> list[User]:
    """The administrators of the county bureau over this school."""
    county = school.parent
    while county is not None and county.kind != UnitKind.COUNTY:
        county = county.parent
    if county is None:
        return []
    return list(
        User.objects.filter(
            is_active=True, assignments__role=Role.COUNTY_ADMIN, assignments__unit=county
        ).distinct()
    )


def school_leaders(
    school: Unit, roles: tuple[str, ...] = (Role.PRINCIPAL, Role.MORAL_DIRECTOR)
) -> list[User]:
    return list(
        User.objects.filter(is_active=True, assignments__role__in=roles, assignments__unit=school).distinct()
    )


# --- inspectors -----------------------------------------------------------------------------------


def inspector_assign(*, actor: User | None, inspector_id: Any, school: Unit) -> InspectorAssignment:
    """Give an inspector a school to supervise; they must hold the inspector role above it."""
    school = _school(school)
    require_school(actor, INSPECTORS, "manage", school)
    from anxin.core.params import parse_id

    pk = parse_id(inspector_id)
    inspector = User.objects.filter(pk=pk, is_active=True).first() if pk is not None else None
    paths = (
        RoleAssignment.objects.filter(user=inspector, role=Role.INSPECTOR, unit__is_active=True).values_list(
            "unit__path", flat=True
        )
        if inspector is not None
        else []
    )
    holds = any(school.path.startswith(p) for p in paths)
    if not holds:
        raise Invalid(
            _("所选人员不是该校所在县（区）或市的责任督学。"),
            code=SupervisionError.NOT_AN_INSPECTOR,
            detail={"inspector": [_("请选择责任督学。")]},
        )
    assert inspector is not None
    with transaction.atomic():
        if InspectorAssignment.objects.filter(inspector=inspector, school=school).exists():
            raise Conflict(_("该督学已负责这所学校。"), code=SupervisionError.INSPECTOR_ALREADY_ASSIGNED)
        row = InspectorAssignment.objects.create(inspector=inspector, school=school, assigned_by=actor)
        audit_record(
            actor=actor,
            action=events.INSPECTOR_ASSIGNED,
            unit=school,
            subject=row,
            after={"inspector": inspector.pk, "school": school.pk},
        )
    return row


def inspector_unassign(*, actor: User | None, assignment: InspectorAssignment) -> None:
    require_school(actor, INSPECTORS, "manage", assignment.school)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=events.INSPECTOR_UNASSIGNED,
            unit=assignment.school,
            subject=assignment,
            before={"inspector": assignment.inspector_id, "school": assignment.school_id},
        )
        InspectorAssignment.objects.filter(pk=assignment.pk).delete()


# --- visits ---------------------------------------------------------------------------------------


def clean_checklist(results: Any) -> dict[str, dict[str, str]]:
    """``{item: {"result": meets|partly|fails, "note": str}}`` with known items only, or Invalid."""
    if not isinstance(results, dict) or not results:
        raise Invalid(
            _("请至少检查一项。"),
            code=SupervisionError.CHECKLIST_INVALID,
            detail={"results": [_("请至少检查一项。")]},
        )
    out: dict[str, dict[str, str]] = {}
    bad: dict[str, list[str]] = {}
    for key, value in results.items():
        if key not in ITEMS:
            bad[str(key)[:40]] = [_("未知的检查项目。")]
            continue
        if isinstance(value, str):
            value = {"result": value}
        result = value.get("result") if isinstance(value, dict) else None
        note = value.get("note", "") if isinstance(value, dict) else ""
        if result not in Finding.values or not isinstance(note, str):
            bad[key] = [_("请选择符合、基本符合或不符合。")]
            continue
        if result != Finding.MEETS and not note.strip():
            bad[key] = [_("基本符合或不符合时请写明问题。")]
            continue
        out[key] = {"result": result, "note": note.strip()[:500]}
    if bad:
        raise Invalid(
            _("检查结果有误，请检查标出的各项。"), code=SupervisionError.CHECKLIST_INVALID, detail=bad
        )
    return out


def visit_record(
    *,
    actor: User,
    school: Unit,
    visited_on: date | None,
    results: Any,
    summary: str = "",
    photos: list[tuple[IO[bytes], str]] | None = None,
    client_key: Any = None,
) -> Visit:
    """An inspector's visit with its checklist and photos. Sent again with the same ``client_key``
    (a phone that kept it offline, a retry after a lost answer) it returns the visit already stored."""
    school = _school(school)
    require_school(actor, VISIT, "record", school)
    key = parse_client_key(client_key, fresh=False)
    if key is not None:
        found = Visit.objects.filter(inspector=actor, client_key=key).first()
        if found is not None:
            return found
    today = timezone.localdate()
    visited_on = visited_on or today
    if visited_on > today:
        raise Invalid(
            _("检查日期不能晚于今天。"),
            code=SupervisionError.VISIT_DATE_FUTURE,
            detail={"visited_on": [_("不能晚于今天")]},
        )
    clean = clean_checklist(results)
    photos = photos or []
    if len(photos) > MAX_PHOTOS:
        raise Invalid(
            _("照片最多 %(n)s 张。") % {"n": MAX_PHOTOS},
            code=SupervisionError.EVIDENCE_INVALID,
            detail={"photos": [_("照片最多 %(n)s 张。") % {"n": MAX_PHOTOS}]},
        )
    images = [clean_image(f, name=name) for f, name in photos]  # all checked before anything is stored
    try:
        return _visit_store(actor, school, visited_on, clean, summary, images, key)
    except IntegrityError:  # the same key sent twice at once: the other request stored it
        found = Visit.objects.filter(inspector=actor, client_key=key).first()
        if key is None or found is None:
            raise
        return found


def _visit_store(
    actor: User,
    school: Unit,
    visited_on: date,
    clean: dict[str, Any],
    summary: str,
    images: list[Any],
    key: Any,
) -> Visit:
    with transaction.atomic():
        visit = Visit.objects.create(
            school=school,
            inspector=actor,
            visited_on=visited_on,
            results=clean,
            summary=(summary or "").strip()[:2000],
            client_key=key,
        )
        for n, image in enumerate(images, start=1):
            photo = VisitPhoto(visit=visit, school=school, content_type=image.content_type)
            photo.file.save(f"visit-{visit.pk}-{n}.{image.extension}", ContentFile(image.data), save=False)
            photo.save()
        audit_record(
            actor=actor,
            action=events.VISIT_RECORDED,
            unit=school,
            subject=visit,
            after={
                "visited_on": visited_on.isoformat(),
                "results": {k: v["result"] for k, v in clean.items()},
                "photos": len(images),
            },
        )
    return visit


def visit_photo_add(*, actor: User, visit: Visit, fileobj: IO[bytes] | None, name: str = "") -> VisitPhoto:
    """A photo added to a visit after it was saved (the API records the checklist as JSON, then
    sends each photo; a phone that saved the visit offline sends its photos when back online).
    Only the inspector who recorded the visit, up to MAX_PHOTOS."""
    if not can_school(actor, VISIT, "view", visit.school):
        raise NotFound()
    if visit.inspector_id != actor.pk:
        raise Forbidden(_("只有记录这次检查的人可以补充照片。"), code=ErrorCode.FORBIDDEN)
    if fileobj is None:
        raise Invalid(
            _("请选择照片。"), code=SupervisionError.EVIDENCE_INVALID, detail={"photo": [_("请选择照片。")]}
        )
    image = clean_image(fileobj, name=name)
    with transaction.atomic():
        Visit.objects.select_for_update().filter(pk=visit.pk).first()
        count = VisitPhoto.objects.filter(visit=visit).count()
        if count >= MAX_PHOTOS:
            raise Invalid(
                _("照片最多 %(n)s 张。") % {"n": MAX_PHOTOS},
                code=SupervisionError.EVIDENCE_INVALID,
                detail={"photo": [_("照片最多 %(n)s 张。") % {"n": MAX_PHOTOS}]},
            )
        photo = VisitPhoto(visit=visit, school=visit.school, content_type=image.content_type)
        photo.file.save(
            f"visit-{visit.pk}-{count + 1}.{image.extension}", ContentFile(image.data), save=False
        )
        photo.save()
        audit_record(
            actor=actor,
            action=events.VISIT_PHOTO_ADDED,
            unit=visit.school,
            subject=visit,
            after={"photos": count + 1},
        )
    return photo


# --- rectification orders ------------------------------------------------------------------------


def clean_items(items: Any) -> list[dict[str, str]]:
    """A list of texts or ``{"text", "item"}`` dicts, as stored: at least one, at most MAX_ITEMS."""
    if isinstance(items, str):
        items = [line for line in items.splitlines() if line.strip()]
    if not isinstance(items, list) or not items or len(items) > MAX_ITEMS:
        raise Invalid(
            _("请写明 1 到 %(n)s 条整改事项。") % {"n": MAX_ITEMS},
            code=SupervisionError.ORDER_ITEMS_INVALID,
            detail={"items": [_("请写明整改事项，每行一条。")]},
        )
    out = []
    for entry in items:
        text, key = (
            (entry, "")
            if isinstance(entry, str)
            else ((entry.get("text"), entry.get("item", "") or "") if isinstance(entry, dict) else (None, ""))
        )
        if not isinstance(text, str) or not text.strip() or (key and key not in ITEMS):
            raise Invalid(
                _("整改事项有误：每条须有文字，关联的考评项目须存在。"),
                code=SupervisionError.ORDER_ITEMS_INVALID,
                detail={"items": [_("整改事项有误。")]},
            )
        out.append({"text": text.strip()[:500], "item": key})
    return out


def order_issue(
    *,
    actor: User,
    school: Unit,
    title: str,
    items: Any,
    deadline: date | None,
    level: str = OrderLevel.NOTICE,
    visit: Visit | None = None,
) -> Order:
    """A bureau (or an inspector, for a school assigned to them) orders a school to rectify by a date."""
    school = _school(school)
    require_school(actor, ORDER, "issue", school)
    title = (title or "").strip()
    _missing({"title": title, "deadline": deadline})
    if level not in OrderLevel.values:
        raise Invalid(
            _("级别不正确。"),
            code=SupervisionError.ORDER_LEVEL_INVALID,
            detail={"level": [_("级别不正确。")]},
        )
    assert deadline is not None
    if deadline < timezone.localdate():
        raise Invalid(
            _("整改期限不能早于今天。"),
            code=SupervisionError.ORDER_DEADLINE_PAST,
            detail={"deadline": [_("不能早于今天")]},
        )
    clean = clean_items(items)
    if visit is not None and visit.school_id != school.pk:
        raise NotFound()
    with transaction.atomic():
        order = Order.objects.create(
            school=school,
            title=title[:100],
            items=clean,
            level=level,
            deadline=deadline,
            visit=visit,
            issued_by=actor,
        )
        OrderStep.objects.create(
            order=order,
            school=school,
            action=OrderAction.ISSUE,
            from_status="",
            to_status=order.status,
            actor=actor,
            note=title[:100],
        )
        audit_record(
            actor=actor,
            action=events.ORDER_ISSUED,
            unit=school,
            subject=order,
            after={
                "level": level,
                "deadline": deadline.isoformat(),
                "items": len(clean),
                "visit": visit.pk if visit else None,
            },
        )
        notify(
            school_leaders(school),
            title=_("收到%(level)s：%(title)s") % {"level": order.get_level_display(), "title": order.title},
            body=_("请于 %(date)s 前完成整改并反馈。") % {"date": deadline.isoformat()},
            url=reverse("supervision:order", args=[order.pk]),
            urgent=level == OrderLevel.LISTED,
            subject_key=f"supervision.order.{order.pk}.issued",
            fresh=True,
        )
    return order


@dataclass
class Evidence:
    data: bytes
    content_type: str
    extension: str


def clean_evidence(fileobj: IO[bytes] | None, name: str = "") -> Evidence | None:
    """A photo (re-encoded without metadata) or a PDF; None when no file was given."""
    if fileobj is None:
        return None
    data = fileobj.read(MAX_EVIDENCE_BYTES + 1)
    if len(data) > MAX_EVIDENCE_BYTES:
        raise Invalid(
            _("佐证材料超过 10 MB。"),
            code=SupervisionError.EVIDENCE_INVALID,
            detail={"evidence": [_("超过 10 MB")]},
        )
    if data.startswith(b"%PDF-"):
        return Evidence(data, "application/pdf", "pdf")
    if not data:
        raise Invalid(
            _("佐证材料是空文件。"),
            code=SupervisionError.EVIDENCE_INVALID,
            detail={"evidence": [_("空文件")]},
        )
    try:
        image = clean_image(io.BytesIO(data), name=name)
    except Invalid as exc:
        raise Invalid(
            _("佐证材料须为照片（JPEG、PNG、HEIC）或 PDF：%(why)s") % {"why": exc.message},
            code=SupervisionError.EVIDENCE_INVALID,
            detail={"evidence": [exc.message]},
        ) from None
    return Evidence(image.data, image.content_type, image.extension)


def order_transition(
    *,
    actor: User,
    order: Order,
    action: str,
    response: str = "",
    evidence: IO[bytes] | None = None,
    evidence_name: str = "",
    reason: str = "",
    note: str = "",
) -> Order:
    """Move an order along its loop: the school responds, the bureau closes it or sends it back.

    404 for an order the caller cannot see, 403 for a step not theirs, 409 for a step its state does
    not allow, 422 for missing or bad inputs; nothing is stored unless everything is right."""
    if action not in TRANSITIONS:
        raise Invalid(
            _("未知的操作。"), code=ErrorCode.UNKNOWN_ACTION, detail={"action": [_("未知的操作。")]}
        )
    sources, to_status, permission, required = TRANSITIONS[action]
    if not can_school(actor, ORDER, "view", order.school):
        raise NotFound()
    require_school(actor, ORDER, permission, order.school)
    response = (response or "").strip()[:4000]
    reason = (reason or "").strip()[:1000]
    note = (note or "").strip()[:1000]
    file = clean_evidence(evidence, evidence_name) if action == OrderAction.RESPOND else None
    with transaction.atomic():
        locked = Order.objects.select_for_update().select_related("school", "issued_by").get(pk=order.pk)
        if locked.status not in sources:
            raise Conflict(
                _("当前状态为“%(status)s”，不能执行“%(action)s”。")
                % {"status": locked.get_status_display(), "action": OrderAction(action).label},
                code=ErrorCode.TRANSITION_NOT_ALLOWED,
                detail={"status": locked.status, "action": action},
            )
        _missing({name: {"response": response, "reason": reason}[name] for name in required})
        now = timezone.now()
        from_status = locked.status
        after: dict[str, Any] = {"status": to_status}
        if action == OrderAction.RESPOND:
            locked.response, locked.responded_by, locked.responded_at = response, actor, now
            if file is not None:
                locked.evidence.save(
                    f"order-{locked.pk}.{file.extension}", ContentFile(file.data), save=False
                )
                locked.evidence_type = file.content_type
                after["evidence"] = locked.evidence.name
            step_note = response
            notify(
                [locked.issued_by, *county_admins(locked.school)],
                title=_("%(school)s 已反馈整改：%(title)s")
                % {"school": locked.school.name, "title": locked.title},
                url=reverse("supervision:order", args=[locked.pk]),
                subject_key=f"supervision.order.{locked.pk}.responded.{locked.returned_count}",
            )
        elif action == OrderAction.CLOSE:
            locked.checked_by, locked.checked_at = actor, now
            step_note = note
        elif action == OrderAction.CANCEL:
            step_note = reason
            after["reason"] = reason
            notify(
                school_leaders(locked.school),
                title=_("整改通知已撤销：%(title)s") % {"title": locked.title},
                body=reason,
                url=reverse("supervision:order", args=[locked.pk]),
                subject_key=f"supervision.order.{locked.pk}.cancelled",
            )
        else:  # send back
            locked.checked_by, locked.checked_at = actor, now
            locked.returned_count += 1
            step_note = reason
            after["reason"] = reason
            notify(
                school_leaders(locked.school),
                title=_("整改被退回：%(title)s") % {"title": locked.title},
                body=reason,
                url=reverse("supervision:order", args=[locked.pk]),
                subject_key=f"supervision.order.{locked.pk}.returned.{locked.returned_count}",
            )
        locked.status = to_status
        locked.save()
        OrderStep.objects.create(
            order=locked,
            school=locked.school,
            action=action,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            note=step_note,
        )
        audit_record(
            actor=actor,
            action=events.ORDER_STEP_EVENTS[action],
            unit=locked.school,
            subject=locked,
            before={"status": from_status},
            after=after,
        )
    return locked


def order_extend(*, actor: User, order: Order, deadline: date | None, reason: str) -> Order:
    """A later deadline for an order still waiting for the school, with the reason (the bureau
    granted the school more time). The overdue sweep may tell again once the new date passes."""
    if not can_school(actor, ORDER, "view", order.school):
        raise NotFound()
    require_school(actor, ORDER, "check", order.school)
    reason = (reason or "").strip()[:1000]
    _missing({"deadline": deadline, "reason": reason})
    assert deadline is not None
    if deadline < timezone.localdate():
        raise Invalid(
            _("整改期限不能早于今天。"),
            code=SupervisionError.ORDER_DEADLINE_PAST,
            detail={"deadline": [_("不能早于今天")]},
        )
    with transaction.atomic():
        locked = Order.objects.select_for_update().select_related("school").get(pk=order.pk)
        if locked.status not in EXTENDABLE:
            raise Conflict(
                _("当前状态为“%(status)s”，不能延长整改期限。") % {"status": locked.get_status_display()},
                code=ErrorCode.TRANSITION_NOT_ALLOWED,
                detail={"status": locked.status, "action": OrderAction.EXTEND},
            )
        if deadline <= locked.deadline:
            raise Invalid(
                _("新的整改期限须晚于原期限 %(date)s。") % {"date": locked.deadline.isoformat()},
                code=SupervisionError.ORDER_DEADLINE_NOT_LATER,
                detail={"deadline": [_("须晚于原期限")]},
            )
        old = locked.deadline
        locked.deadline, locked.escalated_at = deadline, None
        locked.save(update_fields=["deadline", "escalated_at", "updated_at"])
        note = _("整改期限由 %(old)s 延至 %(new)s：%(reason)s") % {
            "old": old.isoformat(),
            "new": deadline.isoformat(),
            "reason": reason,
        }
        OrderStep.objects.create(
            order=locked,
            school=locked.school,
            action=OrderAction.EXTEND,
            from_status=locked.status,
            to_status=locked.status,
            actor=actor,
            note=note,
        )
        audit_record(
            actor=actor,
            action=events.ORDER_EXTENDED,
            unit=locked.school,
            subject=locked,
            before={"deadline": old.isoformat()},
            after={"deadline": deadline.isoformat(), "reason": reason},
        )
        notify(
            school_leaders(locked.school),
            title=_("整改期限已延长：%(title)s") % {"title": locked.title},
            body=note,
            url=reverse("supervision:order", args=[locked.pk]),
            subject_key=f"supervision.order.{locked.pk}.extended.{deadline.isoformat()}",
        )
    return locked


def escalate_overdue(today: date | None = None) -> int:
    """Tell the issuer and the county administrators of each order now overdue, once per order."""
    today = today or timezone.localdate()
    told = 0
    overdue = Order.objects.filter(status__in=OPEN_AT_SCHOOL, deadline__lt=today, escalated_at__isnull=True)
    for order in overdue.select_related("school", "issued_by").order_by("pk")[:500]:
        with transaction.atomic():
            # The conditional update makes two sweepers at once tell each person once.
            if not Order.objects.filter(pk=order.pk, escalated_at__isnull=True).update(
                escalated_at=timezone.now()
            ):
                continue
            notify(
                [order.issued_by, *county_admins(order.school)],
                title=_("整改逾期：%(school)s %(title)s")
                % {"school": order.school.name, "title": order.title},
                body=_("整改期限 %(date)s 已过，学校尚未反馈。") % {"date": order.deadline.isoformat()},
                url=reverse("supervision:order", args=[order.pk]),
                urgent=True,
                subject_key=f"supervision.order.{order.pk}.overdue",
            )
            audit_record(
                actor=None,
                action=events.ORDER_ESCALATED,
                unit=order.school,
                subject=order,
                after={"deadline": order.deadline.isoformat(), "status": order.status},
            )
            told += 1
    return told


# --- 约谈 -----------------------------------------------------------------------------------------


def interview_record(
    *,
    actor: User,
    school: Unit,
    person: str,
    held_on: date | None,
    reason: str,
    position: str = "",
    outcome: str = "",
    order: Order | None = None,
) -> Interview:
    school = _school(school)
    require_school(actor, INTERVIEW, "record", school)
    person, reason = (person or "").strip(), (reason or "").strip()
    _missing({"person": person, "held_on": held_on, "reason": reason})
    assert held_on is not None
    if order is not None and order.school_id != school.pk:
        raise NotFound()
    with transaction.atomic():
        row = Interview.objects.create(
            school=school,
            person=person[:50],
            position=(position or "").strip()[:50],
            held_on=held_on,
            reason=reason[:2000],
            outcome=(outcome or "").strip()[:2000],
            order=order,
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            action=events.INTERVIEW_RECORDED,
            unit=school,
            subject=row,
            after={"held_on": held_on.isoformat(), "order": order.pk if order else None},
        )
    return row


# --- 通报 -----------------------------------------------------------------------------------------


def notice_issue(*, actor: User, unit: Unit, title: str, body: str) -> Notice:
    """A 通报 to every active school under a county or city bureau, each with an unread receipt."""
    if not isinstance(unit, Unit) or unit.kind not in (UnitKind.COUNTY, UnitKind.CITY):
        raise Invalid(
            _("通报只能由县（区）或市教育局发布。"),
            code=SupervisionError.NOTICE_UNIT_INVALID,
            detail={"unit": [_("请选择县（区）或市。")]},
        )
    from anxin.access.matrix import require_at

    require_at(actor, NOTICE, "issue", unit.path)
    title, body = (title or "").strip(), (body or "").strip()
    _missing({"title": title, "body": body})
    schools = list(Unit.objects.filter(kind=UnitKind.SCHOOL, is_active=True, path__startswith=unit.path))
    with transaction.atomic():
        notice = Notice.objects.create(unit=unit, title=title[:100], body=body[:10000], issued_by=actor)
        NoticeReceipt.objects.bulk_create([NoticeReceipt(notice=notice, school=s) for s in schools])
        audit_record(
            actor=actor,
            action=events.NOTICE_ISSUED,
            unit=unit,
            subject=notice,
            after={"schools": len(schools)},
        )
        principals = User.objects.filter(
            is_active=True, assignments__role=Role.PRINCIPAL, assignments__unit__in=schools
        ).distinct()
        notify(
            principals,
            title=_("通报：%(title)s") % {"title": notice.title},
            url=reverse("supervision:notice", args=[notice.pk]),
            subject_key=f"supervision.notice.{notice.pk}",
            fresh=True,
        )
    return notice


def notice_confirm(*, actor: User, receipt: NoticeReceipt) -> NoticeReceipt:
    """The school's principal confirms the school has read the notice (once)."""
    require_school(actor, NOTICE, "confirm", receipt.school)
    with transaction.atomic():
        changed = NoticeReceipt.objects.filter(pk=receipt.pk, read_at__isnull=True).update(
            read_by=actor, read_at=timezone.now()
        )
        if not changed:
            raise Conflict(_("本校已确认阅读该通报。"), code=SupervisionError.NOTICE_ALREADY_READ)
        receipt.refresh_from_db()
        audit_record(
            actor=actor,
            action=events.NOTICE_READ,
            unit=receipt.school,
            subject=receipt,
            after={"notice": receipt.notice_id},
        )
    return receipt
