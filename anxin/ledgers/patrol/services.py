"""Every write of 值班巡逻: keyword-only, one transaction, audited."""

from __future__ import annotations

import io
import uuid
from datetime import date, datetime, timedelta
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.access.matrix import can_at, require, require_at
from anxin.audit.services import audit_record
from anxin.core.errors import Invalid, NotFound
from anxin.intake.errors import IntakeError
from anxin.ledgers import events
from anxin.ledgers.base import Recorded, ledger_record, written_now
from anxin.ledgers.errors import LedgerError
from anxin.org.models import Unit, UnitKind, User

from .models import (
    DormRound,
    DutyShift,
    Frequency,
    PatrolCheckin,
    PatrolPoint,
    PatrolSettings,
    PointType,
    Shift,
    ShiftHandover,
)

Upload = tuple[str, IO[bytes]]
FINDING_MAX = 2000
MAX_ROUNDS = 12


def _text(
    value: Any,
    *,
    field: str,
    maximum: int,
    too_long: LedgerError,
    required: LedgerError | None = None,
    label: str = "",
) -> str:
    """The field's text, stripped; ``required`` and ``too_long`` are the codes of its refusals."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(
            _("“%(label)s”格式不正确。") % {"label": label},
            code=LedgerError.BAD_TEXT,
            detail={field: [_("格式不正确")]},
        )
    value = value.replace("\x00", "").strip()
    if required is not None and not value:
        raise Invalid(_("请填写“%(label)s”。") % {"label": label}, code=required, detail={field: [_("必填")]})
    if len(value) > maximum:
        raise Invalid(
            _("“%(label)s”最多 %(n)d 个字。") % {"label": label, "n": maximum},
            code=too_long,
            detail={field: [_("内容过长")]},
        )
    return value


def _school(school: Any) -> Unit:
    if not isinstance(school, Unit) or school.kind != UnitKind.SCHOOL:
        raise NotFound()
    return school


def _is_staff_of(user: Any, school: Unit) -> bool:
    return (
        isinstance(user, User)
        and user.is_active
        and user.assignments.filter(unit__path__startswith=school.path).exists()
    )


# --- settings and points ---------------------------------------------------------------------


def patrol_settings_set(
    *, actor: User | None, school: Unit, day_rounds: Any, night_rounds: Any
) -> PatrolSettings:
    school = _school(school)
    require_at(actor, "ledger_patrol_point", "manage", school.path)
    values = {}
    for name, value in (("day_rounds", day_rounds), ("night_rounds", night_rounds)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ROUNDS:
            raise Invalid(
                _("巡查次数须为 0 到 %(n)d 之间的整数。") % {"n": MAX_ROUNDS},
                code=LedgerError.BAD_ROUNDS,
                detail={name: [_("数值不正确")]},
            )
        values[name] = value
    with transaction.atomic():
        obj, _created = PatrolSettings.objects.select_for_update().get_or_create(school=school)
        before = {"day_rounds": obj.day_rounds, "night_rounds": obj.night_rounds}
        obj.day_rounds, obj.night_rounds = values["day_rounds"], values["night_rounds"]
        obj.save()
        audit_record(
            actor=actor,
            action=events.PATROL_SETTINGS_SET,
            unit=school,
            subject=obj,
            before=before,
            after=values,
        )
    return obj


def _duty(school: Unit, frequency: Any, rounds: Any, responsible: Any) -> dict[str, Any]:
    """A point's required frequency and responsible person, checked; blank/None mean the defaults."""
    if frequency is None:
        frequency = ""
    if frequency not in ("", *Frequency.values):
        raise Invalid(
            _("“巡查频次”须为每天、每晚或每周。"),
            code=LedgerError.BAD_POINT_FREQUENCY,
            detail={"frequency": [_("选项不正确")]},
        )
    if rounds is not None and (
        isinstance(rounds, bool) or not isinstance(rounds, int) or not 1 <= rounds <= MAX_ROUNDS
    ):
        raise Invalid(
            _("每期巡查次数须为 1 到 %(n)d 之间的整数（不填则按学校设置）。") % {"n": MAX_ROUNDS},
            code=LedgerError.BAD_ROUNDS,
            detail={"rounds": [_("数值不正确")]},
        )
    if responsible is not None and not _is_staff_of(responsible, school):
        raise Invalid(
            _("请选择本校的教职工。"), code=LedgerError.BAD_PERSON, detail={"responsible": [_("选项不正确")]}
        )
    return {"frequency": frequency, "rounds": rounds, "responsible": responsible}


def _duty_audit(point: PatrolPoint) -> dict[str, Any]:
    return {"frequency": point.frequency, "rounds": point.rounds, "responsible": point.responsible_id}


def patrol_point_create(
    *,
    actor: User | None,
    school: Unit,
    name: Any,
    place_type: Any = PointType.OTHER,
    building: Any = "",
    floor: Any = "",
    frequency: Any = "",
    rounds: Any = None,
    responsible: Any = None,
) -> PatrolPoint:
    school = _school(school)
    require_at(actor, "ledger_patrol_point", "manage", school.path)
    name = _text(
        name,
        field="name",
        maximum=60,
        required=LedgerError.NAME_REQUIRED,
        too_long=LedgerError.NAME_TOO_LONG,
        label=_("名称"),
    )
    if place_type not in PointType.values:
        raise Invalid(
            _("“地点类型”的选项不正确。"),
            code=LedgerError.BAD_PLACE_TYPE,
            detail={"place_type": [_("选项不正确")]},
        )
    building = _text(
        building, field="building", maximum=40, too_long=LedgerError.BUILDING_TOO_LONG, label=_("楼栋")
    )
    floor = _text(floor, field="floor", maximum=10, too_long=LedgerError.FLOOR_TOO_LONG, label=_("楼层"))
    duty = _duty(school, frequency, rounds, responsible)
    with transaction.atomic():
        point = PatrolPoint.objects.create(
            school=school, name=name, place_type=place_type, building=building, floor=floor, **duty
        )
        audit_record(
            actor=actor,
            action=events.PATROL_POINT_CREATED,
            unit=school,
            subject=point,
            after={
                "name": name,
                "place_type": place_type,
                "building": building,
                "floor": floor,
                **_duty_audit(point),
            },
        )
    return point


def patrol_point_set_duty(
    *, actor: User | None, point: PatrolPoint, frequency: Any, rounds: Any, responsible: Any
) -> PatrolPoint:
    """A point's required frequency (每天/每晚/每周 × rounds) and the person warned first if missed."""
    require(actor, "ledger_patrol_point", "manage", point)
    duty = _duty(point.school, frequency, rounds, responsible)
    with transaction.atomic():
        before = _duty_audit(point)
        for name, value in duty.items():
            setattr(point, name, value)
        point.save(update_fields=list(duty))
        audit_record(
            actor=actor,
            action=events.PATROL_POINT_DUTY_SET,
            unit=point.school,
            subject=point,
            before=before,
            after=_duty_audit(point),
        )
    return point


def patrol_point_set_active(*, actor: User | None, point: PatrolPoint, active: bool) -> PatrolPoint:
    require(actor, "ledger_patrol_point", "manage", point)
    with transaction.atomic():
        before = point.active
        point.active = bool(active)
        point.save(update_fields=["active"])
        audit_record(
            actor=actor,
            action=events.PATROL_POINT_ACTIVE_SET,
            unit=point.school,
            subject=point,
            before={"active": before},
            after={"active": point.active},
        )
    return point


# --- check-ins --------------------------------------------------------------------------------


def point_for_checkin(*, actor: Any, token: Any) -> PatrolPoint:
    """The active point behind a QR token, if the caller may check in at its school; 404 otherwise."""
    if not isinstance(token, str) or not token or len(token) > 40:
        raise NotFound()
    point = PatrolPoint.objects.select_related("school").filter(token=token, active=True).first()
    if point is None or not can_at(actor, "ledger_patrol_checkin", "record", point.school.path):
        raise NotFound()
    return point


def _report_place(point: PatrolPoint) -> str:
    from anxin.intake.models import Place

    if point.place_type == PointType.DORM_FLOOR:
        return Place.DORMITORY
    return point.place_type if point.place_type in Place.values else Place.OTHER


def patrol_checkin_record(
    *,
    actor: User,
    token: Any,
    client_key: Any,
    finding: Any = "",
    needs_report: bool = False,
    photo: Upload | None = None,
) -> Recorded:
    """打卡 at the point behind ``token``; a finding marked 需要上报 also files a staff-observed report."""
    from anxin.intake.images import clean_image

    point = point_for_checkin(actor=actor, token=token)
    finding = _text(
        finding,
        field="finding",
        maximum=FINDING_MAX,
        too_long=LedgerError.FINDING_TOO_LONG,
        label=_("发现的问题"),
    )
    needs_report = bool(needs_report)
    if needs_report and not finding:
        message = _("需要上报时，请写下发现的问题。")
        raise Invalid(message, code=LedgerError.FINDING_REQUIRED, detail={"finding": [message]})
    image = clean_image(photo[1], name=photo[0]) if photo is not None else None

    def attach(entry: PatrolCheckin) -> None:
        if image is not None:
            # A random name: the uploaded one may carry a child's name or the device's.
            entry.photo.save(f"{uuid.uuid4().hex}.{image.extension}", ContentFile(image.data), save=False)
        if needs_report:
            from anxin.intake.services import report_record

            text = _("巡查点“%(point)s”发现：%(finding)s") % {"point": str(point), "finding": finding}
            photos = [(f"photo.{image.extension}", io.BytesIO(image.data))] if image is not None else []
            entry.report = report_record(
                actor=actor,
                school=point.school,
                channel="staff_observed",
                text=text,
                place=_report_place(point),
                photos=photos,
            ).report

    return ledger_record(
        PatrolCheckin,
        actor=actor,
        school=point.school,
        resource="ledger_patrol_checkin",
        client_key=client_key,
        audit_action=events.PATROL_CHECKED_IN,
        audit_after={"point": point.pk, "finding": bool(finding), "report": needs_report},
        before_save=attach,
        point=point,
        finding=finding,
        needs_report=needs_report,
    )


# --- dormitory rounds -------------------------------------------------------------------------


def _count(value: Any, field: str, label: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2000:
        raise Invalid(
            _("“%(label)s”须为 0 到 2000 之间的整数。") % {"label": label},
            code=LedgerError.BAD_COUNT,
            detail={field: [_("数值不正确")]},
        )
    return value


def _moment(value: Any, field: str, label: str) -> datetime:
    if value is None:
        return written_now()
    if not isinstance(value, datetime):
        raise Invalid(
            _("“%(label)s”格式不正确。") % {"label": label},
            code=LedgerError.BAD_TIME,
            detail={field: [_("格式不正确")]},
        )
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > timezone.now() + timedelta(minutes=10):
        raise Invalid(
            _("“%(label)s”不能晚于现在。") % {"label": label},
            code=LedgerError.TIME_IN_FUTURE,
            detail={field: [_("时间不正确")]},
        )
    return value


def dorm_round_record(
    *,
    actor: User,
    school: Unit,
    client_key: Any,
    building: Any,
    floor: Any = "",
    patrolled_at: datetime | None = None,
    expected: Any,
    present: Any,
    absent_beds: Any = "",
    anomalies: Any = "",
) -> Recorded:
    school = _school(school)
    fields = {
        "building": _text(
            building,
            field="building",
            maximum=40,
            required=LedgerError.BUILDING_REQUIRED,
            too_long=LedgerError.BUILDING_TOO_LONG,
            label=_("楼栋"),
        ),
        "floor": _text(
            floor, field="floor", maximum=10, too_long=LedgerError.FLOOR_TOO_LONG, label=_("楼层")
        ),
        "patrolled_at": _moment(patrolled_at, "patrolled_at", _("巡查时间")),
        "expected": _count(expected, "expected", _("应到人数")),
        "present": _count(present, "present", _("实到人数")),
        "absent_beds": _text(
            absent_beds,
            field="absent_beds",
            maximum=300,
            too_long=LedgerError.ABSENT_BEDS_TOO_LONG,
            label=_("缺勤床位"),
        ),
        "anomalies": _text(
            anomalies,
            field="anomalies",
            maximum=2000,
            too_long=LedgerError.ANOMALIES_TOO_LONG,
            label=_("异常情况"),
        ),
    }
    if fields["present"] > fields["expected"]:
        raise Invalid(
            _("实到人数不能多于应到人数。"),
            code=LedgerError.PRESENT_OVER_EXPECTED,
            detail={"present": [_("实到人数不能多于应到人数。")]},
        )
    return ledger_record(
        DormRound,
        actor=actor,
        school=school,
        resource="ledger_patrol_dorm",
        client_key=client_key,
        audit_action=events.PATROL_DORM_ROUND_RECORDED,
        audit_after={
            "building": fields["building"],
            "floor": fields["floor"],
            "expected": fields["expected"],
            "present": fields["present"],
            "absent_beds": fields["absent_beds"],
        },
        **fields,
    )


# --- handovers --------------------------------------------------------------------------------


def handover_record(
    *,
    actor: User,
    school: Unit,
    client_key: Any,
    receiver: Any,
    handed_at: datetime | None = None,
    keys: bool = False,
    radio: bool = False,
    pending: bool = False,
    hazards: bool = False,
    notes: Any = "",
) -> Recorded:
    school = _school(school)
    if not _is_staff_of(receiver, school) or receiver.pk == getattr(actor, "pk", None):
        raise Invalid(
            _("请选择本校的另一位教职工作为接班人。"),
            code=LedgerError.BAD_RECEIVER,
            detail={"receiver": [_("选项不正确")]},
        )
    return ledger_record(
        ShiftHandover,
        actor=actor,
        school=school,
        resource="ledger_patrol_handover",
        client_key=client_key,
        audit_action=events.PATROL_HANDED_OVER,
        audit_after={"receiver": receiver.pk},
        receiver=receiver,
        handed_at=_moment(handed_at, "handed_at", _("交接时间")),
        keys=bool(keys),
        radio=bool(radio),
        pending=bool(pending),
        hazards=bool(hazards),
        notes=_text(
            notes, field="notes", maximum=2000, too_long=LedgerError.NOTES_TOO_LONG, label=_("交接内容")
        ),
    )


def handover_confirm(*, actor: User, handover: ShiftHandover) -> ShiftHandover:
    """The receiver's signature. Only the receiver may sign; signing twice keeps the first time."""
    require(actor, "ledger_patrol_handover", "view", handover)
    if handover.receiver_id != actor.pk:
        from anxin.core.errors import Forbidden

        raise Forbidden(_("只有接班人本人可以确认接班。"), code=LedgerError.NOT_RECEIVER)
    with transaction.atomic():
        changed = ShiftHandover.objects.filter(pk=handover.pk, received_at__isnull=True).update(
            received_at=timezone.now()
        )
        if changed:
            audit_record(
                actor=actor, action=events.PATROL_HANDOVER_CONFIRMED, unit=handover.school, subject=handover
            )
    handover.refresh_from_db()
    return handover


# --- rota -------------------------------------------------------------------------------------


def duty_shift_add(
    *, actor: User | None, school: Unit, day: Any, shift: Any, person: Any, is_leader: bool = False
) -> DutyShift:
    """Roster one person; the same person on the same date and shift again is the same row."""
    school = _school(school)
    require_at(actor, "ledger_patrol_rota", "manage", school.path)
    if not isinstance(day, date) or isinstance(day, datetime):
        raise Invalid(_("日期格式不正确。"), code=IntakeError.BAD_DATE, detail={"date": [_("格式不正确")]})
    if shift not in Shift.values:
        raise Invalid(
            _("“班次”的选项不正确。"), code=LedgerError.BAD_SHIFT, detail={"shift": [_("选项不正确")]}
        )
    if not _is_staff_of(person, school):
        raise Invalid(
            _("请选择本校的教职工。"), code=LedgerError.BAD_PERSON, detail={"person": [_("选项不正确")]}
        )
    try:
        with transaction.atomic():
            row, created = DutyShift.objects.get_or_create(
                school=school,
                date=day,
                shift=shift,
                person=person,
                defaults={"is_leader": bool(is_leader), "created_by": actor},
            )
            if not created and row.is_leader != bool(is_leader):
                row.is_leader = bool(is_leader)
                row.save(update_fields=["is_leader"])
            audit_record(
                actor=actor,
                action=events.PATROL_DUTY_ADDED,
                unit=school,
                subject=row,
                after={
                    "date": day.isoformat(),
                    "shift": shift,
                    "person": person.pk,
                    "leader": bool(is_leader),
                },
            )
    except IntegrityError:
        row = DutyShift.objects.get(school=school, date=day, shift=shift, person=person)
    return row


def duty_shift_remove(*, actor: User | None, row: DutyShift) -> None:
    require(actor, "ledger_patrol_rota", "manage", row)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=events.PATROL_DUTY_REMOVED,
            unit=row.school,
            subject=row,
            before={"date": row.date.isoformat(), "shift": row.shift, "person": row.person_id},
        )
        row.delete()
