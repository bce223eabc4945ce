"""What each action of the workflow table does beyond moving the state: one handler per action."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.core.errors import Conflict, ErrorCode, Invalid
from anxin.core.notify import notify, notify_grouped, sms_backend
from anxin.org.models import CommitteeMember, Guardian, User

from .. import deadlines
from ..errors import CaseError
from ..models import (
    SERIOUS_GRAVITIES,
    Attachment,
    Case,
    Criterion,
    DeadlineKind,
    Determination,
    EventKind,
    Measure,
    Party,
    PartyRole,
    ReexamFinding,
    Reexamination,
    Visit,
)
from ..selectors import bureau_people, class_teachers, principals
from ..states import State
from ..workflow import STEPS
from .common import (
    MAX_ATTACHMENT,
    _add_watchers,
    _log,
    _move,
    _not_ready,
    _now,
    _tell,
    _tell_bureau,
    _url,
    due_words,
)

Handler = Callable[[Case, User, dict[str, Any], Any], dict[str, Any] | None]


def _emergency(case: Case, actor: User, d: dict[str, Any], form: Any) -> dict[str, Any]:
    from ..models import EmergencyStep

    at = d.get("done_at") or _now()
    labels = "、".join(str(EmergencyStep(s).label) for s in d["steps"])
    _log(
        case,
        EventKind.NOTE,
        _("紧急处置：%(steps)s") % {"steps": labels},
        actor=actor,
        body=d["note"],
        at=at,
        steps=d["steps"],
    )
    case.urgent = True
    return {"steps": d["steps"]}


def _investigate(case: Case, actor: User, d: dict[str, Any], form: Any) -> None:
    if d.get("note"):
        _log(case, EventKind.NOTE, _("调查安排"), actor=actor, body=d["note"])


def _submit(case: Case, actor: User, d: dict[str, Any], form: Any) -> None:
    if not case.parties.filter(role=PartyRole.TARGET).exists():
        raise _not_ready({"parties": _("请先登记受欺凌学生（当事人）。")})
    _log(case, EventKind.NOTE, _("调查结论"), actor=actor, body=d["summary"])
    deadlines.meet(case, DeadlineKind.INVESTIGATION)
    # Committee members with accounts take part in the determination: they may now open the case.
    members = [
        m.user
        for m in CommitteeMember.objects.filter(school_id=case.school_id, active=True)
        .exclude(user=None)
        .select_related("user")
    ]
    _add_watchers(case, members)
    _tell(
        case,
        members,
        _("案件 %(n)s 待委员会认定") % {"n": case.number},
        actor=actor,
        key=f"case:{case.pk}:pending:{case.determinations.count()}",
    )


def _determine(case: Case, actor: User, d: dict[str, Any], form: Any) -> dict[str, Any]:
    total = form.members_total
    present = d["members_present"]
    quorum = case.policy.rules.get("quorum_percent", 50)
    if total == 0:
        raise Invalid(_("本校尚未登记学生欺凌治理委员会成员，无法认定。"), code=CaseError.COMMITTEE_MISSING)
    if len(present) * 100 <= total * quorum:
        raise Invalid(
            _("出席委员 %(n)s 人，未达到委员会 %(total)s 人的法定人数（须超过 %(q)s%%）。")
            % {"n": len(present), "total": total, "q": quorum},
            code=CaseError.QUORUM_NOT_MET,
            detail={"members_present": [_("出席人数不足。")]},
        )
    bullying = d["is_bullying"] == "yes"
    criteria = {
        c.value: {"answer": d[f"{c.value}_answer"], "evidence": d[f"{c.value}_evidence"]} for c in Criterion
    }
    det = Determination.objects.create(
        case=case,
        meeting_on=d["meeting_on"],
        members_total=total,
        criteria=criteria,
        is_bullying=bullying,
        kinds=d["kinds"] if bullying else [],
        gravity=d["gravity"] if bullying else "",
        non_bullying="" if bullying else d["non_bullying"],
        parents_participation=d["parents_participation"],
        reasoning=d.get("reasoning", ""),
        recorded_by=actor,
    )
    det.members_present.set(present)
    _apply_finding(
        case, bullying, d["gravity"] if bullying else "", d["kinds"] if bullying else [], actor=actor
    )
    deadlines.meet(case, DeadlineKind.INVESTIGATION)
    title = (
        _("委员会认定：构成欺凌，情节%(g)s") % {"g": case.get_gravity_display()}
        if bullying
        else _("委员会认定：不构成欺凌（%(why)s）") % {"why": det.get_non_bullying_display()}
    )
    _log(
        case,
        EventKind.NOTE,
        title,
        actor=actor,
        body=d.get("reasoning", ""),
        determination=det.pk,
        present=len(present),
        total=total,
    )
    _move(case, "determine", State.DETERMINED if bullying else State.NOT_BULLYING)
    return {"is_bullying": bullying, "gravity": case.gravity}


def _apply_finding(case: Case, bullying: bool, gravity: str, kinds: list[str], *, actor: Any) -> None:
    case.is_bullying = bullying
    case.gravity = gravity
    if kinds:
        case.kinds = kinds
    if bullying and gravity in SERIOUS_GRAVITIES:
        _tell_bureau(
            case, _("学生欺凌治理委员会认定情节%(g)s。") % {"g": case.get_gravity_display()}, actor=actor
        )


def _notify_result(case: Case, actor: User, d: dict[str, Any], form: Any) -> dict[str, Any]:
    last = case.determinations.order_by("-created_at").first()
    if last and d["notified_on"] < last.meeting_on:
        raise Invalid(
            _("送达日期不能早于认定会议日期。"),
            code=ErrorCode.MISSING_INPUTS,
            detail={"notified_on": [_("不能早于认定会议日期。")]},
        )
    case.result_notified_on = d["notified_on"]
    deadlines.cancel(case, DeadlineKind.APPEAL)
    appeal = deadlines.schedule(case, DeadlineKind.APPEAL, d["notified_on"])
    _log(
        case,
        EventKind.NOTE,
        _("认定结果已送达（%(m)s）；复查申请期限至 %(due)s")
        % {"m": dict(form.fields["method"].choices)[d["method"]], "due": due_words(appeal)},
        actor=actor,
        body=d.get("note", ""),
    )
    _guardian_notice(
        case,
        _(
            "【安心校园】学校已就您孩子涉及的事件作出认定，书面通知已送达。如有异议，可在 %(due)s 前向县（区）教体局申请复查。"
        )
        % {"due": appeal.due_on.isoformat() if appeal.due_on else _("规定期限")},
        actor=actor,
    )
    return {"notified_on": d["notified_on"].isoformat()}


def _guardian_notice(case: Case, text: str, *, actor: Any) -> None:
    """Text the guardians of the students involved through the notice backend; record each in the log."""
    student_ids = list(
        case.parties.filter(student__isnull=False)
        .filter(role__in=[PartyRole.TARGET, PartyRole.BULLY])
        .values_list("student_id", flat=True)
    )
    guardians = list(Guardian.objects.filter(student_id__in=student_ids))
    for g in guardians:
        transaction.on_commit(partial(_send_sms, g.phone, text))
    if guardians:
        _log(
            case,
            EventKind.NOTIFICATION,
            _("已向 %(n)s 位监护人发送通知") % {"n": len(guardians)},
            actor=actor,
            body=text,
            guardians=len(guardians),
        )


def _send_sms(phone: str, text: str) -> None:
    try:
        sms_backend().send(phone, text)
    except Exception:  # noqa: BLE001  an outage of the carrier must not undo the case
        import logging

        logging.getLogger(__name__).exception("guardian notice failed")


def _apply_reexam(
    case: Case, actor: User | None, d: dict[str, Any], form: Any, *, via_receipt: bool = False
) -> dict[str, Any]:
    appeal = case.deadlines.filter(kind=DeadlineKind.APPEAL, cancelled=False).order_by("-pk").first()
    if appeal and appeal.due_on and d["applied_on"] > appeal.due_on:
        raise Invalid(
            _("已超过复查申请期限（%(due)s）。") % {"due": appeal.due_on.isoformat()},
            code=CaseError.APPEAL_LATE,
            detail={"applied_on": [_("已超过申请期限。")]},
        )
    applicant = case.parties.get(pk=d["applicant"])
    rx = Reexamination.objects.create(
        case=case,
        applicant=applicant,
        applied_on=d["applied_on"],
        reason=d["reason"],
        via_receipt=via_receipt,
        recorded_by=actor,
        returned_from=case.status,
    )
    deadlines.meet(case, DeadlineKind.APPEAL)
    due = deadlines.schedule(case, DeadlineKind.REEXAMINATION, d["applied_on"], reexamination=rx)
    _log(
        case,
        EventKind.NOTE,
        _("%(who)s申请复查；复查决定期限 %(due)s")
        % {"who": applicant.get_role_display(), "due": due_words(due)},
        actor=actor,
        body=d["reason"],
    )
    _tell(
        case,
        bureau_people(case.school),
        _("复查申请：%(school)s %(n)s") % {"school": case.school.name, "n": case.number},
        urgent=False,
        key=f"case:{case.pk}:reexam:{rx.pk}",
        actor=actor,
    )
    return {"reexamination": rx.pk}


def _assign_panel(case: Case, actor: User, d: dict[str, Any], form: Any) -> None:
    rx = case.reexaminations.filter(decided_on__isnull=True).order_by("-pk").first()
    if rx is None:
        raise _not_ready({"reexamination": _("没有待办的复查申请。")})
    rx.panel, rx.panel_assigned_at, rx.panel_assigned_by = form.panel(), _now(), actor
    rx.save(update_fields=["panel", "panel_assigned_at", "panel_assigned_by"])
    _log(case, EventKind.NOTE, _("教育局组成复查小组（%(n)s 人）") % {"n": len(rx.panel)}, actor=actor)


def _decide_reexam(case: Case, actor: User, d: dict[str, Any], form: Any) -> dict[str, Any]:
    rx = case.reexaminations.filter(decided_on__isnull=True).order_by("-pk").first()
    if rx is None or rx.panel_assigned_at is None:
        raise _not_ready({"panel": _("请先组成复查小组。")})
    if d["decided_on"] < rx.applied_on:
        raise Invalid(
            _("决定日期不能早于申请日期。"),
            code=ErrorCode.MISSING_INPUTS,
            detail={"decided_on": [_("不能早于申请日期。")]},
        )
    rx.finding, rx.finding_note, rx.decided_on, rx.decided_by = (
        d["finding"],
        d["note"],
        d["decided_on"],
        actor,
    )
    rx.save(update_fields=["finding", "finding_note", "decided_on", "decided_by"])
    deadlines.meet(case, DeadlineKind.REEXAMINATION, reexamination=rx)
    if d["finding"] == ReexamFinding.UPHOLD:
        target = rx.returned_from
    elif d["finding"] == ReexamFinding.CHANGE:
        bullying = d["is_bullying"] == "yes"
        _apply_finding(
            case, bullying, d.get("gravity") or "" if bullying else "", d.get("kinds") or [], actor=actor
        )
        target = State.DETERMINED if bullying else State.NOT_BULLYING
    else:
        target = State.INVESTIGATING
        deadlines.schedule(case, DeadlineKind.INVESTIGATION, d["decided_on"])
    _move(case, "decide_reexam", target)
    _log(
        case,
        EventKind.NOTE,
        _("复查决定：%(f)s") % {"f": rx.get_finding_display()},
        actor=actor,
        body=d["note"],
    )
    people = [case.owner, *principals(case.school)]
    _tell(
        case,
        people,
        _("案件 %(n)s 复查决定：%(f)s") % {"n": case.number, "f": rx.get_finding_display()},
        key=f"case:{case.pk}:reexam_done:{rx.pk}",
        actor=actor,
    )
    _guardian_notice(
        case,
        _("【安心校园】县（区）教体局已对您孩子涉及事件的复查申请作出决定：%(f)s。学校将与您联系。")
        % {"f": rx.get_finding_display()},
        actor=actor,
    )
    return {"finding": d["finding"]}


def _refer_police(case: Case, actor: User, d: dict[str, Any], form: Any) -> dict[str, Any]:
    case.police_referred_on = d["referred_on"]
    deadlines.meet(case, DeadlineKind.INVESTIGATION)
    _log(
        case,
        EventKind.NOTE,
        _("移送公安机关：%(a)s") % {"a": d["agency"]},
        actor=actor,
        body=d.get("note", ""),
    )
    _tell_bureau(case, _("已移送%(a)s。") % {"a": d["agency"]}, actor=actor)
    return {"agency": d["agency"]}


def _start_measures(case: Case, actor: User, d: dict[str, Any], form: Any) -> None:
    if not case.measures.exists():
        raise _not_ready({"measures": _("请先添加至少一项处理措施。")})
    if d.get("note"):
        _log(case, EventKind.NOTE, _("落实处理措施"), actor=actor, body=d["note"])


def _start_aftercare(case: Case, actor: User, d: dict[str, Any], form: Any) -> None:
    rows = []
    for kind in deadlines.VISIT_ORDER:
        dl = deadlines.schedule(case, kind, d["starts_on"])
        rows.append(f"{dl.get_kind_display()} {due_words(dl)}")
    _log(case, EventKind.DEADLINE, _("回访安排"), actor=actor, body="；".join(rows))


def _close(case: Case, actor: User, d: dict[str, Any], form: Any) -> None:
    reasons: dict[str, str] = {}
    if case.serious and case.bureau_notified_at is None:
        reasons["bureau"] = _("严重案件须先报告教育局。")
    if case.measures.filter(done_at__isnull=True).exists():
        reasons["measures"] = _("还有处理措施未完成。")
    if (
        case.status == State.AFTERCARE
        and case.deadlines.filter(
            kind__in=deadlines.VISIT_ORDER, met_at__isnull=True, cancelled=False
        ).exists()
    ):
        reasons["visits"] = _("还有回访未记录。")
    if case.status in (State.AFTERCARE, State.NOT_BULLYING):
        if case.result_notified_on is None:
            reasons["notified"] = _("认定结果尚未送达当事人。")
        else:
            appeal = case.deadlines.filter(
                kind=DeadlineKind.APPEAL, met_at__isnull=True, cancelled=False
            ).first()
            if appeal and (appeal.due_on is None or appeal.due_on >= timezone.localdate()):
                reasons["appeal"] = _("复查申请期限尚未届满。")
    if reasons:
        raise _not_ready(reasons)
    case.closed_at = _now()
    case.closing_summary = d["summary"]
    deadlines.cancel(case, tuple(DeadlineKind.values))
    _log(case, EventKind.NOTE, _("结案"), actor=actor, body=d["summary"])


def _add_party(case: Case, actor: User, d: dict[str, Any], form: Any) -> dict[str, Any]:
    student = d.get("student_obj")
    if student is not None:
        if case.parties.filter(student=student, role=d["role"]).exists():
            raise Invalid(
                _("该学生已以此身份登记。"), code=CaseError.PARTY_EXISTS, detail={"student": [_("已登记。")]}
            )
        party = Party.objects.create(
            case=case,
            role=d["role"],
            student=student,
            klass=student.klass,
            school=student.school if student.school_id != case.school_id else None,
            name=student.name,
            description=d.get("description", ""),
            added_by=actor,
        )
        teachers = class_teachers(student.klass_id)
        if student.school_id == case.school_id:
            _add_watchers(case, teachers)
            _tell(
                case,
                teachers,
                _("您班学生涉及案件 %(n)s") % {"n": case.number},
                actor=actor,
                key=f"case:{case.pk}:class:{student.klass_id}",
            )
        else:
            # The other school is involved: its leaders are told and see only their student's part.
            other = [*principals(student.school), *teachers]
            notify(
                other,
                title=_("贵校学生涉及外校案件"),
                body=_("%(school)s 的一起案件涉及贵校学生，请配合处理。") % {"school": case.school.name},
                url=reverse("cases:involved"),
                subject_key=f"case:{case.pk}:involved:{student.school_id}",
            )
            _log(
                case,
                EventKind.NOTIFICATION,
                _("已通知涉及学生所在学校：%(s)s") % {"s": student.school.name},
                actor=actor,
            )
    else:
        party = Party.objects.create(
            case=case,
            role=d["role"],
            name=d["name"].strip(),
            description=d.get("description", ""),
            added_by=actor,
        )
    _log(
        case,
        EventKind.PARTY,
        _("登记当事人：%(role)s") % {"role": party.get_role_display()},
        actor=actor,
        party=party.pk,
    )
    return {"party": party.pk}


def _contact_guardian(case: Case, actor: User, d: dict[str, Any], form: Any) -> None:
    party = case.parties.get(pk=d["party"])
    from ..models import GuardianContact

    GuardianContact.objects.create(
        case=case,
        party=party,
        guardian_name=d["guardian_name"],
        relation=d["relation"],
        contacted_at=d["contacted_at"],
        method=d["method"],
        said=d["said"],
        recorded_by=actor,
    )
    _log(
        case,
        EventKind.CONTACT,
        _("联系家长（%(role)s的%(rel)s）") % {"role": party.get_role_display(), "rel": d["relation"]},
        actor=actor,
        body=d["said"],
        at=d["contacted_at"],
    )


def _add_note(case: Case, actor: User, d: dict[str, Any], form: Any) -> None:
    _log(case, EventKind.NOTE, _("记录"), actor=actor, body=d["text"])


def _attach(case: Case, actor: User, d: dict[str, Any], form: Any) -> dict[str, Any]:
    upload = d["file"]
    if upload.size > MAX_ATTACHMENT:
        raise Invalid(
            _("文件超过 10 MB。"), code=CaseError.ATTACHMENT_TOO_LARGE, detail={"file": [_("超过 10 MB。")]}
        )
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        data, ctype, ext = upload.read(), "application/pdf", "pdf"
    else:
        from anxin.intake.images import clean_image

        image = clean_image(upload, name=d["name"])  # re-encoded: no EXIF, no GPS
        data, ctype, ext = image.data, image.content_type, image.extension
    att = Attachment(case=case, name=d["name"], content_type=ctype, size=len(data), uploaded_by=actor)
    att.file.save(f"{uuid.uuid4().hex}.{ext}", ContentFile(data), save=False)
    att.save()
    _log(
        case, EventKind.ATTACHMENT, _("附件：%(name)s") % {"name": d["name"]}, actor=actor, attachment=att.pk
    )
    return {"attachment": att.pk}


def _add_measure(case: Case, actor: User, d: dict[str, Any], form: Any) -> dict[str, Any]:
    owner = User.objects.get(pk=d["owner"])
    party = case.parties.get(pk=d["party"]) if d.get("party") else None
    m = Measure.objects.create(
        case=case,
        party=party,
        kind=d["kind"],
        detail=d["detail"],
        hours=d.get("hours"),
        sessions=d.get("sessions"),
        owner=owner,
        due_on=d["due_on"],
        parents_notified_at=d.get("parents_notified_at"),
        parents_notice_method=d.get("parents_notice_method") or "",
        created_by=actor,
    )
    deadlines.schedule_fixed(case, DeadlineKind.MEASURE, d["due_on"], measure=m)
    _add_watchers(case, [owner])
    _log(
        case,
        EventKind.MEASURE,
        _("处理措施：%(k)s，负责人 %(o)s，期限 %(due)s")
        % {"k": m.get_kind_display(), "o": owner.full_name or owner.username, "due": d["due_on"].isoformat()},
        actor=actor,
        body=d["detail"],
        measure=m.pk,
    )
    if owner.pk != actor.pk:
        # The measures of one case (often one per party) are one notice while it is unread.
        kind = m.get_kind_display()
        notify_grouped(
            owner,
            group=f"case:{case.pk}:measures",
            item_key=str(m.pk),
            title=_("新的处理措施待您落实：%(k)s") % {"k": kind},
            title_many=_("新的处理措施待您落实（%(n)s 项）：%(items)s"),
            item=kind,
            url=_url(case),
            email=True,
        )
        _log(
            case,
            EventKind.NOTIFICATION,
            _("已通知：%(names)s") % {"names": owner.full_name or owner.username},
            actor=actor,
            body=_("新的处理措施待您落实：%(k)s") % {"k": kind},
            recipients=[owner.pk],
        )
    return {"measure": m.pk}


def _complete_measure(case: Case, actor: User, d: dict[str, Any], form: Any) -> None:
    m = case.measures.get(pk=d["measure"])
    if m.done_at is not None:
        raise Conflict(_("该措施已完成。"), code=CaseError.MEASURE_DONE)
    m.done_at, m.done_note = _now(), d["note"]
    if d.get("parents_notified_at"):
        m.parents_notified_at, m.parents_notice_method = d["parents_notified_at"], d["parents_notice_method"]
    m.save()
    deadlines.meet(case, DeadlineKind.MEASURE, measure=m)
    _log(
        case,
        EventKind.MEASURE,
        _("措施完成：%(k)s") % {"k": m.get_kind_display()},
        actor=actor,
        body=d["note"],
    )


def _record_visit(case: Case, actor: User, d: dict[str, Any], form: Any) -> dict[str, Any]:
    dl = case.deadlines.filter(kind=d["visit"], met_at__isnull=True, cancelled=False).order_by("pk").first()
    if dl is None:
        raise Invalid(_("该回访已记录。"), code=ErrorCode.MISSING_INPUTS, detail={"visit": [_("已记录。")]})
    party = case.parties.get(pk=d["party"]) if d.get("party") else None
    v = Visit.objects.create(
        case=case,
        deadline=dl,
        party=party,
        visited_on=d["visited_on"],
        stopped=d["stopped"] == "yes",
        note=d["note"],
        visited_by=actor,
    )
    deadlines.meet(case, d["visit"], pk=dl.pk)
    _log(
        case,
        EventKind.VISIT,
        _("%(k)s：%(s)s")
        % {"k": dl.get_kind_display(), "s": _("欺凌已停止") if v.stopped else _("仍有欺凌迹象")},
        actor=actor,
        body=d["note"],
    )
    if not v.stopped:
        _tell(
            case,
            [case.owner, *principals(case.school)],
            _("回访发现案件 %(n)s 仍有欺凌迹象") % {"n": case.number},
            urgent=True,
            key=f"case:{case.pk}:visit:{v.pk}",
            actor=actor,
        )
    return {"visit": d["visit"]}


def _reassign(case: Case, actor: User, d: dict[str, Any], form: Any) -> dict[str, Any]:
    owner = User.objects.get(pk=d["owner"])
    old = case.owner
    case.owner = owner
    _log(
        case,
        EventKind.NOTE,
        _("经办人由 %(a)s 变更为 %(b)s")
        % {"a": old.full_name or old.username, "b": owner.full_name or owner.username},
        actor=actor,
        body=d.get("reason", ""),
    )
    _tell(
        case,
        [owner],
        _("您被指定为案件 %(n)s 的经办人") % {"n": case.number},
        actor=actor,
        key=f"case:{case.pk}:owner:{owner.pk}",
    )
    return {"owner": owner.pk}


def _bureau_acknowledge(case: Case, actor: User, d: dict[str, Any], form: Any) -> None:
    case.bureau_acknowledged_at = _now()
    _log(case, EventKind.NOTE, _("教育局已知悉并督办"), actor=actor, body=d.get("note", ""))
    _tell(
        case,
        [case.owner, *principals(case.school)],
        _("教育局已阅案件 %(n)s") % {"n": case.number},
        key=f"case:{case.pk}:bureau_ack",
        actor=actor,
    )


HANDLERS: dict[str, Handler] = {
    "emergency": _emergency,
    "investigate": _investigate,
    "submit": _submit,
    "determine": _determine,
    "notify_result": _notify_result,
    "apply_reexam": _apply_reexam,
    "assign_panel": _assign_panel,
    "decide_reexam": _decide_reexam,
    "refer_police": _refer_police,
    "start_measures": _start_measures,
    "start_aftercare": _start_aftercare,
    "close": _close,
    "add_party": _add_party,
    "contact_guardian": _contact_guardian,
    "add_note": _add_note,
    "attach": _attach,
    "add_measure": _add_measure,
    "complete_measure": _complete_measure,
    "record_visit": _record_visit,
    "reassign": _reassign,
    "bureau_acknowledge": _bureau_acknowledge,
}
assert set(HANDLERS) == set(STEPS), "every action of the workflow table needs a handler"
