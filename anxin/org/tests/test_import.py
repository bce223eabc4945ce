from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from anxin.audit.models import AuditEvent
from anxin.core.errors import Conflict, Invalid, NotFound
from anxin.org import imports, services
from anxin.org.imports import students as students_import_module
from anxin.org.imports.students import _check_students
from anxin.org.models import Guardian, KeyGroupFlag, Role, RoleAssignment, Student, User
from anxin.testing import Cast

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STUDENT_HEADER = [
    "学号",
    "姓名",
    "性别",
    "年级",
    "班级",
    "住校",
    "重点群体",
    "原因",
    "监护人姓名",
    "监护人关系",
    "监护人电话",
]
STAFF_HEADER = ["用户名", "姓名", "手机号", "角色", "任职单位代码", "初始密码"]
CLASS_A2 = "3701020001-G7-C2"


def xlsx(
    rows: Iterable[Sequence[Any]], header: Sequence[Any] | None = STUDENT_HEADER, sheet: str = "学生名单"
) -> bytes:
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet
    if header is not None:
        ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def staff_xlsx(rows: Iterable[Sequence[Any]], header: Sequence[Any] = STAFF_HEADER) -> bytes:
    return xlsx(rows, header, sheet="教职工名单")


def student(
    no: str, name: str = "赵一", gender: str = "男", grade: Any = "初一", klass: Any = 2, *extra: Any
) -> list[Any]:
    return [no, name, gender, grade, klass, *extra]


def upload(content: bytes, name: str = "名单.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX)


def post_students(client: Client, school: Any, content: bytes, name: str = "名单.xlsx", **kwargs: Any) -> Any:
    data = {"school": school.pk, "file": upload(content, name)}
    return client.post(reverse("org:import", args=["students"]), data, **kwargs)


def post_staff(client: Client, content: bytes, **kwargs: Any) -> Any:
    return client.post(reverse("org:import", args=["staff"]), {"file": upload(content)}, **kwargs)


def counts() -> tuple[int, ...]:
    return (
        Student.objects.count(),
        KeyGroupFlag.objects.count(),
        Guardian.objects.count(),
        User.objects.count(),
        RoleAssignment.objects.count(),
        AuditEvent.objects.count(),
    )


def page_error(response: Any) -> Any:
    assert response.status_code == 200
    error = response.context["error"]
    assert error is not None, "the page shows no import error"
    assert error.message in response.content.decode()
    return error


@pytest.fixture
def principal(cast: Cast, login: Any) -> Client:
    return login(cast.users["principal"])


# --- Templates -------------------------------------------------------------------------------


def test_student_template_downloads_and_reimports_once_filled(cast, principal):
    response = principal.get(reverse("org:import_template", args=["students"]), {"school": cast.school.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["学生名单", "填写说明", "班级一览"]
    ws = workbook["学生名单"]
    assert [c.value for c in ws[1]] == STUDENT_HEADER
    assert ws.max_row == 1, "the data sheet must not carry an example row that would be imported"
    lists = {dv.formula1: str(dv.sqref) for dv in ws.data_validations.dataValidation}
    assert lists['"男,女"'] == "C2:C5001"
    assert '"是,否"' in lists
    assert '"初一"' in lists, "年级 offers the school's grades"
    classes = [row for row in workbook["班级一览"].iter_rows(values_only=True)]
    assert ("初一", 7, 2, "初一(2)班") in classes

    ws.append(["2025001", "钱二", "女", "初一", 1, "是"])
    ws.append(
        [
            "2025002",
            "孙三",
            "男",
            7,
            "初一(2)班",
            "否",
            "留守儿童",
            "父母外出务工",
            "孙奶奶",
            "祖母",
            "13900000000",
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = post_students(principal, cast.school, buffer.getvalue(), follow=True)
    assert response.redirect_chain[-1][0] == reverse("org:students")
    assert "导入成功：新增学生 2 名，重点群体标记 1 条，监护人 1 位。" in response.content.decode()
    qian = Student.objects.get(school=cast.school, student_no="2025001")
    assert (qian.klass, qian.gender, qian.boarder) == (cast.class_a1, "F", True)
    assert Student.objects.get(student_no="2025002").klass == cast.class_a2


def test_staff_template_lists_only_units_in_reach_and_reimports(cast, principal):
    response = principal.get(reverse("org:import_template", args=["staff"]))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["教职工名单", "填写说明", "单位代码"]
    ws = workbook["教职工名单"]
    assert [c.value for c in ws[1]] == STAFF_HEADER
    role_list = next(dv for dv in ws.data_validations.dataValidation if "班主任" in dv.formula1)
    assert str(role_list.sqref) == "D2:D5001"
    codes = {row[0] for row in workbook["单位代码"].iter_rows(min_row=3, values_only=True)}
    assert {cast.school.code, cast.class_a2.code} <= codes
    assert cast.school_c.code not in codes
    assert cast.grade.code not in codes, "no role is held on a grade"

    ws.append(["newteacher", "吴老师", "13700000000", "班主任", CLASS_A2, ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = post_staff(principal, buffer.getvalue())
    assert response.status_code == 200
    assert "导入成功：新建账号 1 个，分配岗位 1 个。" in response.content.decode()
    assert RoleAssignment.objects.filter(
        user__username="newteacher", role=Role.CLASS_TEACHER, unit=cast.class_a2
    ).exists()


def test_template_for_a_school_out_of_reach_has_no_class_list(cast, principal):
    response = principal.get(reverse("org:import_template", args=["students"]), {"school": cast.school_c.pk})
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.content)).sheetnames == ["学生名单", "填写说明"]


# --- Students: happy paths --------------------------------------------------------------------


def test_students_with_guardians_and_key_groups_are_created_with_one_audit_event(cast, principal):
    before_events = AuditEvent.objects.count()
    content = xlsx(
        [
            student(
                "S001",
                "赵一",
                "男",
                "初一",
                1,
                "是",
                "留守儿童、家庭经济困难",
                "父母在外务工",
                "赵父",
                "父亲",
                "13800000011",
            ),
            student("S002", "钱二", "女", "初一", 2),
            [2025003, "孙三", "女", 7, 2, None, None, None, "孙母", "母亲", 13800000013],
        ]
    )
    response = post_students(principal, cast.school, content)
    assert response.status_code == 302
    zhao = Student.objects.get(school=cast.school, student_no="S001")
    assert (zhao.name, zhao.gender, zhao.klass, zhao.boarder) == ("赵一", "M", cast.class_a1, True)
    assert sorted(zhao.key_groups.values_list("group", "reason")) == [
        ("hardship", "父母在外务工"),
        ("left_behind", "父母在外务工"),
    ]
    assert list(zhao.guardians.values_list("name", "relation", "phone")) == [("赵父", "父亲", "13800000011")]
    sun = Student.objects.get(school=cast.school, student_no="2025003")
    assert sun.guardians.get().phone == "13800000013"
    assert Student.objects.get(student_no="S002").boarder is False

    events = AuditEvent.objects.order_by("seq")[before_events:]
    assert [e.action for e in events] == ["student.imported"]
    event = events[0]
    assert event.unit == cast.school
    assert event.actor == cast.users["principal"]
    assert event.after["students"] == 3
    assert event.after["key_groups"] == 2
    assert event.after["guardians"] == 2
    assert event.after["file"] == "名单.xlsx"


def test_service_returns_counts(cast):
    result = imports.students_import(
        actor=cast.users["moral_director"],
        school=cast.school,
        fileobj=io.BytesIO(xlsx([student("S1"), student("S2", "钱二", "女", "初一", "初一（1）班")])),
    )
    assert result == imports.ImportResult(kind="students", created=2)
    assert Student.objects.get(student_no="S2").klass == cast.class_a1


def test_headers_may_be_annotated_reordered_and_optional_columns_left_out(cast, principal):
    content = xlsx(
        [["男", "S9", 2, "初一", "周九"]], header=["性别（男/女）", "学号*", "班级", "年级", "姓名"]
    )
    assert post_students(principal, cast.school, content).status_code == 302
    assert Student.objects.get(student_no="S9").klass == cast.class_a2


def test_county_admin_imports_into_any_school_of_the_county(cast, login):
    client = login(cast.users["county_admin"])
    page = client.get(reverse("org:import", args=["students"]))
    assert set(page.context["form"].fields["school"].queryset) == {cast.school, cast.school_b}
    content = xlsx([student("B2001", "陈二", "男", "三年级", 1)])
    assert post_students(client, cast.school_b, content).status_code == 302
    assert Student.objects.get(student_no="B2001").klass == cast.class_b1


# --- Students: refusals ----------------------------------------------------------------------


def _zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "不是工作簿")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(os.urandom(4096), id="random-bytes"),
        pytest.param("学号,姓名,性别,年级,班级\nS1,赵一,男,初一,1\n".encode(), id="csv-renamed"),
        pytest.param(b"", id="zero-bytes"),
        pytest.param(_zip_without_workbook(), id="zip-not-workbook"),
    ],
)
def test_a_file_that_is_not_a_workbook_gives_one_clear_error(cast, principal, content):
    before = counts()
    error = page_error(post_students(principal, cast.school, content))
    assert error.code == "import_not_workbook"
    assert error.message.startswith("无法读取文件：请上传 Excel 工作簿（.xlsx）")
    assert len(error.detail) == 1
    assert counts() == before


def test_file_over_5_mb_is_refused(cast, principal):
    before = counts()
    error = page_error(post_students(principal, cast.school, b"PK" + os.urandom(5 * 1024 * 1024)))
    assert error.code == "import_too_large"
    assert error.message == "文件超过 5 MB，请拆分成多个文件后再导入。"
    assert counts() == before


def test_more_than_5000_rows_is_refused(cast, principal):
    before = counts()
    content = xlsx(student(f"N{i:05d}") for i in range(5001))
    error = page_error(post_students(principal, cast.school, content))
    assert error.code == "import_too_large"
    assert error.message == "数据超过 5000 行，请拆分成多个文件后再导入。"
    assert counts() == before


def test_exactly_5000_rows_is_not_too_many(cast):
    with pytest.raises(Invalid) as caught:
        imports.students_import(
            actor=None,
            school=cast.school,
            fileobj=io.BytesIO(xlsx([*(student(f"N{i:05d}") for i in range(4999)), student("", "")])),
        )
    assert caught.value.code == "import_row_errors", "5000 rows are read and checked"


@pytest.mark.parametrize(
    "content",
    [pytest.param(xlsx([]), id="header-only"), pytest.param(xlsx([], header=None), id="no-data-at-all")],
)
def test_a_workbook_without_data_rows_is_refused(cast, principal, content):
    before = counts()
    error = page_error(post_students(principal, cast.school, content))
    assert error.code == "import_empty"
    assert error.message == "文件中没有数据行。"
    assert counts() == before


def test_wrong_header_names_missing_and_unexpected_columns(cast, principal):
    before = counts()
    content = xlsx([["S1", "赵一", "初一", 1, "x"]], header=["学号", "姓名", "年级", "班级", "备注"])
    error = page_error(post_students(principal, cast.school, content))
    assert error.code == "import_bad_header"
    assert (
        error.message == "表头不正确（缺少列：性别；无法识别的列：备注）。请使用导入模板，第一行必须是列名。"
    )
    assert error.detail == [
        {"row": 1, "column": "备注", "message": "第 E 列的列名“备注”无法识别。"},
        {"row": 1, "column": "性别", "message": "缺少必填列“性别”。"},
    ]
    assert counts() == before


def test_every_wrong_row_is_listed_with_excel_row_number_and_nothing_is_imported(cast, principal):
    before = counts()
    content = xlsx(
        [
            student("S001"),  # row 2: fine
            student("S001", "钱二"),  # row 3: same number as row 2
            student("A1001", "钱三"),  # row 4: number already in the school
            student("S004", "孙四", "女", "初一", 5),  # row 5: no such class
            student("S005", "李五", "男生"),  # row 6
            student("S006", ""),  # row 7: empty name
            [],  # row 8: blank rows are skipped but still counted
            student("S009", "周九", "女", "高三", 1),  # row 9: no such grade
            student("S010", "吴十", "女", "初一", 1, "也许"),  # row 10
            student("S011", "郑十一", "女", "初一", 1, "否", "留守", ""),  # row 11
            student("S012", "王十二", "男", "初一", 1, "否", "", "", "王父"),  # row 12: guardian half filled
            student("S013", "冯十三", "男", "初一", 1, "否", "", "", "冯父", "父亲", "电话"),  # row 13
        ]
    )
    response = post_students(principal, cast.school, content)
    error = page_error(response)
    assert error.code == "import_row_errors"
    assert error.detail == [
        {"row": 3, "column": "学号", "message": "学号 S001 与第 2 行重复。"},
        {"row": 4, "column": "学号", "message": "本校已有学号为 A1001 的学生。"},
        {"row": 5, "column": "班级", "message": "初一没有班级“5”，请先在组织机构中建立该班级。"},
        {"row": 6, "column": "性别", "message": "性别只能填“男”或“女”，不能填“男生”。"},
        {"row": 7, "column": "姓名", "message": "必填，不能为空。"},
        {"row": 9, "column": "年级", "message": "本校没有年级“高三”。"},
        {"row": 10, "column": "住校", "message": "住校只能填“是”或“否”。"},
        {
            "row": 11,
            "column": "重点群体",
            "message": "无法识别的重点群体“留守”，可填：留守儿童、随迁子女、单亲家庭、残疾、家庭经济困难、行为异常关注。",
        },
        {"row": 11, "column": "原因", "message": "填写了重点群体时必须填写原因。"},
        {"row": 12, "column": "监护人关系", "message": "必填，不能为空。"},
        {"row": 12, "column": "监护人电话", "message": "必填，不能为空。"},
        {"row": 13, "column": "监护人电话", "message": "电话号码格式不正确：只能有数字和“-”，5 到 20 位。"},
    ]
    assert error.message == "共发现 12 处错误，未导入任何数据。请修改后重新上传。"
    html = response.content.decode()
    assert "第 13 行" in html
    assert "本校已有学号为 A1001 的学生。" in html
    assert counts() == before


def test_a_class_of_another_school_does_not_exist_here(cast):
    with pytest.raises(Invalid) as caught:
        imports.students_import(
            actor=None,
            school=cast.school,
            fileobj=io.BytesIO(xlsx([student("X1", "赵一", "男", "三年级", 1)])),
        )
    assert caught.value.detail == [{"row": 2, "column": "年级", "message": "本校没有年级“三年级”。"}]


def test_inactive_class_is_not_a_target(cast):
    cast.class_a2.is_active = False
    cast.class_a2.save()
    with pytest.raises(Invalid) as caught:
        imports.students_import(actor=None, school=cast.school, fileobj=io.BytesIO(xlsx([student("X1")])))
    assert caught.value.detail[0]["column"] == "班级"


def test_many_errors_are_capped_in_the_list_but_counted(cast):
    content = xlsx(student(f"N{i}", "赵一", "?") for i in range(250))
    with pytest.raises(Invalid) as caught:
        imports.students_import(actor=None, school=cast.school, fileobj=io.BytesIO(content))
    assert len(caught.value.detail) == imports.MAX_ERRORS_SHOWN
    assert caught.value.message.startswith("共发现 250 处错误（下表列出前 200 处）")


def test_county_admin_may_not_import_key_groups_or_guardians(cast, login):
    client = login(cast.users["county_admin"])
    before = counts()
    content = xlsx([student("S1"), student("S2", "钱二", "女", "初一", 1, "否", "残疾", "肢体残疾")])
    error = page_error(post_students(client, cast.school, content))
    assert error.detail == [
        {
            "row": 3,
            "column": "重点群体",
            "message": "您没有录入重点群体和监护人信息的权限（共 1 行填写了这些列）。请清空重点群体、原因和监护人各列后再导入。",
        }
    ]
    assert counts() == before


def test_a_student_added_meanwhile_makes_the_whole_import_fail(cast, monkeypatch):
    check = _check_students

    def check_then_race(actor, school, rows):  # noqa: ANN001, ANN202
        plans = check(actor, school, rows)
        services.student_create(actor=None, klass=cast.class_a1, name="抢先", gender="M", student_no="S002")
        return plans

    monkeypatch.setattr(students_import_module, "_check_students", check_then_race)
    before = counts()
    with pytest.raises(Conflict) as caught:
        imports.students_import(
            actor=None, school=cast.school, fileobj=io.BytesIO(xlsx([student("S001"), student("S002")]))
        )
    assert caught.value.code == "import_conflict"
    assert not Student.objects.filter(student_no="S001").exists()
    assert Student.objects.count() == before[0] + 1


# --- Staff -----------------------------------------------------------------------------------


def test_staff_are_created_with_their_posts_and_generated_passwords_shown_once(cast, principal):
    before_events = AuditEvent.objects.count()
    content = staff_xlsx(
        [
            ["liu", "刘老师", "13600000001", "班主任", CLASS_A2, ""],
            ["liu", "刘老师", "", "心理教师", cast.school.code, ""],
            ["he", "何主任", 13600000002, "安全管理员", cast.school.code, "Anquan-2026!"],
        ]
    )
    response = post_staff(principal, content)
    assert response.status_code == 200
    html = response.content.decode()
    assert "导入成功：新建账号 2 个，分配岗位 3 个。" in html
    result = response.context["result"]
    assert [(p.row, p.username) for p in result.generated_passwords] == [(2, "liu")]
    password = result.generated_passwords[0].password
    assert html.count(password) == 1
    assert "no-store" in response["Cache-Control"]

    liu = User.objects.get(username="liu")
    assert (liu.full_name, liu.phone) == ("刘老师", "13600000001")
    assert liu.check_password(password)
    assert sorted(liu.assignments.values_list("role", "unit__code")) == [
        ("class_teacher", CLASS_A2),
        ("psych_teacher", cast.school.code),
    ]
    he = User.objects.get(username="he")
    assert he.check_password("Anquan-2026!")
    assert he.phone == "13600000002"
    assert "Anquan-2026!" not in html

    events = list(AuditEvent.objects.order_by("seq")[before_events:])
    assert [e.action for e in events].count("staff.created") == 2
    assert [e.action for e in events].count("staff.role_assigned") == 3
    summary = events[-1]
    assert summary.action == "staff.imported"
    assert summary.unit == cast.school
    assert summary.after["accounts"] == 2
    assert summary.after["assignments"] == 3
    assert summary.after["generated_passwords"] == 1
    assert password not in str(summary.after)


def test_staff_rows_with_errors_import_nothing(cast, principal):
    before = counts()
    content = staff_xlsx(
        [
            ["ok1", "甲", "", "心理教师", cast.school.code, ""],  # row 2: fine
            ["T_Principal", "乙", "", "心理教师", cast.school.code, ""],  # row 3: name taken, any case
            ["bad name", "丙", "", "心理教师", cast.school.code, ""],  # row 4
            ["ok4", "丁", "", "体育委员", cast.school.code, ""],  # row 5
            ["ok5", "戊", "", "班主任", cast.school.code, ""],  # row 6: class teacher on a school
            ["ok6", "己", "", "心理教师", cast.school_c.code, ""],  # row 7: out of reach
            ["ok7", "庚", "", "心理教师", "NO-SUCH", ""],  # row 8
            ["ok8", "辛", "", "心理教师", cast.school.code, "12345678"],  # row 9
            ["ok1", "甲乙", "", "门卫", cast.school.code, ""],  # row 10: same username, other name
            ["ok1", "甲", "", "心理教师", cast.school.code, ""],  # row 11: same post twice
            ["", "", "", "", "", ""],  # row 12: blank
            ["ok9", "", "abc", "门卫", cast.school.code, ""],  # row 13
        ]
    )
    error = page_error(post_staff(principal, content))
    assert error.code == "import_row_errors"
    by_row = [(e["row"], e["column"]) for e in error.detail]
    assert by_row == [
        (3, "用户名"),
        (4, "用户名"),
        (5, "角色"),
        (6, "任职单位代码"),
        (7, "任职单位代码"),
        (8, "任职单位代码"),
        (9, "初始密码"),
        (10, "姓名"),
        (11, "角色"),
        (13, "姓名"),
        (13, "手机号"),
    ]
    messages = {(e["row"], e["column"]): e["message"] for e in error.detail}
    assert messages[(3, "用户名")] == "用户名 T_Principal 已存在；导入只能新建账号。"
    assert messages[(6, "任职单位代码")] == "班主任必须任职于班级，3701020001 是学校。"
    # Out of reach and missing read the same, so unit codes cannot be probed.
    assert messages[(7, "任职单位代码")] == "单位代码 3701030001 不存在，或不在您的管理范围内。"
    assert messages[(8, "任职单位代码")] == "单位代码 NO-SUCH 不存在，或不在您的管理范围内。"
    assert messages[(9, "初始密码")].startswith("密码不符合要求：")
    assert messages[(10, "姓名")] == "与第 2 行同一用户名的姓名不一致。"
    assert counts() == before


def test_staff_file_with_wrong_header_is_refused(cast, principal):
    before = counts()
    error = page_error(post_staff(principal, staff_xlsx([["x", "y"]], header=["用户名", "姓名"])))
    assert error.code == "import_bad_header"
    assert {e["column"] for e in error.detail} == {"角色", "任职单位代码"}
    assert counts() == before


def test_staff_import_by_county_admin_spans_schools_and_is_logged_at_the_county(cast, login):
    client = login(cast.users["county_admin"])
    content = staff_xlsx(
        [["a1", "甲", "", "门卫", cast.school.code, ""], ["b1", "乙", "", "门卫", cast.school_b.code, ""]]
    )
    assert post_staff(client, content).status_code == 200
    assert AuditEvent.objects.get(action="staff.imported").unit == cast.county


# --- Who may import --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["students", "staff"])
def test_class_teacher_without_import_right_gets_404(cast, login, kind):
    client = login(cast.users["class_teacher"])
    before = counts()
    assert client.get(reverse("org:import", args=[kind])).status_code == 404
    assert client.get(reverse("org:import_template", args=[kind])).status_code == 404
    content = (
        xlsx([student("S1")])
        if kind == "students"
        else staff_xlsx([["x", "甲", "", "门卫", cast.school.code, ""]])
    )
    response = client.post(
        reverse("org:import", args=[kind]), {"school": cast.school.pk, "file": upload(content)}
    )
    assert response.status_code == 404
    assert counts() == before


@pytest.mark.parametrize("kind", ["students", "staff"])
def test_teacher_of_other_school_gets_404(cast, login, kind):
    client = login(cast.outsider)
    assert client.get(reverse("org:import", args=[kind])).status_code == 404
    assert client.get(reverse("org:import_template", args=[kind])).status_code == 404


def test_principal_of_other_school_cannot_import_into_our_school_by_posting_its_id(cast, login):
    client = login(cast.far_outsider)
    page = client.get(reverse("org:import", args=["students"]))
    assert list(page.context["form"].fields["school"].queryset) == [cast.school_c]
    before = counts()
    response = post_students(client, cast.school, xlsx([student("S1")]))
    assert response.status_code == 200
    assert "school" in response.context["form"].errors
    assert response.context["result"] is None
    assert counts() == before


def test_service_refuses_a_school_out_of_reach_as_not_found(cast):
    before = counts()
    with pytest.raises(NotFound):
        imports.students_import(
            actor=cast.far_outsider, school=cast.school, fileobj=io.BytesIO(xlsx([student("S1")]))
        )
    with pytest.raises(NotFound):
        imports.students_import(actor=cast.users["principal"], school=cast.class_a1, fileobj=io.BytesIO(b""))
    with pytest.raises(NotFound):
        imports.staff_import(actor=cast.outsider, fileobj=io.BytesIO(b""))
    assert counts() == before


def test_unknown_kind_is_404(cast, principal):
    assert principal.get(reverse("org:import", args=["parents"])).status_code == 404
    assert principal.get(reverse("org:import_template", args=["parents"])).status_code == 404


def test_anonymous_is_sent_to_login(client, cast):
    response = client.get(reverse("org:import", args=["students"]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_import_page_renders_for_principal_with_school_preselected(cast, principal):
    response = principal.get(reverse("org:import", args=["students"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "批量导入学生" in html
    assert f"?school={cast.school.pk}" in html
    assert response.context["form"].fields["school"].initial == cast.school.pk


def test_staff_file_over_200_rows_is_refused_before_any_hashing(cast):
    from anxin.org.imports import MAX_STAFF_ROWS, staff_import

    rows = [[f"bulk{i}", f"教师{i}", "", "班主任", cast.class_a1.code, ""] for i in range(MAX_STAFF_ROWS + 1)]
    with pytest.raises(Invalid) as caught:
        staff_import(actor=cast.users["principal"], fileobj=io.BytesIO(staff_xlsx(rows)))
    assert caught.value.code == "import_too_large"
    assert "数据超过 200 行" in caught.value.message
