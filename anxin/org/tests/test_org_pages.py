from __future__ import annotations

import pytest

from anxin.audit.models import AuditEvent
from anxin.org.models import CommitteeMember, RoleAssignment, Student, Unit, User

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert "登录安心校园" in response.content.decode()


def test_anonymous_is_sent_to_login(client):
    response = client.get("/org/students/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_wrong_password_shows_chinese_error(client, cast):
    response = client.post("/login/", {"username": "t_principal", "password": "nope"})
    assert response.status_code == 200
    assert "用户名或密码错误。" in response.content.decode()


def test_home_lists_roles(cast, login):
    page = login(cast.users["principal"]).get("/").content.decode()
    assert "校长 · 实验中学" in page
    assert "学生" in page and "审计日志" in page


def test_gate_guard_menu_hides_what_they_cannot_open(cast, login):
    client = login(cast.users["gate_guard"])
    page = client.get("/").content.decode()
    assert 'href="/org/students/"' not in page
    assert client.get("/org/students/").status_code == 404
    assert client.get("/audit/").status_code == 404


def test_student_list_is_scoped(cast, login):
    page = login(cast.users["principal"]).get("/org/students/").content.decode()
    assert "李小雨" in page and "王小磊" in page
    assert "陈小明" not in page and "周小红" not in page


def test_other_school_teacher_gets_404_on_student_page(cast, login):
    response = login(cast.outsider).get(f"/org/students/{cast.student_a1.pk}/")
    assert response.status_code == 404
    assert "未找到" in response.content.decode()


def test_student_create_with_bad_input_shows_errors_and_stores_nothing(cast, login):
    client = login(cast.users["principal"])
    before = Student.objects.count()
    response = client.post(
        "/org/students/new/", {"name": "", "gender": "X", "student_no": "", "klass": "abc"}
    )
    assert response.status_code == 200
    assert "此项为必填项" in response.content.decode()
    assert Student.objects.count() == before


def test_student_create_duplicate_number_is_refused(cast, login):
    client = login(cast.users["principal"])
    response = client.post(
        "/org/students/new/",
        {"name": "新同学", "gender": "M", "student_no": "A1001", "klass": cast.class_a2.pk},
    )
    assert response.status_code == 200
    assert "本校已有学号为 A1001 的学生" in response.content.decode()
    assert Student.objects.filter(name="新同学").count() == 0


def test_student_create_into_other_school_class_is_refused(cast, login):
    client = login(cast.users["principal"])
    response = client.post(
        "/org/students/new/",
        {"name": "新同学", "gender": "M", "student_no": "Z1", "klass": cast.class_c1.pk},
    )
    assert response.status_code == 200
    assert Student.objects.filter(name="新同学").count() == 0


def test_student_create_and_edit(cast, login):
    client = login(cast.users["moral_director"])
    response = client.post(
        "/org/students/new/",
        {"name": "新同学", "gender": "F", "student_no": "A1999", "klass": cast.class_a1.pk},
    )
    assert response.status_code == 302
    student = Student.objects.get(student_no="A1999")
    response = client.post(
        f"/org/students/{student.pk}/edit/",
        {"name": "新同学", "gender": "F", "student_no": "A1999", "klass": cast.class_a2.pk, "boarder": "on"},
    )
    assert response.status_code == 302
    student.refresh_from_db()
    assert student.klass == cast.class_a2 and student.boarder is True


def test_class_teacher_cannot_edit_student_of_other_class(cast, login):
    client = login(cast.users["class_teacher"])
    assert client.get(f"/org/students/{cast.student_a2.pk}/edit/").status_code == 404


def test_safety_officer_may_view_but_not_edit(cast, login):
    client = login(cast.users["safety_officer"])
    assert client.get(f"/org/students/{cast.student_a1.pk}/").status_code == 200
    assert client.get(f"/org/students/{cast.student_a1.pk}/edit/").status_code == 404
    page = client.get(f"/org/students/{cast.student_a1.pk}/").content.decode()
    assert "留守儿童" not in page


def test_staff_create_assign_and_revoke(cast, login):
    client = login(cast.users["principal"])
    response = client.post(
        "/org/staff/new/",
        {
            "username": "new_teacher",
            "full_name": "新老师",
            "password": "Qiang-mima-2026",
            "role": "class_teacher",
            "unit": cast.class_a2.pk,
        },
    )
    assert response.status_code == 302
    person = User.objects.get(username="new_teacher")
    assert person.assignments.get().unit == cast.class_a2
    response = client.post(f"/org/staff/{person.pk}/", {"role": "psych_teacher", "unit": cast.school.pk})
    assert response.status_code == 302
    assert person.assignments.count() == 2
    revoke = person.assignments.get(role="psych_teacher")
    client.post(f"/org/staff/{person.pk}/", {"revoke": revoke.pk})
    assert person.assignments.count() == 1
    assert AuditEvent.objects.filter(action="staff.role_revoked", subject_id=str(person.pk)).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"username": "t_principal", "full_name": "重复", "password": "Qiang-mima-2026"},
            "用户名 t_principal 已存在",
        ),
        ({"username": "weak", "full_name": "弱密码", "password": "12345678"}, "密码不符合要求"),
        # Similar to the account's own name: refused for a password an administrator sets too.
        (
            {"username": "zhanglaoshi2026", "full_name": "张老师", "password": "zhanglaoshi2026"},
            "密码不符合要求",
        ),
    ],
)
def test_staff_create_bad_input(cast, login, data, message):
    client = login(cast.users["principal"])
    before = User.objects.count()
    response = client.post("/org/staff/new/", {**data, "role": "class_teacher", "unit": cast.class_a2.pk})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.count() == before


def test_staff_role_on_wrong_unit_kind_is_refused(cast, login):
    client = login(cast.users["principal"])
    person = cast.users["gate_guard"]
    response = client.post(f"/org/staff/{person.pk}/", {"role": "class_teacher", "unit": cast.school.pk})
    assert response.status_code == 200
    assert "班主任必须任职于班级" in response.content.decode()
    assert not RoleAssignment.objects.filter(user=person, role="class_teacher").exists()


def test_principal_cannot_assign_roles_in_other_school(cast, login):
    client = login(cast.users["principal"])
    person = cast.users["gate_guard"]
    response = client.post(f"/org/staff/{person.pk}/", {"role": "principal", "unit": cast.school_c.pk})
    assert response.status_code == 200  # the unit is not among the choices: a form error
    assert not RoleAssignment.objects.filter(user=person, unit=cast.school_c).exists()
    assert client.get(f"/org/staff/{cast.far_outsider.pk}/").status_code == 404


def test_school_profile_edit(cast, login):
    client = login(cast.users["principal"])
    response = client.post(
        f"/org/units/{cast.school.pk}/edit/",
        {
            "stage": "junior",
            "boarding": "on",
            "address": "城关路1号",
            "contact_person": "赵主任",
            "hotline": "0531-1234567",
            "email": "not-an-email",
        },
    )
    assert response.status_code == 200
    assert "请输入有效的电子邮箱地址。" in response.content.decode()
    response = client.post(
        f"/org/units/{cast.school.pk}/edit/",
        {
            "stage": "junior",
            "boarding": "on",
            "address": "城关路1号",
            "contact_person": "赵主任",
            "hotline": "0531-1234567",
            "email": "fbq@example.edu.cn",
        },
    )
    assert response.status_code == 302
    cast.school.profile.refresh_from_db()
    assert cast.school.profile.email == "fbq@example.edu.cn"
    assert login(cast.users["class_teacher"]).get(f"/org/units/{cast.school.pk}/edit/").status_code == 404


def test_new_class_under_grade(cast, login):
    client = login(cast.users["principal"])
    response = client.post(
        f"/org/units/{cast.grade.pk}/new/", {"code": "3701020001-G7-C3", "name": "初一(3)班", "number": 3}
    )
    assert response.status_code == 302
    unit = Unit.objects.get(code="3701020001-G7-C3")
    assert unit.school == cast.school and unit.path.startswith(cast.grade.path)
    duplicate = client.post(
        f"/org/units/{cast.grade.pk}/new/", {"code": "3701020001-G7-C3", "name": "重复", "number": 4}
    )
    assert "已被使用" in duplicate.content.decode()
    assert login(cast.users["principal"]).get(f"/org/units/{cast.school_c.pk}/new/").status_code == 404


def test_committee_add_and_remove(cast, login):
    client = login(cast.users["principal"])
    response = client.post(
        f"/org/committee/?school={cast.school.pk}",
        {"name": "钱律师", "committee_role": "expert", "is_external": "on"},
    )
    assert response.status_code == 302
    member = CommitteeMember.objects.get(name="钱律师")
    assert member.is_external is True
    page = client.get(f"/org/committee/?school={cast.school.pk}").content.decode()
    assert "钱律师" in page
    client.post(f"/org/committee/?school={cast.school.pk}", {"remove": member.pk})
    member.refresh_from_db()
    assert member.active is False


def test_committee_bad_role_is_form_error(cast, login):
    client = login(cast.users["principal"])
    response = client.post(
        f"/org/committee/?school={cast.school.pk}", {"name": "某人", "committee_role": "king"}
    )
    assert response.status_code == 200
    assert not CommitteeMember.objects.filter(name="某人").exists()


def test_class_teacher_cannot_change_committee(cast, login):
    client = login(cast.users["class_teacher"])
    response = client.post(
        f"/org/committee/?school={cast.school.pk}", {"name": "某人", "committee_role": "teacher"}
    )
    assert response.status_code == 404
    assert not CommitteeMember.objects.filter(name="某人").exists()


def test_unit_pages_scoped(cast, login):
    client = login(cast.users["principal"])
    assert client.get(f"/org/units/{cast.school.pk}/").status_code == 200
    assert client.get(f"/org/units/{cast.school_b.pk}/").status_code == 404
    page = client.get("/org/units/").content.decode()
    assert "实验中学" in page and "东城中学" not in page


def test_class_teacher_home_shows_my_class_with_care_count(cast, login):
    page = login(cast.users["class_teacher"]).get("/").content.decode()
    assert "我的班级" in page
    assert "初一(1)班" in page
    assert "1 名重点关爱" in page


def test_principal_home_counts_only_own_school(cast, login):
    page = login(cast.users["principal"]).get("/").content.decode()
    assert "本校概况" in page
    assert '<div class="stat-number">2</div><div class="small text-secondary">学生</div>' in page


def test_login_form_locks_after_five_failures_with_429(client, cast, password):
    for _ in range(5):
        client.post("/login/", {"username": "t_principal", "password": "wrong-one"})
    response = client.post("/login/", {"username": "t_principal", "password": password})
    assert response.status_code == 429
    assert "已锁定从当前网络地址登录该账号" in response.content.decode()
