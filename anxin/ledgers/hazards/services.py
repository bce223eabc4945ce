"""Every write of 隐患排查整治 and 视频监控: one transaction, one audit event each."""

from __future__ import annotations

from datetime import date, datetime
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.access.matrix import can, require, require_at
from anxin.audit.services import audit_record
from anxin.core.errors import Conflict, ErrorCode, Forbidden, Invalid, NotFound
from anxin.intake.images import clean_image
from anxin.ledgers import events
from anxin.ledgers.base import Recorded, ledger_record
from anxin.ledgers.errors import LedgerError
from anxin.org.models import Unit, User

from .models import (
    TRANSITIONS,
    Camera,
    CameraStatus,
    FootageReview,
    Hazard,
    HazardAction,
    HazardStatus,
    HazardStep,
    KeyPlace,
    PlaceKind,
    Screening,
    ScreeningResult,
)

GRID = "ledger_hazard_grid"
HAZARD = "ledger_hazard"


def _missing(fields: dict[str, Any]) -> None:
    """422 naming every required input that was left empty."""
    empty = [name for name, value in fields.items() if value in (None, "", [])]
    if empty:
        raise Invalid(
            _("缺少必填项：%(fields)s") % {"fields": "、".join(empty)},
            code=ErrorCode.MISSING_INPUTS,
            detail={name: [_("必填")] for name in empty},
        )


def _school_staff(school: Unit, user_id: Any, field: str) -> User:
    """A member of staff of this school, or 422 on ``field``."""
    user = (
        User.objects.filter(pk=user_id, is_active=True, assignments__unit__school=school).distinct().first()
        if isinstance(user_id, int) or (isinstance(user_id, str) and user_id.isdigit())
        else None
    )
    if user is None:
        raise Invalid(
            _("请选择本校的教职工。"),
            code=ErrorCode.OWNER_NOT_STAFF,
            detail={field: [_("请选择本校的教职工。")]},
        )
    return user


def _place_of(school: Unit, place_id: Any, field: str = "place") -> KeyPlace:
    place = KeyPlace.objects.filter(school=school, pk=place_id, is_active=True).first() if place_id else None
    if place is None:
        raise Invalid(
            _("请选择本校的重点部位。"),
            code=LedgerError.BAD_KEY_PLACE,
            detail={field: [_("请选择本校的重点部位。")]},
        )
    return place


# --- Key places and cameras (configuration) ---------------------------------------------------


def place_create(
    *,
    actor: User | None,
    school: Unit,
    name: str,
    kind: str,
    responsible_id: Any,
    location: str = "",
    frequency_days: int = 7,
) -> KeyPlace:
    require_at(actor, GRID, "manage", school.path)
    name = (name or "").strip()
    _missing({"name": name, "kind": kind, "responsible": responsible_id})
    if kind not in PlaceKind.values:
        raise Invalid(
            _("部位类型不正确。"), code=LedgerError.BAD_KIND, detail={"kind": [_("部位类型不正确。")]}
        )
    if not isinstance(frequency_days, int) or not 1 <= frequency_days <= 365:
        raise Invalid(
            _("排查周期应为 1 到 365 天。"),
            code=LedgerError.BAD_FREQUENCY,
            detail={"frequency_days": [_("1 到 365 天")]},
        )
    responsible = _school_staff(school, responsible_id, "responsible")
    with transaction.atomic():
        if KeyPlace.objects.filter(school=school, name=name).exists():
            raise Invalid(
                _("已有同名的重点部位。"),
                code=LedgerError.DUPLICATE_PLACE,
                detail={"name": [_("名称已存在")]},
            )
        place = KeyPlace.objects.create(
            school=school,
            name=name[:60],
            kind=kind,
            location=(location or "").strip()[:100],
            responsible=responsible,
            frequency_days=frequency_days,
        )
        audit_record(
            actor=actor,
            action=events.HAZARD_PLACE_CREATED,
            unit=school,
            subject=place,
            after={
                "name": place.name,
                "kind": kind,
                "responsible": responsible.pk,
                "frequency_days": frequency_days,
            },
        )
    return place


def camera_create(
    *, actor: User | None, school: Unit, place_id: Any, name: str, status: str = CameraStatus.OK
) -> Camera:
    require_at(actor, GRID, "manage", school.path)
    name = (name or "").strip()
    _missing({"name": name, "place": place_id})
    if status not in CameraStatus.values:
        raise Invalid(
            _("摄像头状态不正确。"), code=LedgerError.BAD_STATUS, detail={"status": [_("摄像头状态不正确。")]}
        )
    place = _place_of(school, place_id)
    with transaction.atomic():
        if Camera.objects.filter(school=school, name=name).exists():
            raise Invalid(
                _("已有同名的摄像头。"), code=LedgerError.DUPLICATE_CAMERA, detail={"name": [_("名称已存在")]}
            )
        camera = Camera.objects.create(school=school, place=place, name=name[:60], status=status)
        audit_record(
            actor=actor,
            action=events.HAZARD_CAMERA_CREATED,
            unit=school,
            subject=camera,
            after={"place": place.pk, "status": status},
        )
    return camera


def camera_set_status(*, actor: User | None, camera: Camera, status: str) -> Camera:
    require(actor, GRID, "manage", camera)
    if status not in CameraStatus.values:
        raise Invalid(
            _("摄像头状态不正确。"), code=LedgerError.BAD_STATUS, detail={"status": [_("摄像头状态不正确。")]}
        )
    with transaction.atomic():
        before = camera.status
        Camera.objects.filter(pk=camera.pk).update(status=status)
        camera.status = status
        audit_record(
            actor=actor,
            action=events.HAZARD_CAMERA_STATUS_SET,
            unit=camera.school,
            subject=camera,
            before={"status": before},
            after={"status": status},
        )
    return camera


# --- Screenings ---------------------------------------------------------------------------------


def screening_record(
    *,
    actor: User,
    school: Unit,
    client_key: Any,
    place_id: Any,
    result: str,
    screened_on: date | None = None,
    notes: str = "",
) -> Recorded:
    """One screening; a screening that finds a hazard opens it as a task (发现) at the same time."""
    require_at(actor, GRID, "record", school.path)
    notes = (notes or "").strip()
    _missing({"place": place_id, "result": result})
    if result not in ScreeningResult.values:
        raise Invalid(
            _("排查结果不正确。"), code=LedgerError.BAD_RESULT, detail={"result": [_("排查结果不正确。")]}
        )
    if result == ScreeningResult.FOUND and not notes:
        raise Invalid(
            _("发现隐患时请写明隐患情况。"),
            code=ErrorCode.MISSING_INPUTS,
            detail={"notes": [_("发现隐患时必填")]},
        )
    today = timezone.localdate()
    screened_on = screened_on or today
    if screened_on > today:
        raise Invalid(
            _("排查日期不能晚于今天。"),
            code=LedgerError.FUTURE_DATE,
            detail={"screened_on": [_("不能晚于今天")]},
        )
    place = _place_of(school, place_id)
    with transaction.atomic():
        recorded = ledger_record(
            Screening,
            actor=actor,
            school=school,
            resource=GRID,
            client_key=client_key,
            audit_action=events.HAZARD_SCREENING_RECORDED,
            audit_after={"place": place.pk, "result": result, "screened_on": screened_on.isoformat()},
            place=place,
            result=result,
            screened_on=screened_on,
            notes=notes,
        )
        if recorded.created and result == ScreeningResult.FOUND:
            _hazard_open(actor=actor, school=school, place=place, screening=recorded.entry, description=notes)
    return recorded


# --- Hazards: the closed loop -------------------------------------------------------------------


def _step(hazard: Hazard, *, actor: User, action: str, from_status: str, note: str = "") -> None:
    HazardStep.objects.create(
        hazard=hazard,
        school=hazard.school,
        action=action,
        from_status=from_status,
        to_status=hazard.status,
        actor=actor,
        note=note,
    )


def _hazard_open(
    *, actor: User, school: Unit, place: KeyPlace | None, screening: Screening, description: str
) -> Hazard:
    hazard = Hazard.objects.create(
        school=school, recorded_by=actor, place=place, screening=screening, description=description[:1000]
    )
    _step(hazard, actor=actor, action=HazardAction.REPORT, from_status="", note=description[:1000])
    audit_record(
        actor=actor,
        action=events.HAZARD_REPORTED,
        unit=school,
        subject=hazard,
        after={"place": place.pk if place else None, "screening": screening.pk, "status": hazard.status},
    )
    return hazard


def hazard_report(
    *, actor: User, school: Unit, client_key: Any, description: str, place_id: Any = None
) -> Recorded:
    """Any member of staff reports a hazard directly; it waits (发现) for a leader to assign it."""
    require_at(actor, HAZARD, "record", school.path)
    description = (description or "").strip()
    _missing({"description": description})
    place = _place_of(school, place_id) if place_id not in (None, "") else None

    with transaction.atomic():
        recorded = ledger_record(
            Hazard,
            actor=actor,
            school=school,
            resource=HAZARD,
            client_key=client_key,
            audit_action=events.HAZARD_REPORTED,
            audit_after={"place": place.pk if place else None, "status": HazardStatus.FOUND},
            place=place,
            description=description,
        )
        if recorded.created:
            _step(recorded.entry, actor=actor, action=HazardAction.REPORT, from_status="", note=description)
    return recorded


def hazard_transition(
    *,
    actor: User,
    hazard: Hazard,
    action: str,
    owner_id: Any = None,
    deadline: date | None = None,
    photo: IO[bytes] | None = None,
    photo_name: str = "",
    note: str = "",
    reason: str = "",
) -> Hazard:
    """Move a hazard along the loop. 409 for a move its state does not allow, 422 for missing inputs."""
    if action not in TRANSITIONS:
        raise Invalid(
            _("未知的操作。"), code=ErrorCode.UNKNOWN_ACTION, detail={"action": [_("未知的操作。")]}
        )
    from_status, to_status, permission, required = TRANSITIONS[action]
    if not can(actor, HAZARD, "view", hazard):
        raise NotFound()
    require(actor, HAZARD, permission, hazard)
    inputs = {"owner": owner_id, "deadline": deadline, "photo": photo, "reason": (reason or "").strip()}
    note = (note or "").strip()[:1000]
    today = timezone.localdate()
    with transaction.atomic():
        locked = Hazard.objects.select_for_update().select_related("school").get(pk=hazard.pk)
        if locked.status != from_status:
            raise Conflict(
                _("当前状态为“%(status)s”，不能执行“%(action)s”。")
                % {"status": locked.get_status_display(), "action": HazardAction(action).label},
                code=ErrorCode.TRANSITION_NOT_ALLOWED,
                detail={"status": locked.status, "action": action},
            )
        _missing({name: inputs[name] for name in required})
        if action == HazardAction.START:
            owner = _school_staff(locked.school, owner_id, "owner")
            if deadline < today:  # type: ignore[operator]
                raise Invalid(
                    _("整改期限不能早于今天。"),
                    code=LedgerError.PAST_DEADLINE,
                    detail={"deadline": [_("不能早于今天")]},
                )
            locked.owner, locked.deadline = owner, deadline
            step_note = note
            after: dict[str, Any] = {"owner": owner.pk, "deadline": deadline.isoformat()}  # type: ignore[union-attr]
        elif action == HazardAction.RECTIFY:
            if actor.pk != locked.owner_id and not can(actor, HAZARD, "handle", locked):
                raise Forbidden(_("只有整改责任人可以提交整改结果。"), code=LedgerError.NOT_TASK_OWNER)
            image = clean_image(photo, name=photo_name)  # type: ignore[arg-type]
            locked.photo.save(f"hazard-{locked.pk}.{image.extension}", ContentFile(image.data), save=False)
            locked.photo_type = image.content_type
            locked.rectified_by, locked.rectified_at, locked.rectify_note = actor, timezone.now(), note
            step_note = note
            after = {"photo": locked.photo.name}
        elif action == HazardAction.ACCEPT:
            if not locked.can_accept(actor):
                raise Conflict(
                    _("整改人不能复查销号自己整改的隐患，请由其他人复查。"),
                    code=LedgerError.SAME_PERSON,
                    detail={"rectified_by": locked.rectified_by_id},
                )
            locked.closed_by, locked.closed_at = actor, timezone.now()
            step_note = note
            after = {}
        else:  # reject
            step_note = inputs["reason"][:1000]
            after = {"reason": step_note}
        locked.status = to_status
        locked.save()
        _step(locked, actor=actor, action=action, from_status=from_status, note=step_note)
        audit_record(
            actor=actor,
            action=events.HAZARD_STEP_EVENTS[action],
            unit=locked.school,
            subject=locked,
            before={"status": from_status},
            after={"status": to_status, **after},
        )
    return locked


# --- Footage reviews ----------------------------------------------------------------------------


def review_record(
    *,
    actor: User,
    school: Unit,
    client_key: Any,
    camera_ids: list[Any],
    period_from: datetime | None,
    period_to: datetime | None,
    findings: str = "",
) -> Recorded:
    require_at(actor, GRID, "record", school.path)
    _missing({"cameras": list(camera_ids or []), "period_from": period_from, "period_to": period_to})
    if period_to <= period_from:  # type: ignore[operator]
        raise Invalid(
            _("回看结束时间应晚于开始时间。"),
            code=LedgerError.BAD_PERIOD,
            detail={"period_to": [_("应晚于开始时间")]},
        )
    if period_from > timezone.now():  # type: ignore[operator]
        raise Invalid(
            _("回看时段不能在将来。"),
            code=LedgerError.FUTURE_PERIOD,
            detail={"period_from": [_("不能在将来")]},
        )
    ids = {int(c) for c in camera_ids if str(c).isdigit()}
    cameras = list(Camera.objects.filter(school=school, pk__in=ids))
    if not cameras or len(cameras) != len(set(map(str, camera_ids))):
        raise Invalid(
            _("请选择本校的摄像头。"),
            code=LedgerError.BAD_CAMERA,
            detail={"cameras": [_("请选择本校的摄像头。")]},
        )
    with transaction.atomic():
        recorded = ledger_record(
            FootageReview,
            actor=actor,
            school=school,
            resource=GRID,
            client_key=client_key,
            audit_action=events.HAZARD_FOOTAGE_REVIEWED,
            audit_after={"cameras": sorted(c.pk for c in cameras)},
            period_from=period_from,
            period_to=period_to,
            findings=(findings or "").strip(),
        )
        if recorded.created:
            recorded.entry.cameras.set(cameras)
    return recorded
