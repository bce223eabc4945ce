from __future__ import annotations

import base64
import json
import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import base as management_base
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Q
from django.test import Client

from anxin.access.roles import BUREAU_ROLES
from anxin.audit.models import AuditEvent
from anxin.audit.services import audit_record, audit_verify
from anxin.cli import main as anxin_main
from anxin.demo.city import DEMO_PASSWORD, demo_totp_code, plan_city
from anxin.org import services
from anxin.org.models import (
    STAGE_GRADES,
    CommitteeMember,
    CommitteeRole,
    DemoLoad,
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

pytestmark = pytest.mark.django_db

#: One district of six schools opens with one school of every stage.
#: Without the demo cases: their audit trail refers to demo people, so such a city cannot be reset
#: in place (anxin/cases/tests/test_demo.py covers the demo with its cases).
SMALL: dict[str, Any] = {
    "no_cases": True,
    "no_ledgers": True,
    "seed": 7,
    "districts": 1,
    "schools": 6,
    "classes_per_grade": 1,
    "students_per_class": 5,
}
CHINESE = re.compile(r"[\u4e00-\u9fff]")
SCHOOL_ROLES = [r for r in Role if r not in BUREAU_ROLES and r != Role.CLASS_TEACHER]


@pytest.fixture(autouse=True)
def var_dir(settings: Any, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


def demo(**options: Any) -> str:
    out = StringIO()
    call_command("demo", **{**SMALL, **options}, stdout=out, stderr=StringIO())
    return out.getvalue()


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    return {
        "units": list(Unit.objects.order_by("code").values_list("code", "name", "path")),
        "users": list(User.objects.order_by("username").values_list("username", "full_name", "phone")),
        "students": list(
            Student.objects.order_by("klass__code", "student_no").values_list(
                "klass__code", "student_no", "name", "gender", "boarder"
            )
        ),
        "guardians": list(
            Guardian.objects.order_by("student__klass__code", "student__student_no", "relation").values_list(
                "student__student_no", "name", "relation", "phone"
            )
        ),
        "committee": list(
            CommitteeMember.objects.order_by("school__code", "committee_role", "name").values_list(
                "school__code", "committee_role", "name", "user__username", "is_external", "phone"
            )
        ),
    }


def counts() -> dict[str, int]:
    models = [
        Unit,
        User,
        RoleAssignment,
        Student,
        Guardian,
        KeyGroupFlag,
        CommitteeMember,
        DemoLoad,
        AuditEvent,
    ]
    return {m.__name__: m.objects.count() for m in models}


def school(name: str) -> Unit:
    return Unit.objects.get(kind=UnitKind.SCHOOL, name=name)


def test_plan_is_pure_and_opens_with_every_stage() -> None:
    first = plan_city(seed=1, districts=2, schools=6, classes_per_grade=2)
    again = plan_city(seed=1, districts=2, schools=6, classes_per_grade=2)
    assert first == again
    assert [s.stage for s in first.districts[0].schools] == list(Stage.values)
    assert [s.code for s in first.districts[0].schools][:2] == ["3701020001", "3701020002"]
    assert first.districts[1].code == "370103"
    assert len({s.name for s in first.schools}) == 12


def test_same_seed_gives_the_same_city_and_another_seed_does_not() -> None:
    demo()
    before = snapshot()
    demo(reset=True)
    assert snapshot() == before
    demo(reset=True, seed=8)
    other = snapshot()
    # The layout (codes) stays, the names differ.
    assert [u[0] for u in other["units"]] == [u[0] for u in before["units"]]
    assert [s[2] for s in other["students"]] != [s[2] for s in before["students"]]
    assert DemoLoad.objects.get().seed == 8


def test_every_role_has_a_user_in_a_school_of_every_stage() -> None:
    demo()
    for role in Role:
        assert RoleAssignment.objects.filter(role=role).exists(), role
    assert not RoleAssignment.objects.filter(role__in=BUREAU_ROLES, unit__kind=UnitKind.SCHOOL).exists()
    assert RoleAssignment.objects.get(role=Role.CITY_ADMIN).unit.kind == UnitKind.CITY
    for county in Unit.objects.filter(kind=UnitKind.COUNTY):
        assert {a.role for a in county.assignments.all()} == {Role.COUNTY_ADMIN, Role.INSPECTOR}
    for stage in Stage:
        profile = SchoolProfile.objects.filter(stage=stage).select_related("unit").first()
        assert profile is not None, stage
        held = set(RoleAssignment.objects.filter(unit=profile.unit).values_list("role", flat=True))
        assert held == set(SCHOOL_ROLES), stage
        assert RoleAssignment.objects.filter(role=Role.CLASS_TEACHER, unit__school=profile.unit).exists()
    # Every class has its class teacher.
    classes = Unit.objects.filter(kind=UnitKind.CLASS)
    assert (
        RoleAssignment.objects.filter(role=Role.CLASS_TEACHER).values("unit").distinct().count()
        == classes.count()
    )


def test_units_follow_the_code_and_path_conventions() -> None:
    demo()
    for unit in Unit.objects.select_related("parent"):
        parent_path = unit.parent.path if unit.parent else "/"
        assert unit.path == f"{parent_path}{unit.code}/"
        if unit.kind == UnitKind.SCHOOL:
            assert unit.school_id == unit.pk
            assert re.fullmatch(rf"{unit.parent.code}\d{{4}}", unit.code)
        elif unit.kind == UnitKind.GRADE:
            assert unit.school_id == unit.parent_id and unit.code == f"{unit.parent.code}-G{unit.number}"
            assert unit.number in STAGE_GRADES[unit.parent.profile.stage]
        elif unit.kind == UnitKind.CLASS:
            assert unit.school_id == unit.parent.school_id
            assert unit.code == f"{unit.parent.code}-C{unit.number}"
            assert unit.name == f"{unit.parent.name}({unit.number})班"
        else:
            assert unit.school_id is None
    assert Unit.objects.get(kind=UnitKind.CITY).code == "3701"
    assert list(Unit.objects.filter(kind=UnitKind.COUNTY).values_list("code", flat=True)) == ["370102"]


def test_schools_pupils_and_families_look_plausible() -> None:
    demo()
    assert set(SchoolProfile.objects.values_list("stage", flat=True)) == set(Stage.values)
    for profile in SchoolProfile.objects.all():
        assert profile.contact_person and re.fullmatch(r"0531-\d{8}", profile.hotline)
        assert profile.email.endswith("@example.edu.cn")
    # Boarders only in boarding schools.
    assert not Student.objects.filter(boarder=True, school__profile__boarding=False).exists()
    assert Student.objects.filter(boarder=True).exists()
    for student in Student.objects.prefetch_related("guardians"):
        guardians = list(student.guardians.all())
        assert 1 <= len(guardians) <= 2
        assert all(re.fullmatch(r"1380000\d{4}", g.phone) for g in guardians)
        assert CHINESE.match(student.name) and student.gender in ("M", "F")
    flagged = KeyGroupFlag.objects.count()
    assert 1 <= flagged <= Student.objects.count() * 0.15
    assert all(CHINESE.search(reason) for reason in KeyGroupFlag.objects.values_list("reason", flat=True))
    for school_unit in Unit.objects.filter(kind=UnitKind.SCHOOL).select_related("profile"):
        members = CommitteeMember.objects.filter(school=school_unit)
        held = set(members.values_list("committee_role", flat=True))
        required = {CommitteeRole.CHAIR, CommitteeRole.LEGAL_VP, CommitteeRole.MORAL_DIRECTOR}
        required |= {CommitteeRole.TEACHER, CommitteeRole.PARENT, CommitteeRole.EXPERT}
        assert required <= held
        assert (CommitteeRole.STUDENT in held) is (school_unit.profile.stage != Stage.PRIMARY)
        assert 7 <= members.count() <= 9
        assert members.get(committee_role=CommitteeRole.CHAIR).user.assignments.get().role == Role.PRINCIPAL


def test_the_scenarios_can_be_found() -> None:
    demo()
    first_district = Unit.objects.get(code="370102")
    # 2: 王老师 and 小雨 in 三年级(2)班 of 实验小学.
    primary = school("实验小学")
    assert primary.parent == first_district and primary.profile.stage == Stage.PRIMARY
    klass = Unit.objects.get(school=primary, kind=UnitKind.CLASS, name="三年级(2)班", number=2)
    teacher = RoleAssignment.objects.get(role=Role.CLASS_TEACHER, unit=klass).user
    assert (teacher.username, teacher.full_name) == ("wanglaoshi", "王丽")
    xiaoyu = Student.objects.get(klass=klass, name__endswith="小雨")
    flag = xiaoyu.key_groups.get()
    assert (flag.group, flag.reason) == (KeyGroup.LEFT_BEHIND, "父母在外务工，与祖母同住")
    assert xiaoyu.guardians.get().relation == "祖母"
    # 1: 小磊, a boarder in 初二(3)班 of 城关第二中学.
    junior = school("城关第二中学")
    assert junior.parent == first_district
    assert (junior.profile.stage, junior.profile.boarding) == (Stage.JUNIOR, True)
    xiaolei = Student.objects.get(klass__school=junior, klass__name="初二(3)班", name__endswith="小磊")
    assert xiaolei.boarder is True
    # 3: 初一(5)班 in a junior school, whose committee has nine members.
    assert Unit.objects.filter(
        kind=UnitKind.CLASS, name="初一(5)班", school__profile__stage=Stage.JUNIOR
    ).exists()
    assert CommitteeMember.objects.filter(school=junior).count() == 9


def test_prints_and_writes_the_showcase_logins(var_dir: Path) -> None:
    out = demo()
    rows = json.loads((var_dir / "demo_logins.json").read_text(encoding="utf-8"))
    assert isinstance(rows, list) and rows
    assert all(set(row) == {"role", "username", "password", "unit_code", "totp_secret"} for row in rows)
    assert {row["role"] for row in rows} == set(Role.values)
    assert {row["password"] for row in rows} == {DEMO_PASSWORD}
    for row in rows:
        assert RoleAssignment.objects.filter(
            user__username=row["username"], role=row["role"], unit__code=row["unit_code"]
        ).exists(), row
        assert row["username"].isascii()
    assert {"city_admin", "county_370102", "inspector_370102", "wanglaoshi"} <= {
        row["username"] for row in rows
    }
    # Showcase users only, not every class teacher.
    assert len(rows) < User.objects.count()
    assert "用户名" in out and "wanglaoshi" in out and DEMO_PASSWORD in out and "班主任" in out
    assert "学生" in out and "秒" in out


def test_accounts_that_must_use_two_factor_are_enrolled_and_their_keys_printed(var_dir: Path) -> None:
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    out = demo()
    rows = {row["username"]: row for row in json.loads((var_dir / "demo_logins.json").read_text("utf-8"))}
    for row in rows.values():
        must = (
            row["role"] in {Role.CITY_ADMIN, Role.COUNTY_ADMIN, Role.PRINCIPAL}
            or CommitteeMember.objects.filter(user__username=row["username"], active=True).exists()
        )
        assert bool(row["totp_secret"]) is must, row
    principal = next(r for r in rows.values() if r["role"] == Role.PRINCIPAL)
    assert principal["totp_secret"] in out and "两步验证密钥" in out
    # The printed key is the device's key: an authenticator app fed with it shows the right code.
    device = TOTPDevice.objects.get(user__username=principal["username"])
    key = base64.b32decode(principal["totp_secret"] + "=" * (-len(principal["totp_secret"]) % 8))
    assert key == device.bin_key
    assert f"{TOTP(key).token():06d}" == demo_totp_code(principal["username"])
    assert rows["wanglaoshi"]["totp_secret"] == ""
    # Every principal, administrator and committee member with an account has one, nobody else.
    needing = User.objects.filter(
        Q(assignments__role__in=[Role.CITY_ADMIN, Role.COUNTY_ADMIN, Role.PRINCIPAL])
        | Q(committees__active=True)
    ).distinct()
    assert set(TOTPDevice.objects.values_list("user_id", flat=True)) == set(
        needing.values_list("pk", flat=True)
    )


def test_writes_one_summary_audit_event() -> None:
    demo()
    event = AuditEvent.objects.get()
    assert event.action == "demo.loaded" and event.actor is None
    assert event.after["counts"]["students"] == Student.objects.count()
    assert audit_verify().ok


def test_refuses_a_database_with_real_data(var_dir: Path) -> None:
    services.unit_create(actor=None, parent=None, kind=UnitKind.CITY, code="9901", name="真实市")
    before = counts()
    with pytest.raises(CommandError) as caught:
        demo()
    assert caught.value.returncode != 0
    assert CHINESE.search(str(caught.value)) and "非演示数据" in str(caught.value)
    assert counts() == before
    assert not (var_dir / "demo_logins.json").exists()


def test_refusal_exits_non_zero_from_the_command_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # run_from_argv closes every connection on its way out, which would end the test's transaction.
    monkeypatch.setattr(management_base.connections, "close_all", lambda: None)
    User.objects.create(username="real_person", full_name="真实用户")
    with pytest.raises(SystemExit) as caught:
        anxin_main(["demo", "--districts", "1", "--schools", "6", "--classes-per-grade", "1"])
    assert caught.value.code not in (0, None)
    assert "非演示数据" in capsys.readouterr().err
    assert not Unit.objects.exists()


def test_refuses_a_second_load_without_reset() -> None:
    demo()
    before = counts()
    with pytest.raises(CommandError, match="--reset"):
        demo()
    assert counts() == before


def test_rejects_bad_options_in_chinese() -> None:
    with pytest.raises(CommandError, match="--students-per-class") as caught:
        demo(students_per_class=0)
    assert CHINESE.search(str(caught.value))
    assert not Unit.objects.exists()


def test_if_empty_loads_an_empty_database_then_only_shows_the_logins(var_dir: Path) -> None:
    demo(if_empty=True)
    assert DemoLoad.objects.count() == 1
    before = counts()
    out = demo(if_empty=True)
    assert counts() == before
    assert "跳过" in out and "wanglaoshi" in out and DEMO_PASSWORD in out
    # Without the file, the logins come from the DemoLoad row and the file is written again.
    (var_dir / "demo_logins.json").unlink()
    out = demo(if_empty=True)
    assert "wanglaoshi" in out and (var_dir / "demo_logins.json").exists()
    assert counts() == before


def test_if_empty_on_a_city_made_by_an_older_version_says_how_to_get_the_new_one(var_dir: Path) -> None:
    demo(if_empty=True)
    assert "旧版本" not in demo(if_empty=True)
    # A city from before two-step login and the ledgers: its logins carry no authenticator key.
    load = DemoLoad.objects.get()
    load.params = {**load.params, "logins": [{**row, "totp_secret": ""} for row in load.params["logins"]]}
    load.save(update_fields=["params"])
    (var_dir / "demo_logins.json").unlink()
    out = demo(if_empty=True)
    assert "这个演示城市由旧版本生成" in out and "删除 var/anxin.sqlite3" in out


def test_if_empty_leaves_a_real_database_alone() -> None:
    services.unit_create(actor=None, parent=None, kind=UnitKind.CITY, code="9901", name="真实市")
    before = counts()
    demo(if_empty=True)
    assert counts() == before


def test_reset_refuses_when_the_audit_trail_points_at_demo_data() -> None:
    demo()
    principal = User.objects.get(username=f"principal_{school('城关第二中学').code}")
    audit_record(actor=principal, action="student.viewed", unit=school("城关第二中学"))
    before = counts()
    with pytest.raises(CommandError, match="审计日志") as caught:
        demo(reset=True)
    assert caught.value.returncode != 0
    assert counts() == before


def test_demo_principal_logs_in_and_sees_only_their_own_pupils(client: Client) -> None:
    demo()
    junior = school("城关第二中学")
    response = client.post(
        "/login/",
        {"username": f"principal_{junior.code}", "password": DEMO_PASSWORD},
        REMOTE_ADDR="127.0.0.1",
    )
    assert response.status_code == 302
    # A principal's second step: the code from the authenticator the demo enrolled.
    assert client.get("/org/students/").url.startswith("/account/2fa/verify/")
    response = client.post("/account/2fa/verify/", {"code": demo_totp_code(f"principal_{junior.code}")})
    assert response.status_code == 302
    response = client.get("/org/students/")
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.count == Student.objects.filter(school=junior).count() > 0
    assert Student.objects.exclude(school=junior).exists()
    for number in range(1, page.paginator.num_pages + 1):
        listed = client.get("/org/students/", {"page": number}).context["page"].object_list
        assert {s.school_id for s in listed} == {junior.pk}
