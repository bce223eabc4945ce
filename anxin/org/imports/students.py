"""Importing students: every row checked against the school's classes first, then all written or none."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import IO

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from anxin.access.matrix import can_at, require_at
from anxin.audit.services import audit_record
from anxin.core.errors import Conflict, NotFound

from .. import events
from ..errors import OrgError
from ..models import (
    Gender,
    Guardian,
    KeyGroup,
    KeyGroupFlag,
    Student,
    Unit,
    UnitKind,
    User,
)
from .format import _LIST_SPLIT, STUDENT_SHEET, STUDENTS, ImportResult, _key_group_labels, student_columns
from .reading import _check_length, _check_phone, _Errors, _read_rows, _require, _Row
from .staff import _file_name

# --- Students --------------------------------------------------------------------------------


@dataclass
class _StudentPlan:
    student: Student
    groups: list[str]
    reason: str
    guardian: tuple[str, str, str] | None


def _class_finder(school: Unit) -> tuple[dict[str, list[Unit]], dict[tuple[int, str], Unit]]:
    """Lookups for 年级 (by name or number) and 班级 (by number or full name within a grade)."""
    grades: dict[str, list[Unit]] = {}
    for grade in Unit.objects.filter(school=school, kind=UnitKind.GRADE, is_active=True):
        keys = {unicodedata.normalize("NFKC", grade.name).replace(" ", "")}
        if grade.number:
            keys.add(str(grade.number))
        for key in keys:
            grades.setdefault(key, []).append(grade)
    classes: dict[tuple[int, str], Unit] = {}
    for klass in Unit.objects.filter(school=school, kind=UnitKind.CLASS, is_active=True).select_related(
        "parent"
    ):
        keys = {unicodedata.normalize("NFKC", n).replace(" ", "") for n in (klass.name, klass.display_name)}
        if klass.number:
            keys |= {str(klass.number), f"{klass.number}班", f"({klass.number})班"}
        for key in keys:
            classes[(klass.parent_id, key)] = klass
    return grades, classes


def _check_students(actor: User | None, school: Unit, rows: list[_Row]) -> list[_StudentPlan]:
    errors = _Errors()
    grades, classes = _class_finder(school)
    genders = {"男": Gender.MALE, "女": Gender.FEMALE}
    booleans = {"是": True, "否": False, "": False}
    groups_by_label = _key_group_labels()
    existing = set(Student.objects.filter(school=school).values_list("student_no", flat=True))
    seen: dict[str, int] = {}
    plans: list[_StudentPlan] = []
    care_rows: list[int] = []

    for row in rows:
        _require(errors, row, ("学号", "姓名", "性别", "年级", "班级"))
        student_no = unicodedata.normalize("NFKC", row["学号"]).strip()
        if student_no:
            if len(student_no) > 30:
                errors.add(row.number, "学号", _("不能超过 %(n)d 个字。") % {"n": 30})
            elif re.search(r"\s", student_no):
                errors.add(row.number, "学号", _("学号中不能有空格。"))
            elif student_no in seen:
                errors.add(
                    row.number,
                    "学号",
                    _("学号 %(no)s 与第 %(other)d 行重复。") % {"no": student_no, "other": seen[student_no]},
                )
            elif student_no in existing:
                errors.add(row.number, "学号", _("本校已有学号为 %(no)s 的学生。") % {"no": student_no})
            seen.setdefault(student_no, row.number)
        _check_length(errors, row, "姓名", 50)

        gender = genders.get(row["性别"])
        if row["性别"] and gender is None:
            errors.add(
                row.number, "性别", _("性别只能填“男”或“女”，不能填“%(value)s”。") % {"value": row["性别"]}
            )

        klass = None
        grade_key = unicodedata.normalize("NFKC", row["年级"]).replace(" ", "")
        if grade_key:
            found = grades.get(grade_key, [])
            if not found:
                errors.add(row.number, "年级", _("本校没有年级“%(value)s”。") % {"value": row["年级"]})
            elif len(found) > 1:
                errors.add(
                    row.number,
                    "年级",
                    _("本校有多个名为“%(value)s”的年级，请改填年级数字。") % {"value": row["年级"]},
                )
            elif row["班级"]:
                class_key = unicodedata.normalize("NFKC", row["班级"]).replace(" ", "")
                klass = classes.get((found[0].pk, class_key))
                if klass is None:
                    errors.add(
                        row.number,
                        "班级",
                        _("%(grade)s没有班级“%(value)s”，请先在组织机构中建立该班级。")
                        % {"grade": found[0].name, "value": row["班级"]},
                    )

        boarder = booleans.get(row["住校"])
        if boarder is None:
            errors.add(row.number, "住校", _("住校只能填“是”或“否”。"))

        groups: list[str] = []
        for label in (p.strip() for p in _LIST_SPLIT.split(row["重点群体"])):
            if not label:
                continue
            value = groups_by_label.get(label) or (label if label in KeyGroup.values else None)
            if value is None:
                errors.add(
                    row.number,
                    "重点群体",
                    _("无法识别的重点群体“%(value)s”，可填：%(allowed)s。")
                    % {"value": label, "allowed": "、".join(groups_by_label)},
                )
            elif value not in groups:
                groups.append(value)
        if row["重点群体"] and not row["原因"]:
            errors.add(row.number, "原因", _("填写了重点群体时必须填写原因。"))
        if row["原因"] and not row["重点群体"]:
            errors.add(row.number, "重点群体", _("填写了原因，但没有填写重点群体。"))
        _check_length(errors, row, "原因", 200)

        guardian = None
        guardian_cols = ("监护人姓名", "监护人关系", "监护人电话")
        if any(row[c] for c in guardian_cols):
            if _require(errors, row, guardian_cols):
                guardian = (row["监护人姓名"], row["监护人关系"], row["监护人电话"])
            _check_length(errors, row, "监护人姓名", 50)
            _check_length(errors, row, "监护人关系", 20)
            _check_phone(errors, row, "监护人电话")
        if row["重点群体"] or guardian is not None:
            care_rows.append(row.number)

        if klass is not None and gender is not None:
            plans.append(
                _StudentPlan(
                    student=Student(
                        school=school,
                        klass=klass,
                        name=row["姓名"],
                        gender=gender,
                        student_no=student_no,
                        boarder=bool(boarder),
                    ),
                    groups=groups,
                    reason=row["原因"],
                    guardian=guardian,
                )
            )

    # Family situation and guardians' phones are a separate right (student_care) from the roster.
    if care_rows and actor is not None and not can_at(actor, "student_care", "change", school.path):
        errors.add(
            care_rows[0],
            "重点群体",
            _(
                "您没有录入重点群体和监护人信息的权限（共 %(n)d 行填写了这些列）。请清空重点群体、原因和监护人各列后再导入。"
            )
            % {"n": len(care_rows)},
        )
    errors.raise_rows()
    return plans


def students_import(*, actor: User | None, school: Unit, fileobj: IO[bytes]) -> ImportResult:
    """Add every student in the workbook to classes of ``school``, or none if any row is wrong."""
    if school.kind != UnitKind.SCHOOL or not school.is_active:
        raise NotFound()
    require_at(actor, "student", "import", school.path)
    rows = _read_rows(fileobj, sheet=STUDENT_SHEET, columns=student_columns())
    plans = _check_students(actor, school, rows)
    with transaction.atomic():
        try:
            students = Student.objects.bulk_create([p.student for p in plans], batch_size=500)
        except IntegrityError:
            raise Conflict(
                _("导入时有其他人添加了相同学号的学生，未导入任何数据，请重新上传。"),
                code=OrgError.IMPORT_CONFLICT,
            ) from None
        flags = [
            KeyGroupFlag(student=s, group=g, reason=p.reason)
            for s, p in zip(students, plans, strict=True)
            for g in p.groups
        ]
        guardians = [
            Guardian(student=s, name=p.guardian[0], relation=p.guardian[1], phone=p.guardian[2])
            for s, p in zip(students, plans, strict=True)
            if p.guardian is not None
        ]
        KeyGroupFlag.objects.bulk_create(flags, batch_size=500)
        Guardian.objects.bulk_create(guardians, batch_size=500)
        audit_record(
            actor=actor,
            action=events.STUDENT_IMPORTED,
            unit=school,
            subject=school,
            after={
                "students": len(students),
                "key_groups": len(flags),
                "guardians": len(guardians),
                "file": _file_name(fileobj),
                "student_ids": [s.pk for s in students],
            },
        )
    return ImportResult(kind=STUDENTS, created=len(students), key_groups=len(flags), guardians=len(guardians))
