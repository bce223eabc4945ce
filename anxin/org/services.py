"""Every write to organisation data: one function per action, one transaction, audit inside it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from anxin.access.matrix import require, require_at
from anxin.audit.services import audit_record
from anxin.core.errors import Conflict, ErrorCode, Invalid

from . import events
from .errors import OrgError
from .models import (
    CHILD_KIND,
    ROLE_UNIT_KIND,
    CommitteeMember,
    Guardian,
    KeyGroup,
    KeyGroupFlag,
    Role,
    RoleAssignment,
    SchoolProfile,
    Stage,
    Student,
    Unit,
    UnitKind,
    User,
)
from .signals import password_set_by_other

STUDENT_FIELDS = ("name", "gender", "student_no", "boarder", "klass_id", "is_active")
PROFILE_FIELDS = ("stage", "boarding", "address", "contact_person", "hotline", "email")


def _snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


def _full_clean(obj: Any, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=False)
    except ValidationError as exc:
        raise Invalid(
            _("输入有误，请检查标出的字段。"), code=OrgError.INVALID_FIELDS, detail=exc.message_dict
        ) from exc


def unit_create(
    *, actor: User | None, parent: Unit | None, kind: str, code: str, name: str, number: int | None = None
) -> Unit:
    code, name = code.strip(), name.strip()
    if parent is None:
        if kind != UnitKind.CITY:
            raise Invalid(_("只有市级单位可以没有上级。"), code=OrgError.PARENT_REQUIRED)
    else:
        require(actor, "unit", "change", parent)
        if CHILD_KIND.get(parent.kind) != kind:
            raise Invalid(
                _("%(parent)s下不能直接建立%(kind)s。")
                % {"parent": parent.get_kind_display(), "kind": UnitKind(kind).label},
                code=OrgError.WRONG_UNIT_KIND,
            )
    unit = Unit(kind=kind, code=code, name=name, parent=parent, number=number)
    _full_clean(unit, exclude=["path", "school"])
    with transaction.atomic():
        if Unit.objects.filter(code=code).exists():
            raise Conflict(_("单位代码 %(code)s 已被使用。") % {"code": code}, code=OrgError.DUPLICATE_CODE)
        unit.save()
        audit_record(
            actor=actor,
            action=events.UNIT_CREATED,
            unit=unit,
            subject=unit,
            after={"kind": kind, "code": code, "name": name, "number": number},
        )
    return unit


def school_create(
    *,
    actor: User | None,
    county: Unit,
    code: str,
    name: str,
    stage: str,
    boarding: bool = False,
    address: str = "",
    contact_person: str = "",
    hotline: str = "",
    email: str = "",
) -> Unit:
    if stage not in Stage.values:
        raise Invalid(_("学段不正确。"), code=OrgError.BAD_STAGE)
    with transaction.atomic():
        school = unit_create(actor=actor, parent=county, kind=UnitKind.SCHOOL, code=code, name=name)
        profile = SchoolProfile(
            unit=school,
            stage=stage,
            boarding=boarding,
            address=address,
            contact_person=contact_person,
            hotline=hotline,
            email=email,
        )
        _full_clean(profile, exclude=["unit"])
        profile.save()
        audit_record(
            actor=actor,
            action=events.SCHOOL_PROFILE_SET,
            unit=school,
            subject=profile,
            after=_snapshot(profile, PROFILE_FIELDS),
        )
    return school


def school_profile_update(*, actor: User | None, school: Unit, **changes: Any) -> SchoolProfile:
    require(actor, "unit", "change", school)
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise Invalid(
            _("不能修改这些字段：%(fields)s") % {"fields": ", ".join(sorted(unknown))},
            code=OrgError.BAD_FIELDS,
        )
    with transaction.atomic():
        profile = SchoolProfile.objects.select_for_update().get(unit=school)
        before = _snapshot(profile, PROFILE_FIELDS)
        for key, value in changes.items():
            setattr(profile, key, value)
        _full_clean(profile, exclude=["unit"])
        profile.save()
        audit_record(
            actor=actor,
            action=events.SCHOOL_PROFILE_CHANGED,
            unit=school,
            subject=profile,
            before=before,
            after=_snapshot(profile, PROFILE_FIELDS),
        )
    return profile


def _check_class(klass: Unit) -> None:
    if klass.kind != UnitKind.CLASS:
        raise Invalid(_("学生必须属于一个班级。"), code=OrgError.NOT_A_CLASS)


def student_create(
    *, actor: User | None, klass: Unit, name: str, gender: str, student_no: str, boarder: bool = False
) -> Student:
    _check_class(klass)
    student = Student(
        school_id=klass.school_id,
        klass=klass,
        name=name.strip(),
        gender=gender,
        student_no=student_no.strip(),
        boarder=boarder,
    )
    require(actor, "student", "change", student)
    _full_clean(student, exclude=["school"])
    with transaction.atomic():
        if Student.objects.filter(school_id=klass.school_id, student_no=student.student_no).exists():
            raise Conflict(
                _("本校已有学号为 %(no)s 的学生。") % {"no": student.student_no},
                code=OrgError.DUPLICATE_STUDENT_NO,
            )
        student.save()
        audit_record(
            actor=actor,
            action=events.STUDENT_CREATED,
            unit=klass,
            subject=student,
            subject_label=student.masked_name,
            after=_snapshot(student, STUDENT_FIELDS),
        )
    return student


def student_update(*, actor: User | None, student: Student, **changes: Any) -> Student:
    require(actor, "student", "change", student)
    allowed = {"name", "gender", "student_no", "boarder", "klass", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise Invalid(
            _("不能修改这些字段：%(fields)s") % {"fields": ", ".join(sorted(unknown))},
            code=OrgError.BAD_FIELDS,
        )
    with transaction.atomic():
        current = Student.objects.select_for_update().get(pk=student.pk)
        before = _snapshot(current, STUDENT_FIELDS)
        if "klass" in changes:
            klass = changes.pop("klass")
            _check_class(klass)
            if klass.school_id != current.school_id:
                raise Invalid(_("转学请走转学流程，不能直接调到其他学校的班级。"), code=OrgError.OTHER_SCHOOL)
            current.klass = klass
            require(actor, "student", "change", current)
        for key, value in changes.items():
            setattr(current, key, value.strip() if isinstance(value, str) else value)
        _full_clean(current, exclude=["school"])
        if (
            Student.objects.filter(school_id=current.school_id, student_no=current.student_no)
            .exclude(pk=current.pk)
            .exists()
        ):
            raise Conflict(
                _("本校已有学号为 %(no)s 的学生。") % {"no": current.student_no},
                code=OrgError.DUPLICATE_STUDENT_NO,
            )
        current.save()
        audit_record(
            actor=actor,
            action=events.STUDENT_CHANGED,
            unit=current.klass,
            subject=current,
            subject_label=current.masked_name,
            before=before,
            after=_snapshot(current, STUDENT_FIELDS),
        )
    return current


def student_key_group_set(
    *, actor: User | None, student: Student, group: str, reason: str, since: Any = None
) -> KeyGroupFlag:
    if group not in KeyGroup.values:
        raise Invalid(_("重点群体类型不正确。"), code=OrgError.BAD_KEY_GROUP)
    if not reason.strip():
        raise Invalid(_("请填写原因。"), code=ErrorCode.REASON_REQUIRED)
    if len(reason.strip()) > 200:  # the encrypted column no longer holds a length limit of its own
        raise Invalid(_("原因不能超过 %(n)d 个字。") % {"n": 200}, code=OrgError.REASON_TOO_LONG)
    flag = KeyGroupFlag(student=student, group=group, reason=reason.strip(), since=since)
    require(actor, "student_care", "change", flag)
    with transaction.atomic():
        existing = KeyGroupFlag.objects.filter(student=student, group=group).first()
        # The reason is encrypted at rest: the audit trail (plain JSON) says only whether it changed.
        before = {"group": group, "since": existing.since} if existing else None
        reason_changed = existing is None or existing.reason != flag.reason
        if existing:
            existing.reason, existing.since = flag.reason, since
            existing.save()
            flag = existing
        else:
            flag.save()
        audit_record(
            actor=actor,
            action=events.STUDENT_KEY_GROUP_SET,
            unit=student.klass,
            subject=student,
            subject_label=student.masked_name,
            before=before,
            after={"group": group, "since": since, "reason_changed": reason_changed},
        )
    return flag


def student_key_group_clear(*, actor: User | None, student: Student, group: str) -> None:
    require(actor, "student_care", "change", KeyGroupFlag(student=student, group=group))
    with transaction.atomic():
        deleted, _n = KeyGroupFlag.objects.filter(student=student, group=group).delete()
        if deleted:
            audit_record(
                actor=actor,
                action=events.STUDENT_KEY_GROUP_CLEARED,
                unit=student.klass,
                subject=student,
                subject_label=student.masked_name,
                before={"group": group},
            )


def guardian_add(*, actor: User | None, student: Student, name: str, relation: str, phone: str) -> Guardian:
    guardian = Guardian(student=student, name=name.strip(), relation=relation.strip(), phone=phone.strip())
    require(actor, "student_care", "change", guardian)
    _full_clean(guardian, exclude=["student"])
    with transaction.atomic():
        guardian.save()
        audit_record(
            actor=actor,
            action=events.GUARDIAN_ADDED,
            unit=student.klass,
            subject=student,
            subject_label=student.masked_name,
            after={"relation": guardian.relation},
        )
    return guardian


def staff_create(
    *,
    actor: User | None,
    username: str,
    full_name: str,
    password: str,
    phone: str = "",
    email: str = "",
    unit: Unit | None = None,
    role: str | None = None,
) -> User:
    username = username.strip()
    if not username:
        raise Invalid(_("请填写用户名。"), code=OrgError.USERNAME_REQUIRED)
    # Against the account it is for: the similarity and personal-information validators need it.
    candidate = User(username=username, full_name=full_name.strip(), phone=phone.strip(), email=email.strip())
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise Invalid(
            _("密码不符合要求：%(why)s") % {"why": "；".join(exc.messages)}, code=ErrorCode.WEAK_PASSWORD
        ) from exc
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise Conflict(
                _("用户名 %(name)s 已存在。") % {"name": username}, code=OrgError.DUPLICATE_USERNAME
            )
        user = User(username=username, full_name=full_name.strip(), phone=phone.strip(), email=email.strip())
        user.set_password(password)
        _full_clean(user, exclude=["password"])
        if unit is not None and role:
            _check_assignment(role, unit)
            require_at(actor, "staff", "change", unit.path)
        user.save()
        # An administrator chose this password: the person must choose their own at first login.
        password_set_by_other.send(sender=User, users=[user], reason="admin_set")
        audit_record(
            actor=actor,
            action=events.STAFF_CREATED,
            unit=unit,
            subject=user,
            after={"username": username, "full_name": user.full_name},
        )
        if unit is not None and role:
            role_assign(actor=actor, user=user, role=role, unit=unit)
    return user


def _check_assignment(role: str, unit: Unit) -> None:
    if role not in Role.values:
        raise Invalid(_("角色不正确。"), code=OrgError.BAD_ROLE)
    expected = ROLE_UNIT_KIND[role]
    if unit.kind != expected and not (role == Role.INSPECTOR and unit.kind == UnitKind.CITY):
        raise Invalid(
            _("%(role)s必须任职于%(kind)s。") % {"role": Role(role).label, "kind": UnitKind(expected).label},
            code=OrgError.WRONG_UNIT_FOR_ROLE,
        )


def role_assign(*, actor: User | None, user: User, role: str, unit: Unit) -> RoleAssignment:
    _check_assignment(role, unit)
    require_at(actor, "staff", "change", unit.path)
    with transaction.atomic():
        assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, unit=unit)
        if created:
            audit_record(
                actor=actor,
                action=events.STAFF_ROLE_ASSIGNED,
                unit=unit,
                subject=user,
                after={"role": role, "unit": unit.code},
            )
    return assignment


def role_revoke(*, actor: User | None, assignment: RoleAssignment) -> None:
    require_at(actor, "staff", "change", assignment.unit.path)
    with transaction.atomic():
        unit, user, role = assignment.unit, assignment.user, assignment.role
        assignment.delete()
        audit_record(
            actor=actor,
            action=events.STAFF_ROLE_REVOKED,
            unit=unit,
            subject=user,
            before={"role": role, "unit": unit.code},
        )


def committee_member_add(
    *,
    actor: User | None,
    school: Unit,
    name: str,
    committee_role: str,
    user: User | None = None,
    is_external: bool = False,
    phone: str = "",
) -> CommitteeMember:
    member = CommitteeMember(
        school=school,
        user=user,
        name=name.strip(),
        committee_role=committee_role,
        is_external=is_external,
        phone=phone.strip(),
    )
    require(actor, "committee", "change", member)
    _full_clean(member, exclude=["school", "user"])
    with transaction.atomic():
        member.save()
        audit_record(
            actor=actor,
            action=events.COMMITTEE_MEMBER_ADDED,
            unit=school,
            subject=member,
            after={"name": member.name, "committee_role": committee_role, "is_external": is_external},
        )
    return member


def committee_member_remove(*, actor: User | None, member: CommitteeMember) -> None:
    require(actor, "committee", "change", member)
    with transaction.atomic():
        CommitteeMember.objects.filter(pk=member.pk).update(active=False)
        audit_record(actor=actor, action=events.COMMITTEE_MEMBER_REMOVED, unit=member.school, subject=member)
