from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from anxin.audit.models import AuditEvent
from anxin.core.errors import Invalid, NotFound
from anxin.core.models import Notification
from anxin.ledgers.gate import menu, selectors, services
from anxin.ledgers.gate.models import DangerousItem, ExitOutcome, LeavePass, StudentExit, Visitor
from anxin.org import services as org_services
from anxin.org.models import Role, User
from anxin.testing import frozen_time

pytestmark = pytest.mark.django_db

API = "/api/ledgers/gate"
FULL_ID = "37010219800101123X"


def _guard(cast, school, name="gate_b"):
    user = User.objects.create(username=name, full_name="外校门卫")
    org_services.role_assign(actor=None, user=user, role=Role.GATE_GUARD, unit=school)
    return user


def _at(hour: int, minute: int = 0, days: int = 0) -> datetime:
    day = timezone.localdate() - timedelta(days=days)
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def _visitor(cast, user=None, **kw):
    data = {"name": "李爷爷", "id_last4": "123x", "reason": "送午饭", "host_text": "初一(1)班 李小雨"}
    data.update(kw)
    return services.visitor_record(
        actor=user or cast.users["gate_guard"], school=cast.school, client_key=uuid.uuid4(), **data
    ).entry


def _leave(cast, student=None, start=None, end=None):
    start = start or timezone.now() - timedelta(hours=1)
    return services.leave_approve(
        actor=cast.users["class_teacher"],
        student_id=(student or cast.student_a1).pk,
        starts_at=start,
        ends_at=end or start + timedelta(hours=4),
        reason="看牙",
        client_key=uuid.uuid4(),
    ).entry


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


# Visitors ---------------------------------------------------------------------------------------


def test_guard_registers_grandfather_bringing_lunch(cast, login):
    guard = cast.users["gate_guard"]
    client = login(guard)
    teacher = cast.users["class_teacher"]
    response = client.post(
        reverse("ledgers:gate_visitor_new"),
        {
            "client_key": str(uuid.uuid4()),
            "name": "李爷爷",
            "id_last4": "123x",
            "host": teacher.pk,
            "reason": "送午饭",
            "items": "饭盒",
        },
    )
    assert response.status_code == 302
    visitor = Visitor.objects.get()
    assert (visitor.name, visitor.id_last4, visitor.host, visitor.school) == (
        "李爷爷",
        "123X",
        teacher,
        cast.school,
    )
    assert visitor.recorded_by == guard and visitor.inside is True
    assert AuditEvent.objects.filter(
        action="ledger_gate.visitor_recorded", subject_id=str(visitor.pk)
    ).exists()
    page = client.get(reverse("ledgers:gate_list"))
    assert "李爷爷" in page.content.decode() and "今日来访 1 人，1 人仍在校内" in page.content.decode()


@pytest.mark.parametrize("typed", [FULL_ID, "370102198001011", "3701 0219 8001 0112 3X"])
def test_full_id_number_is_refused_on_the_page_and_nothing_stored(cast, login, typed):
    client = login(cast.users["gate_guard"])
    response = client.post(
        reverse("ledgers:gate_visitor_new"),
        {
            "client_key": str(uuid.uuid4()),
            "name": "李爷爷",
            "id_last4": typed,
            "host_text": "初一(1)班",
            "reason": "送饭",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "只保存身份证号的后4位" in html
    assert typed not in html and typed.replace(" ", "") not in html
    assert Visitor.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="ledger_gate").exists()


def test_full_id_number_is_refused_by_the_api_and_nothing_stored(cast, login):
    client = login(cast.users["gate_guard"])
    response = client.post(
        f"{API}/visitors",
        {"name": "李爷爷", "id_last4": FULL_ID, "host_text": "初一(1)班", "reason": "送饭"},
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "id_number_full" and "后4位" in body["message"]
    assert FULL_ID not in response.content.decode()
    assert Visitor.objects.count() == 0


@pytest.mark.parametrize("typed", ["12", "12345", "12A4", ""])
def test_bad_last_four_is_refused(cast, typed):
    with pytest.raises(Invalid) as exc:
        _visitor(cast, id_last4=typed)
    assert exc.value.code == "bad_id_last4"
    assert Visitor.objects.count() == 0


def test_visitor_needs_a_host(cast):
    with pytest.raises(Invalid) as exc:
        _visitor(cast, host_text="")
    assert exc.value.code == "missing_host"


def test_same_client_key_stores_one_visitor_through_page_and_api(cast, login):
    client = login(cast.users["gate_guard"])
    key = str(uuid.uuid4())
    data = {
        "client_key": key,
        "name": "李爷爷",
        "id_last4": "1234",
        "host_text": "初一(1)班",
        "reason": "送饭",
    }
    assert client.post(reverse("ledgers:gate_visitor_new"), data).status_code == 302
    assert client.post(reverse("ledgers:gate_visitor_new"), data).status_code == 302
    api_key = str(uuid.uuid4())
    first = client.post(f"{API}/visitors", {**data, "client_key": api_key}, content_type="application/json")
    again = client.post(f"{API}/visitors", {**data, "client_key": api_key}, content_type="application/json")
    assert first.status_code == 201 and again.status_code == 200 and again.json()["id"] == first.json()["id"]
    # The page's key sent again through the API is still the same entry.
    assert client.post(f"{API}/visitors", data, content_type="application/json").status_code == 200
    assert Visitor.objects.count() == 2


def test_one_tap_out_and_another_guard_of_the_school_sees_who_is_inside(cast, login):
    visitor = _visitor(cast)
    relief = _guard(cast, cast.school, "gate_a2")  # the next shift at the same gate
    client = login(relief)
    listed = client.get(reverse("ledgers:gate_list") + "?inside=on")
    assert "李爷爷" in listed.content.decode()
    response = client.post(reverse("ledgers:gate_visitor_out", args=[visitor.pk]))
    assert response.status_code == 302
    visitor.refresh_from_db()
    assert visitor.time_out is not None
    first_out = visitor.time_out
    # A second tap (or an offline resend) changes nothing.
    api = client.post(f"{API}/visitors/{visitor.pk}/out")
    assert api.status_code == 200 and api.json()["inside"] is False
    visitor.refresh_from_db()
    assert visitor.time_out == first_out
    assert AuditEvent.objects.filter(action="ledger_gate.visitor_out").count() == 1
    after = client.get(reverse("ledgers:gate_list") + "?inside=on").content.decode()
    assert (
        reverse("ledgers:gate_visitor_out", args=[visitor.pk]) not in after
        and "身份证后4位 123X" not in after
    )


def test_guard_of_another_school_cannot_open_or_mark_out(cast, login):
    visitor = _visitor(cast)
    client = login(_guard(cast, cast.school_b))
    assert client.post(reverse("ledgers:gate_visitor_out", args=[visitor.pk])).status_code == 404
    response = client.post(f"{API}/visitors/{visitor.pk}/out")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert client.get(f"{API}/visitors").json()["count"] == 0
    visitor.refresh_from_db()
    assert visitor.time_out is None


def test_outsider_teacher_gets_404(cast, login):
    visitor = _visitor(cast)
    item = services.item_record(
        actor=cast.users["gate_guard"], school=cast.school, client_key=None, kind="lighter", action="held"
    ).entry
    client = login(cast.outsider)
    assert client.get(reverse("ledgers:gate_list")).status_code == 404
    assert client.get(reverse("ledgers:gate_items")).status_code == 404
    assert client.get(reverse("ledgers:gate_item_photo", args=[item.pk])).status_code == 404
    assert client.get(reverse("ledgers:gate_visitor_new")).status_code == 404
    assert client.post(reverse("ledgers:gate_visitor_out", args=[visitor.pk])).status_code == 404
    assert client.post(f"{API}/visitors/{visitor.pk}/out").status_code == 404
    assert client.get(f"{API}/visitors").status_code == 404
    response = client.post(
        f"{API}/exits",
        {"student": cast.student_a1.pk, "action": "back_to_class"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert StudentExit.objects.count() == 0


# Leave passes -----------------------------------------------------------------------------------


def test_class_teacher_approves_leave_for_own_class_only(cast, login):
    client = login(cast.users["class_teacher"])
    start = timezone.localtime(timezone.now()).replace(second=0, microsecond=0)
    data = {
        "client_key": str(uuid.uuid4()),
        "student": cast.student_a1.pk,
        "reason": "看牙",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
    }
    assert client.post(reverse("ledgers:gate_leave_new"), data).status_code == 302
    assert client.post(reverse("ledgers:gate_leave_new"), data).status_code == 302  # resent: one row
    leave = LeavePass.objects.get()
    assert leave.recorded_by == cast.users["class_teacher"] and leave.student == cast.student_a1
    # Class A2 is not hers: the form refuses the choice, the service and API answer 404.
    other = {**data, "client_key": str(uuid.uuid4()), "student": cast.student_a2.pk}
    assert client.post(reverse("ledgers:gate_leave_new"), other).status_code == 422
    with pytest.raises(NotFound):
        _leave(cast, student=cast.student_a2)
    api = client.post(
        f"{API}/leaves",
        {**other, "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat()},
        content_type="application/json",
    )
    assert api.status_code == 404
    assert LeavePass.objects.count() == 1


def test_moral_director_approves_for_the_school_and_bad_span_is_refused(cast, login):
    client = login(cast.users["moral_director"])
    start = timezone.now()
    body = {
        "student": cast.student_a2.pk,
        "reason": "家中有事",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "client_key": str(uuid.uuid4()),
    }
    first = client.post(f"{API}/leaves", body, content_type="application/json")
    assert first.status_code == 201 and first.json()["approved_by"] == "政教主任甲"
    assert client.post(f"{API}/leaves", body, content_type="application/json").status_code == 200
    bad = {**body, "client_key": str(uuid.uuid4()), "ends_at": (start - timedelta(hours=1)).isoformat()}
    response = client.post(f"{API}/leaves", bad, content_type="application/json")
    assert response.status_code == 422 and response.json()["code"] == "bad_leave_span"
    assert LeavePass.objects.count() == 1
    assert client.get(f"{API}/leaves").json()["count"] == 1
    # The gate guard does not read leave passes; the system checks them for him.
    assert login(cast.users["gate_guard"]).get(f"{API}/leaves").status_code == 404


# Student exits ----------------------------------------------------------------------------------


def test_exit_at_two_without_leave_is_stopped_and_class_teacher_told(cast, login, clock):
    clock(_at(14))
    client = login(cast.users["gate_guard"])
    found = client.get(f"{API}/students?q=李小雨").json()
    assert found == [{"id": cast.student_a1.pk, "name": "李*雨", "class_name": "初一(1)班"}]
    # Without saying what was done, nothing is stored.
    response = client.post(f"{API}/exits", {"student": cast.student_a1.pk}, content_type="application/json")
    assert response.status_code == 422 and response.json()["code"] == "missing_stop_action"
    key = str(uuid.uuid4())
    page = client.post(
        reverse("ledgers:gate_exit_new"),
        {"client_key": key, "student": cast.student_a1.pk, "action": "contact_teacher", "note": "说要去网吧"},
    )
    assert page.status_code == 302
    again = client.post(
        f"{API}/exits",
        {"client_key": key, "student": cast.student_a1.pk, "action": "contact_teacher"},
        content_type="application/json",
    )
    assert again.status_code == 200
    row = StudentExit.objects.get()
    assert row.outcome == ExitOutcome.STOPPED and row.action == "contact_teacher" and row.leave is None
    assert timezone.localtime(row.recorded_at).hour == 14
    notes = Notification.objects.filter(user=cast.users["class_teacher"])
    assert notes.count() == 1 and "拦下" in notes.get().title and "14:00" in notes.get().body
    assert not Notification.objects.exclude(user=cast.users["class_teacher"]).exists()
    # The class teacher can open what she was told about.
    listed = login(cast.users["class_teacher"]).get(notes.get().url)
    assert listed.status_code == 200 and "李小雨" in listed.content.decode()


def test_exit_with_valid_leave_is_allowed(cast, login):
    leave = _leave(cast)
    client = login(cast.users["gate_guard"])
    picked = client.get(
        reverse("ledgers:gate_exit_new"), {"q": cast.student_a1.student_no, "student": cast.student_a1.pk}
    )
    assert "可以放行" in picked.content.decode()
    response = client.post(f"{API}/exits", {"student": cast.student_a1.pk}, content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert (
        body["outcome"] == "allowed" and body["outcome_label"] == "持假条离校" and body["leave"] == leave.pk
    )
    assert not Notification.objects.exists()


def test_expired_leave_does_not_let_a_student_out(cast):
    _leave(cast, start=timezone.now() - timedelta(hours=5), end=timezone.now() - timedelta(hours=1))
    row = services.exit_record(
        actor=cast.users["gate_guard"], student_id=cast.student_a1.pk, client_key=None, action="back_to_class"
    ).entry
    assert row.outcome == ExitOutcome.STOPPED


def test_guard_of_another_school_cannot_find_or_record_this_schools_students(cast, login):
    other = _guard(cast, cast.school_b)
    assert selectors.students_for_gate(other, "李小雨") == []
    assert selectors.students_for_gate(other, "A1001") == []
    assert selectors.students_for_gate(cast.users["gate_guard"], "A1001")[0]["name"] == "李*雨"
    assert selectors.students_for_gate(cast.users["gate_guard"], "") == []
    client = login(other)
    assert client.get(f"{API}/students?q=李小雨").json() == []
    page = client.get(reverse("ledgers:gate_exit_new") + "?q=李小雨")
    assert "初一(1)班" not in page.content.decode() and "本校没有找到该学生" in page.content.decode()
    response = client.post(
        f"{API}/exits",
        {"student": cast.student_a1.pk, "action": "back_to_class"},
        content_type="application/json",
    )
    assert response.status_code == 404
    exit_row = services.exit_record(
        actor=cast.users["gate_guard"], student_id=cast.student_a1.pk, client_key=None, action="back_to_class"
    ).entry
    assert client.get(f"{API}/exits").json()["count"] == 0
    assert exit_row.pk


def test_gate_search_returns_only_masked_name_and_class(cast):
    found = selectors.students_for_gate(cast.users["gate_guard"], "a1001")
    assert found == [{"id": cast.student_a1.pk, "name": "李*雨", "class_name": "初一(1)班"}]
    assert selectors.students_for_gate(cast.users["gate_guard"], "王小磊")[0]["name"] == "王*磊"


@pytest.mark.parametrize(
    "query", ["小", "李", "王", "李小", "小雨", "A1", "A100", "1001", "%", "_", "*", "A"]
)
def test_gate_search_never_lists_by_surname_or_part_of_a_name_or_number(cast, login, query):
    guard = cast.users["gate_guard"]
    assert selectors.students_for_gate(guard, query) == []
    assert login(guard).get(f"{API}/students", {"q": query}).json() == []
    page = login(guard).get(reverse("ledgers:gate_exit_new"), {"q": query}).content.decode()
    assert "李小雨" not in page and "王小磊" not in page and "李*雨" not in page


def test_a_surname_sweep_of_a_whole_school_finds_nobody(cast, login):
    """The attack of issue 9: every common surname through the gate look-up (561 of 720 names then)."""
    from anxin.org.services import student_create

    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    for i, surname in enumerate(surnames):
        student_create(
            actor=None, klass=cast.class_a2, name=f"{surname}同学{i}", gender="M", student_no=f"S{i:03}"
        )
    client = login(cast.users["gate_guard"])
    leaked = set()
    for surname in surnames:
        for row in client.get(f"{API}/students", {"q": surname}).json():
            leaked.add(row["name"])
    assert leaked == set()


def test_the_picked_student_and_own_records_show_a_guard_only_the_masked_name(cast, login):
    guard = login(cast.users["gate_guard"])
    look_up = {"q": cast.student_a2.student_no, "student": cast.student_a2.pk}
    picked = guard.get(reverse("ledgers:gate_exit_new"), look_up).content.decode()
    assert "王*磊" in picked and "王小磊" not in picked
    # An id in the address alone shows nobody: walking through ids reads no child's name or class.
    walked = guard.get(reverse("ledgers:gate_exit_new"), {"student": cast.student_a2.pk}).content.decode()
    assert "王*磊" not in walked and cast.class_a2.display_name not in walked
    services.exit_record(
        actor=cast.users["gate_guard"], student_id=cast.student_a2.pk, client_key=None, action="back_to_class"
    )
    assert guard.get(f"{API}/exits").json()["items"][0]["student_name"] == "王*磊"
    listed = guard.get(reverse("ledgers:gate_exits")).content.decode()
    assert "王*磊" in listed and "王小磊" not in listed
    # Those with the student view still read the name.
    assert login(cast.users["principal"]).get(f"{API}/exits").json()["items"][0]["student_name"] == "王小磊"


def test_a_leave_for_a_student_out_of_reach_is_refused_and_not_stored(cast, login):
    teacher = login(cast.users["class_teacher"])  # class A1
    for student in (cast.student_a2, cast.student_b1):
        response = teacher.post(
            f"{API}/leaves",
            {
                "student": student.pk,
                "starts_at": timezone.now().isoformat(),
                "ends_at": (timezone.now() + timedelta(hours=2)).isoformat(),
                "reason": "看病",
            },
            content_type="application/json",
        )
        assert response.status_code == 404 and response.json()["message"]
    assert not LeavePass.objects.exists()


def test_guards_see_only_their_own_exits(cast, login):
    services.exit_record(
        actor=cast.users["gate_guard"], student_id=cast.student_a1.pk, client_key=None, action="back_to_class"
    )
    relief = _guard(cast, cast.school, "gate_a2")
    assert login(relief).get(f"{API}/exits").json()["count"] == 0
    assert login(cast.users["gate_guard"]).get(f"{API}/exits").json()["count"] == 1
    assert login(cast.users["principal"]).get(f"{API}/exits?stopped=true").json()["count"] == 1


# Dangerous items ------------------------------------------------------------------------------


def test_item_with_photo_from_a_student(cast, login):
    client = login(cast.users["gate_guard"])
    photo = io.BytesIO(_png())
    photo.name = "李小雨的刀.png"
    response = client.post(
        f"{API}/items",
        {
            "kind": "knife",
            "action": "security",
            "student": cast.student_a1.pk,
            "client_key": str(uuid.uuid4()),
            "photo": photo,
        },
    )
    assert response.status_code == 201, response.content
    item = DangerousItem.objects.get()
    assert item.student == cast.student_a1 and item.photo and "李小雨" not in item.photo.name
    assert response.json()["has_photo"] is True
    assert client.get(reverse("ledgers:gate_item_photo", args=[item.pk])).status_code == 200
    assert (
        login(_guard(cast, cast.school_b)).get(reverse("ledgers:gate_item_photo", args=[item.pk])).status_code
        == 404
    )


def test_item_page_other_needs_description_and_bad_photo_is_refused(cast, login):
    client = login(cast.users["gate_guard"])
    data = {"client_key": str(uuid.uuid4()), "kind": "other", "action": "held", "school": cast.school.pk}
    response = client.post(reverse("ledgers:gate_item_new"), data)
    assert response.status_code == 422 and "请写明" in response.content.decode()
    fake = io.BytesIO(b"not an image")
    fake.name = "x.jpg"
    response = client.post(reverse("ledgers:gate_item_new"), {**data, "description": "弹弓", "photo": fake})
    assert response.status_code == 422 and "不是 JPEG" in response.content.decode()
    assert DangerousItem.objects.count() == 0
    assert client.post(reverse("ledgers:gate_item_new"), {**data, "description": "弹弓"}).status_code == 302
    assert client.post(reverse("ledgers:gate_item_new"), {**data, "description": "弹弓"}).status_code == 302
    assert DangerousItem.objects.get().kind_label == "弹弓"


# Lists, filters, export, figures ----------------------------------------------------------------


def test_bad_filters_are_a_clear_4xx(cast, login):
    client = login(cast.users["principal"])
    page = client.get(reverse("ledgers:gate_list") + "?date_from=2026-13-40")
    assert page.status_code == 400 and "筛选条件有误" in page.content.decode()
    assert (
        client.get(reverse("ledgers:gate_export") + "?date_from=2026-09-05&date_to=2026-09-01").status_code
        == 400
    )
    # The same refusal as every ledger's period: 400 bad_period, naming the parameter.
    api = client.get(f"{API}/visitors?date_from=yesterday")
    assert api.status_code == 400 and api.json()["code"] == "bad_period"
    assert list(api.json()["detail"]) == ["date_from"] and "yesterday" in api.json()["message"]
    api = client.get(f"{API}/exits?date_from=2026-09-05&date_to=2026-09-01")
    assert api.status_code == 400 and api.json()["code"] == "bad_period"


def test_date_filter(cast, login):
    _visitor(cast, time_in=_at(9, days=3), name="三天前")
    _visitor(cast, name="今天")
    client = login(cast.users["principal"])
    today = timezone.localdate().isoformat()
    names = [v["name"] for v in client.get(f"{API}/visitors?date_from={today}").json()["items"]]
    assert names == ["今天"]


# Midday: a leave that began an hour ago began today (just after midnight it began yesterday).
@frozen_time(datetime(2026, 12, 7, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
def test_export_holds_only_rows_in_scope(cast, login):
    _visitor(cast, name="本校来访")
    guard_b = _guard(cast, cast.school_b)
    services.visitor_record(
        actor=guard_b,
        school=cast.school_b,
        client_key=None,
        name="外校来访",
        id_last4="0000",
        reason="x",
        host_text="y",
    )
    services.exit_record(
        actor=cast.users["gate_guard"], student_id=cast.student_a1.pk, client_key=None, action="notify_parent"
    )
    _leave(cast)
    today = timezone.localdate().isoformat()
    response = login(cast.users["principal"]).get(
        reverse("ledgers:gate_export") + f"?date_from={today}&date_to={today}"
    )
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["来访登记", "学生出校", "请假条", "危险物品"]
    visitors = [r[1] for r in book["来访登记"].iter_rows(min_row=2, values_only=True)]
    assert visitors == ["本校来访"]
    assert [r[1] for r in book["学生出校"].iter_rows(min_row=2, values_only=True)] == ["李小雨"]
    assert book["请假条"].max_row == 2
    # A guard's export has no leave sheet and only his own exits.
    guard_book = load_workbook(io.BytesIO(login(guard_b).get(reverse("ledgers:gate_export")).content))
    assert "请假条" not in guard_book.sheetnames
    assert [r[1] for r in guard_book["来访登记"].iter_rows(min_row=2, values_only=True)] == ["外校来访"]
    assert guard_book["学生出校"].max_row == 1


def test_figures_today_and_leave_share_with_a_frozen_date(cast, monkeypatch):
    guard = cast.users["gate_guard"]
    day = timezone.localdate()
    _visitor(cast, time_in=_at(8))
    _visitor(cast, time_in=_at(9))
    out = _visitor(cast, time_in=_at(10))
    services.visitor_check_out(actor=guard, visitor_id=out.pk)
    _visitor(cast, time_in=_at(9, days=1))  # yesterday's, never marked out: not today's figure
    _leave(cast, start=_at(13), end=_at(17))
    for hour in (14, 15, 16):
        services.exit_record(actor=guard, student_id=cast.student_a1.pk, client_key=None, at=_at(hour))
    services.exit_record(
        actor=guard, student_id=cast.student_a2.pk, client_key=None, action="back_to_class", at=_at(14)
    )
    services.exit_record(
        actor=guard,
        student_id=cast.student_a2.pk,
        client_key=None,
        action="back_to_class",
        at=_at(14, days=40),
    )
    figures = selectors.gate_figures(cast.users["principal"], day=day)
    assert (figures.visitors, figures.inside, figures.exits, figures.with_leave) == (3, 2, 4, 3)
    assert figures.leave_percent == 75
    assert selectors.gate_figures(_guard(cast, cast.school_b), day=day).leave_percent is None
    entries = {e.title: e for e in menu.entries(cast.users["principal"])}
    assert entries["学生出校"].percent == 75
    assert "今日来访 3 人，2 人仍在校内" in entries["来访登记"].hint


def test_menu_shows_only_what_each_role_may_use(cast):
    assert {e.title for e in menu.entries(cast.users["class_teacher"])} == {"学生出校", "请假条"}
    assert {e.title for e in menu.entries(cast.users["gate_guard"])} == {"来访登记", "学生出校", "危险物品"}
    assert menu.entries(cast.users["psych_teacher"]) == []


def test_pages_render_for_the_gate(cast, login):
    _visitor(cast)
    client = login(cast.users["gate_guard"])
    for name in (
        "gate_list",
        "gate_exits",
        "gate_items",
        "gate_visitor_new",
        "gate_exit_new",
        "gate_item_new",
    ):
        response = client.get(reverse(f"ledgers:{name}"))
        assert response.status_code == 200, name
    form = client.get(reverse("ledgers:gate_visitor_new")).content.decode()
    assert 'data-offline="ledger"' in form and 'name="client_key"' in form and "offline.js" in form
    teacher = login(cast.users["class_teacher"])
    assert teacher.get(reverse("ledgers:gate_leave_new")).status_code == 200
    assert teacher.get(reverse("ledgers:gate_leaves")).status_code == 200
    assert teacher.get(reverse("ledgers:gate_exit_new")).status_code == 403


def test_the_item_form_and_the_audit_trail_show_times_in_shanghai_not_utc(cast) -> None:
    # 02:05 UTC is 10:05 in Asia/Shanghai.
    from datetime import UTC

    from anxin.ledgers.gate.forms import ItemForm
    from anxin.ledgers.patrol import services as patrol

    guard = cast.users["gate_guard"]
    with frozen_time(datetime(2026, 12, 7, 2, 5, tzinfo=UTC)):
        services.visitor_record(
            actor=cast.users["gate_guard"],
            school=cast.school,
            client_key=uuid.uuid4(),
            name="孙爷爷",
            id_last4="1234",
            reason="送午饭",
            host_text="初一(1)班",
        )
        schools = selectors.record_schools(guard, selectors.ITEM)
        choices = ItemForm(user=guard, schools=schools).fields["visitor"].widget.choices
        point = patrol.patrol_point_create(actor=None, school=cast.school, name="B栋后楼梯")
        patrol.patrol_checkin_record(
            actor=cast.users["duty_staff"],
            token=point.token,
            client_key=uuid.uuid4(),
            finding="",
            needs_report=False,
        )
    assert any(label == "孙爷爷 · 10:05" for _pk, label in choices), choices
    event = AuditEvent.objects.filter(subject_type="ledger_patrol.patrolcheckin").latest("seq")
    assert event.subject_label.endswith("2026-12-07 10:05")
