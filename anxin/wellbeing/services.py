"""Every write of 心理筛查: opening a round, the guardian notice, printing codes, answering, warnings.

How a pupil is identified without an account
--------------------------------------------
The simplest safe design: a **one-time code per pupil**. After the class's guardian notice
(家长告知书) is recorded, the psychology teacher prints the class sheet: one slip per pupil with the
pupil's name and a 12-character code (60 random bits), cut up and handed out in the lesson. The
pupil types the code on a phone or a classroom PC and answers; the code then is spent.

- The code is stored only as a hash (``codes.py``): the database alone cannot be used to answer as
  someone, and a leaked sheet is the only way in. Printing the sheet again gives fresh codes to the
  pupils who have not answered and voids the old ones (a lost slip is fixed by a reprint).
- A code works only inside the round's window, once: the spend is a conditional UPDATE, so two
  taps of "submit" cannot store two answers.
- The answer page shows the masked name (李*雨 · 初一(1)班) so a pupil who got a neighbour's slip
  notices before answering; nothing else about the pupil is shown to whoever holds a code.
- Wrong codes are limited per network address (views), as receipts of the 爱心信箱 are.

The teacher-run alternative (the psychology teacher picks each pupil on their own phone) was
rejected: it puts the teacher's logged-in session in pupils' hands and shows the class list.

Warnings leave the platform with the school's name only: no child's name, no score (``_announce``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.access.matrix import require, require_at
from anxin.audit.services import audit_record
from anxin.core.errors import Conflict, ErrorCode, Invalid, NotFound, ServiceError
from anxin.core.notify import notify
from anxin.core.workdays import PeriodUnit, add_period_provisional
from anxin.intake.duty import leaders_on_duty
from anxin.org.models import Role, RoleAssignment, Student, Unit, UnitKind, User
from anxin.warnings.services import warning_move

from . import codes, events
from .errors import WellbeingError
from .instruments import (
    INSTRUMENT_SET,
    LEVEL_RULES,
    SCALE_MAX,
    SECONDARY_GRADES,
    Level,
    instruments,
    score,
)
from .models import LIVE, Invitation, Round, RoundClass, Screening, ScreeningWarning
from .permissions import ROUND, WARNING

TITLE_MAX = 100
WINDOW_MAX_DAYS = 60
#: School days the psychology teacher has for the talk of a concern warning.
CONCERN_SCHOOL_DAYS = 3


class CodeUnknown(ServiceError):
    status = 404
    code = WellbeingError.UNKNOWN_CODE
    default_message = gettext_lazy(
        "答题码不正确。请核对纸条上的12位字符后重新输入；如果仍然不行，请找心理老师。"
    )


def is_secondary(klass: Unit) -> bool:
    grade = klass.parent if klass.kind == UnitKind.CLASS else None
    return bool(grade is not None and grade.number in SECONDARY_GRADES)


def secondary_classes_of(school: Unit) -> list[Unit]:
    """The school's active classes that may be screened (初一 and up), in tree order."""
    classes = Unit.objects.filter(kind=UnitKind.CLASS, school=school, is_active=True).select_related("parent")
    return [k for k in classes.order_by("path") if is_secondary(k)]


# --- rounds ---------------------------------------------------------------------------------------


def round_open(
    *,
    actor: User | None,
    school: Unit,
    title: str,
    opens_on: date,
    closes_on: date,
    classes: list[Unit],
) -> Round:
    """Open a round for some secondary classes of one school."""
    if school.kind != UnitKind.SCHOOL:
        raise NotFound()
    require_at(actor, ROUND, "open", school.path)
    title = (title or "").strip()
    if not title:
        raise Invalid(_("请填写筛查名称。"), code=ErrorCode.TITLE_REQUIRED, detail={"title": [_("必填")]})
    if len(title) > TITLE_MAX:
        raise Invalid(_("名称过长（最多 100 字）。"), code=ErrorCode.TITLE_REQUIRED)
    if not isinstance(opens_on, date) or not isinstance(closes_on, date) or closes_on < opens_on:
        raise Invalid(_("截止日期不能早于开始日期。"), code=ErrorCode.BAD_WINDOW)
    if (closes_on - opens_on).days > WINDOW_MAX_DAYS:
        raise Invalid(_("一次筛查最长 60 天。"), code=ErrorCode.BAD_WINDOW)
    if closes_on < timezone.localdate():
        raise Invalid(_("截止日期已经过去。"), code=ErrorCode.BAD_WINDOW)
    if not classes:
        raise Invalid(_("请至少选择一个班级。"), code=WellbeingError.NO_CLASSES)
    seen: dict[int, Unit] = {}
    for klass in classes:
        if klass.kind != UnitKind.CLASS or klass.school_id != school.pk:
            raise Invalid(
                _("班级不属于该校。"), code=WellbeingError.CLASS_OTHER_SCHOOL, detail={"class_id": klass.pk}
            )
        if not is_secondary(klass):
            raise Invalid(
                _("心理筛查量表只适用于初中及以上年级的学生，%(klass)s 不能参加。") % {"klass": klass.name},
                code=WellbeingError.NOT_SECONDARY,
                detail={"class_id": klass.pk},
            )
        seen[klass.pk] = klass
    with transaction.atomic():
        rnd = Round.objects.create(
            school=school,
            unit_path=school.path,
            title=title,
            instrument_set=INSTRUMENT_SET,
            opens_on=opens_on,
            closes_on=closes_on,
            created_by=actor,
        )
        RoundClass.objects.bulk_create(
            [RoundClass(round=rnd, klass=k, unit_path=k.path) for k in seen.values()]
        )
        audit_record(
            actor=actor,
            action=events.ROUND_OPENED,
            unit=school,
            subject=rnd,
            after={"classes": sorted(seen), "opens_on": str(opens_on), "closes_on": str(closes_on)},
        )
    return rnd


def notice_record(*, actor: User | None, round_class: RoundClass) -> RoundClass:
    """Record that the class's guardian notice (家长告知书) went out. Idempotent."""
    require(actor, ROUND, "codes", round_class)
    with transaction.atomic():
        moved = RoundClass.objects.filter(pk=round_class.pk, notice_at__isnull=True).update(
            notice_at=timezone.now(), notice_by=actor
        )
        round_class.refresh_from_db()
        if moved:
            audit_record(
                actor=actor,
                action=events.NOTICE_RECORDED,
                unit=round_class.klass,
                subject=round_class,
            )
    return round_class


@dataclass(frozen=True)
class Slip:
    student: Student
    #: None for a pupil who has already answered (no new code).
    code: str | None


def codes_issue(
    *, actor: User | None, round_class: RoundClass, student_ids: list[int] | None = None
) -> list[Slip]:
    """Fresh codes for every pupil of the class who has not answered yet; old unspent codes die.

    ``student_ids`` limits the sheet to some pupils of the class: a bullying case's target screened
    alone before and after the aftercare. An id not of an active pupil of the class is refused.
    The codes exist only in the returned slips (the printed sheet): the database keeps hashes.
    """
    require(actor, ROUND, "codes", round_class)
    if round_class.notice_at is None:
        raise Conflict(_("请先发放并记录家长告知书，再打印答题码。"), code=WellbeingError.NOTICE_REQUIRED)
    rnd = round_class.round
    if rnd.closes_on < timezone.localdate():
        raise Conflict(_("本次筛查已经截止。"), code=WellbeingError.ROUND_NOT_OPEN)
    pupils = Student.objects.filter(klass=round_class.klass, is_active=True).order_by("student_no", "pk")
    if student_ids is not None:
        wanted = set(student_ids)
        pupils = pupils.filter(pk__in=wanted)
        if not wanted or len(pupils) != len(wanted):
            raise Invalid(
                _("所选学生不在这个班级。"),
                code=WellbeingError.STUDENT_NOT_IN_CLASS,
                detail={"student_ids": []},
            )
    students = list(pupils)
    slips: list[Slip] = []
    now = timezone.now()
    with transaction.atomic():
        existing = {
            i.student_id: i
            for i in Invitation.objects.select_for_update().filter(round=rnd, student__in=students)
        }
        for student in students:
            inv = existing.get(student.pk)
            if inv is not None and inv.used_at is not None:
                slips.append(Slip(student=student, code=None))
                continue
            code = codes.new_code()
            digest = codes.code_hash(code)
            assert digest is not None
            if inv is None:
                Invitation.objects.create(
                    round=rnd,
                    student=student,
                    unit_path=round_class.klass.path,
                    code_hash=digest,
                    issued_at=now,
                )
            else:
                Invitation.objects.filter(pk=inv.pk).update(code_hash=digest, issued_at=now)
            slips.append(Slip(student=student, code=code))
        RoundClass.objects.filter(pk=round_class.pk).update(codes_issued_at=now)
        audit_record(
            actor=actor,
            action=events.CODES_ISSUED,
            unit=round_class.klass,
            subject=round_class,
            after={
                "issued": sum(1 for s in slips if s.code),
                "answered": sum(1 for s in slips if not s.code),
            },
        )
    return slips


# --- answering ------------------------------------------------------------------------------------


def invitation_for_code(code: Any, *, today: date | None = None) -> Invitation:
    """The live invitation a typed code names, or a calm refusal saying what is wrong."""
    digest = codes.code_hash(code)
    inv = None
    if digest is not None:
        inv = (
            Invitation.objects.select_related("round", "round__school", "student", "student__klass__parent")
            .filter(code_hash=digest)
            .first()
        )
    if inv is None:
        raise CodeUnknown()
    if inv.used_at is not None:
        raise Conflict(
            _("这个答题码已经用过了，每个答题码只能作答一次。如有疑问请找心理老师。"),
            code=ErrorCode.CODE_USED,
        )
    today = today or timezone.localdate()
    if not inv.round.open_on(today):
        raise Conflict(
            _("本次筛查的作答时间是 %(start)s 至 %(end)s，现在不能作答。")
            % {"start": inv.round.opens_on, "end": inv.round.closes_on},
            code=WellbeingError.ROUND_NOT_OPEN,
        )
    student = inv.student
    if not student.is_active or not is_secondary(student.klass):
        raise Conflict(_("这个答题码现在不能使用，请找心理老师。"), code=WellbeingError.NOT_SECONDARY)
    return inv


def validate_answers(raw: Any, instrument_set: str = INSTRUMENT_SET) -> dict[str, list[int]]:
    """``raw``: {"phq9": [9 answers], "gad7": [7 answers]}, each a whole number 0–3."""
    if not isinstance(raw, dict):
        raise Invalid(_("请回答全部题目后再提交。"), code=WellbeingError.INCOMPLETE)
    clean: dict[str, list[int]] = {}
    missing: dict[str, list[int]] = {}
    bad: dict[str, list[int]] = {}
    for inst in instruments(instrument_set):
        values = raw.get(inst.key)
        if not isinstance(values, list | tuple):
            values = []
        values = list(values)
        if len(values) > len(inst.items):
            bad[inst.key] = list(range(len(inst.items) + 1, len(values) + 1))
        row: list[int] = []
        for n in range(len(inst.items)):
            v = values[n] if n < len(values) else None
            if v is None or v == "":
                missing.setdefault(inst.key, []).append(n + 1)
                continue
            if isinstance(v, str) and v.strip().isdigit():
                v = int(v.strip())
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= SCALE_MAX:
                bad.setdefault(inst.key, []).append(n + 1)
                continue
            row.append(v)
        clean[inst.key] = row
    if bad:
        raise Invalid(
            _("有的回答不在选项范围内（只能选 0–3 中的一项），请重新选择。"),
            code=WellbeingError.OUT_OF_RANGE,
            detail=bad,
        )
    if missing:
        n = sum(len(v) for v in missing.values())
        raise Invalid(
            _("还有 %(n)d 道题没有回答，请全部回答后再提交。") % {"n": n},
            code=WellbeingError.INCOMPLETE,
            detail=missing,
        )
    return clean


def screening_submit(*, code: Any, answers: Any, now: datetime | None = None) -> Screening:
    """Store a pupil's complete answers under their code, once; raise the warning they call for."""
    now = now or timezone.now()
    inv = invitation_for_code(code, today=timezone.localdate(now))
    clean = validate_answers(answers, inv.round.instrument_set)
    scores = score(clean)
    student = inv.student
    with transaction.atomic():
        spent = Invitation.objects.filter(pk=inv.pk, used_at__isnull=True).update(used_at=now)
        if spent != 1:
            raise Conflict(
                _("这个答题码已经用过了，每个答题码只能作答一次。如有疑问请找心理老师。"),
                code=ErrorCode.CODE_USED,
            )
        screening = Screening.objects.create(
            invitation=inv,
            round=inv.round,
            student=student,
            school=inv.round.school,
            unit_path=student.klass.path,
            answered_at=now,
            instrument_set=inv.round.instrument_set,
            level_rules=LEVEL_RULES,
            answers=clean,
            phq9=scores.phq9,
            gad7=scores.gad7,
            item9=scores.item9,
            level=scores.level.value,
        )
        audit_record(
            actor=None,
            action=events.ANSWERED,
            unit=student.klass,
            subject=screening,
            subject_label=str(inv.round),
        )
        if scores.level is not Level.NONE:
            _raise_warning(screening, scores.level, now)
    return screening


# --- warnings -------------------------------------------------------------------------------------


def _people(unit: Unit, roles: list[str]) -> list[User]:
    ids = RoleAssignment.objects.filter(unit=unit, role__in=roles, user__is_active=True).values("user")
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


def psych_teachers(school: Unit) -> list[User]:
    return _people(school, [Role.PSYCH_TEACHER])


def duty_leaders(school: Unit) -> list[User]:
    """The leader on duty now (duty rota), else everyone holding the 值班人员 role: as urgent reports."""
    return leaders_on_duty(school) or _people(school, [Role.DUTY_STAFF])


def external_text(school: Unit) -> str:
    """What leaves the platform about an urgent screening: the school's name, nothing of the pupil."""
    return _("%(school)s有一条心理筛查紧急预警待处理") % {"school": school.name}


def _raise_warning(screening: Screening, level: Level, now: datetime) -> ScreeningWarning:
    school = screening.school
    student = screening.student
    due = None
    if level is Level.CONCERN:
        due = add_period_provisional(timezone.localdate(now), CONCERN_SCHOOL_DAYS, PeriodUnit.WORKING).end
    warning = ScreeningWarning.objects.create(
        screening=screening,
        school=school,
        unit_path=screening.unit_path,
        student=student,
        level=level.value,
        due_on=due,
        created_at=now,
    )
    psych = psych_teachers(school)
    url = reverse("wellbeing:warning", args=[warning.pk])
    key = f"wellbeing_warning:{warning.pk}"
    watchers: list[User] = []
    # No name and no score in any notice: a notice is read on a lock screen and may be forwarded.
    if level is Level.ATTENTION:
        watchers = _people(student.klass, [Role.CLASS_TEACHER])
        notify(
            watchers,
            title=_("心理筛查提示：请与一名学生谈心"),
            body=_("请近期与该生进行一次关心谈话，了解近况。点击查看是哪位学生（不含任何筛查结果）。"),
            url=url,
            subject_key=key,
            fresh=True,
        )
    elif level is Level.CONCERN:
        notify(
            psych,
            title=_("心理筛查重点关注：请在 %(date)s 前约谈") % {"date": due},
            body=_("一名学生的筛查结果需要心理教师在 3 个上学日内约谈。"),
            url=url,
            subject_key=key,
            fresh=True,
        )
    else:
        watchers = [u for u in duty_leaders(school) if u.pk not in {p.pk for p in psych}]
        notify(
            [*psych, *watchers],
            title=_("心理筛查紧急预警"),
            body=_("%(school)s 有一名学生的心理筛查需要立即关注，请立即查看并与心理教师联系。")
            % {"school": school.name},
            url=url,
            urgent=True,
            subject_key=key,
            email=True,
            sms=True,
            fresh=True,
            external=external_text(school),
        )
    if watchers:
        warning.watchers.set(watchers)
    audit_record(
        actor=None,
        action=events.WARNING_RAISED,
        unit=student.klass,
        subject=warning,
        after={"level": level.value, "notified": [u.pk for u in [*psych, *watchers]]},
    )
    return warning


#: action -> (states it may start from, state it leads to, whether a note is required)
def warning_action(
    *, actor: User | None, warning: ScreeningWarning, action: str, note: str = ""
) -> ScreeningWarning:
    """Acknowledge, act on (处置) or dismiss a warning the caller sees: the early warnings' own flow."""
    return warning_move(
        model=ScreeningWarning,
        resource=WARNING,
        audit_names=events.ACTION_EVENTS,
        actor=actor,
        warning=warning,
        action=action,
        note=note,
    )


def concern_overdue_sweep(today: date | None = None) -> int:
    """Each live concern warning past its due school day: remind the psychology teachers and tell the
    principal that a talk is overdue (no name, no link: the principal cannot open it), once."""
    today = today or timezone.localdate()
    now = timezone.now()
    told = 0
    due = ScreeningWarning.objects.filter(
        level=Level.CONCERN.value, status__in=LIVE, due_on__lt=today, overdue_notified_at__isnull=True
    )
    for pk in list(due.values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            if (
                ScreeningWarning.objects.filter(pk=pk, overdue_notified_at__isnull=True).update(
                    overdue_notified_at=now
                )
                != 1
            ):
                continue
            w = ScreeningWarning.objects.select_related("school", "student__klass").get(pk=pk)
            key = f"wellbeing_overdue:{w.pk}"
            notify(
                psych_teachers(w.school),
                title=_("心理筛查约谈已超过期限"),
                body=_("一名学生的重点关注预警约谈期限是 %(date)s，至今未处置。") % {"date": w.due_on},
                url=reverse("wellbeing:warning", args=[w.pk]),
                urgent=True,
                subject_key=key,
            )
            notify(
                _people(w.school, [Role.PRINCIPAL]),
                title=_("心理筛查约谈逾期"),
                body=_("本校有一条心理筛查重点关注预警超过 3 个上学日仍未处置，请督促心理教师。"),
                subject_key=key,
            )
            audit_record(
                actor=None,
                action=events.WARNING_OVERDUE,
                unit=w.student.klass,
                subject=w,
                after={"due_on": str(w.due_on)},
            )
        told += 1
    return told


def overdue(warning: ScreeningWarning, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return bool(warning.live and warning.due_on and warning.due_on < today)
