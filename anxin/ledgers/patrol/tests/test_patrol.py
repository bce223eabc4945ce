from __future__ import annotations

import io
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from anxin.audit.models import AuditEvent
from anxin.core.errors import Invalid
from anxin.intake.models import Channel, Report
from anxin.ledgers.patrol import selectors, services
from anxin.ledgers.patrol.models import DormRound, DutyShift, PatrolCheckin, PatrolPoint, ShiftHandover
from anxin.ledgers.patrol.tests.samples import SAMPLES
from anxin.testing import Cast

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def _point(cast: Cast, school=None, **kw) -> PatrolPoint:  # noqa: ANN001
    return services.patrol_point_create(
        actor=cast.users["principal"] if school is None else None,
        school=school or cast.school,
        name=kw.pop("name", "三楼东厕所"),
        **kw,
    )


def _scan_url(point: PatrolPoint) -> str:
    return reverse("ledgers:patrol_scan", args=[point.token])


def _jpeg() -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(buf, format="JPEG")
    buf.seek(0)
    buf.name = "p.jpg"
    return buf


# --- QR check-in ------------------------------------------------------------------------------


def test_scan_checks_in_once_when_posted_twice_with_same_client_key(cast: Cast, login) -> None:  # noqa: ANN001
    point = _point(cast)
    client = login(cast.users["duty_staff"])
    page = client.get(_scan_url(point))
    assert page.status_code == 200
    assert "打卡" in page.content.decode()
    assert 'data-offline="ledger"' in page.content.decode()
    key = str(uuid.uuid4())
    for _ in range(2):
        response = client.post(_scan_url(point), {"client_key": key})
        assert response.status_code == 302
    assert PatrolCheckin.objects.filter(point=point).count() == 1
    assert AuditEvent.objects.filter(action="ledger.patrol.checkin").count() == 1


def test_api_checkin_is_idempotent(cast: Cast, login) -> None:  # noqa: ANN001
    point = _point(cast)
    client = login(cast.users["gate_guard"])
    body = {"token": point.token, "client_key": str(uuid.uuid4())}
    first = client.post("/api/ledgers/patrol/checkins", body, content_type="application/json")
    again = client.post("/api/ledgers/patrol/checkins", body, content_type="application/json")
    assert first.status_code == 201
    assert again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert PatrolCheckin.objects.count() == 1


def test_token_of_another_school_is_404(cast: Cast, login) -> None:  # noqa: ANN001
    other = _point(cast, school=cast.school_b)
    client = login(cast.users["duty_staff"])
    assert client.get(_scan_url(other)).status_code == 404
    assert client.post(_scan_url(other), {"client_key": str(uuid.uuid4())}).status_code == 404
    response = client.post(
        "/api/ledgers/patrol/checkins", {"token": other.token}, content_type="application/json"
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert client.get(reverse("ledgers:patrol_scan", args=["nope"])).status_code == 404
    assert PatrolCheckin.objects.count() == 0


def test_teacher_of_other_school_gets_404(cast: Cast, login) -> None:  # noqa: ANN001
    point = _point(cast)
    client = login(cast.outsider)
    assert client.get(_scan_url(point)).status_code == 404
    for name in ("patrol_home", "patrol_list", "patrol_dorm_list", "patrol_dorm_new", "patrol_points"):
        assert client.get(reverse(f"ledgers:{name}")).status_code == 404, name
    response = client.post(
        "/api/ledgers/patrol/checkins", {"token": point.token}, content_type="application/json"
    )
    assert response.status_code == 404
    assert client.get("/api/ledgers/patrol/points").json() == []


def test_finding_marked_for_report_files_a_staff_observed_report(cast: Cast, login) -> None:  # noqa: ANN001
    point = _point(cast, place_type="toilet")
    client = login(cast.users["duty_staff"])
    response = client.post(
        _scan_url(point),
        {
            "client_key": str(uuid.uuid4()),
            "finding": "两个男生堵住一名学生要钱",
            "needs_report": "on",
            "photo": _jpeg(),
        },
    )
    assert response.status_code == 302
    checkin = PatrolCheckin.objects.get()
    assert checkin.photo
    report = Report.objects.get()
    assert checkin.report_id == report.pk
    assert report.channel == Channel.STAFF_OBSERVED
    assert report.place == "toilet"
    assert report.school_id == cast.school.pk
    assert report.photos.count() == 1


def test_report_without_finding_is_refused_and_nothing_stored(cast: Cast, login) -> None:  # noqa: ANN001
    point = _point(cast)
    client = login(cast.users["duty_staff"])
    response = client.post(_scan_url(point), {"client_key": str(uuid.uuid4()), "needs_report": "on"})
    assert response.status_code == 422
    assert "请写下发现的问题" in response.content.decode()
    assert PatrolCheckin.objects.count() == 0
    bad = client.post(
        _scan_url(point), {"client_key": str(uuid.uuid4()), "photo": io.BytesIO(b"not an image")}
    )
    assert bad.status_code == 422
    assert PatrolCheckin.objects.count() == 0


def test_a_photo_too_large_is_said_at_the_photo_field(cast: Cast, login) -> None:  # noqa: ANN001
    point = _point(cast)
    client = login(cast.users["duty_staff"])
    page = client.get(_scan_url(point)).content.decode()
    assert 'data-max-bytes="10485760"' in page  # the phone checks before uploading
    big = io.BytesIO(b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024))
    big.name = "big.jpg"
    response = client.post(_scan_url(point), {"client_key": str(uuid.uuid4()), "photo": big})
    html = response.content.decode()
    assert response.status_code == 422
    message = "照片“big.jpg”超过 10 MB。"
    assert message in html
    # At the field (after the photo input), not only in a banner at the top.
    assert html.index('name="photo"') < html.index(message)
    assert PatrolCheckin.objects.count() == 0


def test_api_rejects_bad_client_key(cast: Cast, login) -> None:  # noqa: ANN001
    point = _point(cast)
    client = login(cast.users["duty_staff"])
    response = client.post(
        "/api/ledgers/patrol/checkins",
        {"token": point.token, "client_key": "x"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["code"] == "bad_client_key"


def test_gate_guard_sees_only_own_checkins_and_leader_sees_all(cast: Cast, login) -> None:  # noqa: ANN001
    point = _point(cast)
    services.patrol_checkin_record(actor=cast.users["duty_staff"], token=point.token, client_key=None)
    services.patrol_checkin_record(actor=cast.users["gate_guard"], token=point.token, client_key=None)
    guard = cast.users["gate_guard"]
    assert list(selectors.checkins_visible(guard).values_list("recorded_by", flat=True)) == [guard.pk]
    assert selectors.checkins_visible(cast.users["principal"]).count() == 2
    assert selectors.checkins_visible(cast.users["county_admin"]).count() == 2
    assert selectors.checkins_visible(cast.far_outsider).count() == 0
    response = login(guard).get("/api/ledgers/patrol/checkins")
    assert [row["recorded_by_id"] for row in response.json()["items"]] == [guard.pk]


def test_checkin_export_is_valid_xlsx_with_rows_in_scope(cast: Cast, login) -> None:  # noqa: ANN001
    mine = _point(cast, name="操场")
    services.patrol_checkin_record(actor=cast.users["duty_staff"], token=mine.token, client_key=None)
    SAMPLES["ledger_patrol_checkin"](cast, "b")  # another school's row
    response = login(cast.users["principal"]).get(reverse("ledgers:patrol_checkin_export"))
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][0] == "实验中学"
    assert rows[1][1] == "操场"


def test_bad_filters_answer_400_in_chinese(cast: Cast, login) -> None:  # noqa: ANN001
    client = login(cast.users["principal"])
    response = client.get(reverse("ledgers:patrol_list"), {"start": "2026-03-10", "end": "2026-03-01"})
    assert response.status_code == 400
    assert "开始日期不能晚于结束日期" in response.content.decode()
    assert client.get(reverse("ledgers:patrol_list"), {"start": "yesterday"}).status_code == 400
    assert client.get(reverse("ledgers:patrol_checkin_export"), {"point": "x"}).status_code == 400
    # The API refuses a bad period as every ledger does: 400 bad_period (it was 422 bad_range).
    api = client.get("/api/ledgers/patrol/checkins", {"start": "2026-03-10", "end": "2026-03-01"})
    assert (api.status_code, api.json()["code"]) == (400, "bad_period")
    api = client.get("/api/ledgers/patrol/checkins", {"start": "nope"})
    assert (api.status_code, api.json()["code"]) == (400, "bad_period")


def test_list_filters_by_point_and_recorder(cast: Cast, login) -> None:  # noqa: ANN001
    a, b = _point(cast, name="甲"), _point(cast, name="乙")
    services.patrol_checkin_record(actor=cast.users["duty_staff"], token=a.token, client_key=None)
    services.patrol_checkin_record(actor=cast.users["gate_guard"], token=b.token, client_key=None)
    client = login(cast.users["principal"])
    assert client.get(reverse("ledgers:patrol_list"), {"point": a.pk}).context["page"].paginator.count == 1
    response = client.get("/api/ledgers/patrol/checkins", {"recorder": cast.users["gate_guard"].pk})
    assert [r["point_id"] for r in response.json()["items"]] == [b.pk]


# --- completeness -----------------------------------------------------------------------------


def _checkin_at(cast: Cast, point: PatrolPoint, moment: datetime) -> None:
    PatrolCheckin.objects.create(
        school=point.school, point=point, recorded_by=cast.users["duty_staff"], recorded_at=moment
    )


def test_completeness_counts_distinct_round_windows(cast: Cast) -> None:
    toilet = _point(cast, name="厕所")
    dorm = _point(cast, name="3层", place_type="dorm_floor", building="1号楼", floor="3")
    d1, d2 = date(2026, 3, 2), date(2026, 3, 3)
    # Day 1: the toilet twice in the morning (one window), once in the afternoon; the dorm at 23:00.
    _checkin_at(cast, toilet, datetime(2026, 3, 2, 8, 0, tzinfo=SH))
    _checkin_at(cast, toilet, datetime(2026, 3, 2, 9, 0, tzinfo=SH))
    _checkin_at(cast, toilet, datetime(2026, 3, 2, 15, 0, tzinfo=SH))
    _checkin_at(cast, dorm, datetime(2026, 3, 2, 23, 0, tzinfo=SH))
    # Day 2: the dorm at 02:00 on day 3 counts for the night of day 2; a daytime dorm check-in counts nothing.
    _checkin_at(cast, dorm, datetime(2026, 3, 3, 12, 0, tzinfo=SH))
    _checkin_at(cast, dorm, datetime(2026, 3, 4, 2, 0, tzinfo=SH))
    c = selectors.checkin_completeness(cast.school, d1, d2)
    assert (c.due, c.done) == (2 * (2 + 1), 4)
    assert c.percent == 67
    services.patrol_settings_set(
        actor=cast.users["principal"], school=cast.school, day_rounds=3, night_rounds=2
    )
    c = selectors.checkin_completeness(cast.school, d1, d1)
    # Windows 00–08, 08–16, 16–24: the three toilet check-ins share one; nights 18–01, 01–08.
    assert (c.due, c.done) == (3 + 2, 2)
    assert selectors.checkin_completeness(cast.school_b, d1, d2).due == 0


def test_menu_shows_completeness_for_last_seven_days(cast: Cast, clock) -> None:  # noqa: ANN001
    from anxin.ledgers.patrol.menu import entries

    point = _point(cast)
    clock(datetime(2026, 3, 5, 10, 0, tzinfo=SH))
    _checkin_at(cast, point, datetime(2026, 3, 5, 9, 0, tzinfo=SH))
    menu = entries(cast.users["principal"])
    assert menu[0].percent == round(1 / 14 * 100)
    assert entries(cast.outsider) == []


# --- dormitory rounds -------------------------------------------------------------------------


def test_dorm_round_with_absent_bed_is_highlighted(cast: Cast, login) -> None:  # noqa: ANN001
    client = login(cast.users["dorm_staff"])
    form = client.get(reverse("ledgers:patrol_dorm_new"))
    assert 'name="client_key"' in form.content.decode()
    data = {
        "client_key": str(uuid.uuid4()),
        "building": "女生1号楼",
        "floor": "3",
        "expected": 40,
        "present": 39,
        "absent_beds": "312-4",
    }
    assert client.post(reverse("ledgers:patrol_dorm_new"), data).status_code == 302
    assert client.post(reverse("ledgers:patrol_dorm_new"), data).status_code == 302
    assert DormRound.objects.count() == 1
    page = client.get(reverse("ledgers:patrol_dorm_list")).content.decode()
    assert "312-4" in page
    assert 'data-testid="dorm-issue"' in page


def test_dorm_round_refuses_more_present_than_expected(cast: Cast, login) -> None:  # noqa: ANN001
    client = login(cast.users["dorm_staff"])
    data = {"client_key": str(uuid.uuid4()), "building": "1号楼", "expected": 10, "present": 11}
    response = client.post(reverse("ledgers:patrol_dorm_new"), data)
    assert response.status_code == 422
    assert "实到人数不能多于应到人数" in response.content.decode()
    api = client.post(
        "/api/ledgers/patrol/dorm-rounds",
        {"building": "1号楼", "expected": 10, "present": 11},
        content_type="application/json",
    )
    assert api.status_code == 422
    assert api.json()["code"] == "present_over_expected"
    assert DormRound.objects.count() == 0


def test_dorm_api_is_idempotent_and_scoped(cast: Cast, login) -> None:  # noqa: ANN001
    client = login(cast.users["dorm_staff"])
    body = {"client_key": str(uuid.uuid4()), "building": "1号楼", "floor": "2", "expected": 30, "present": 30}
    assert (
        client.post("/api/ledgers/patrol/dorm-rounds", body, content_type="application/json").status_code
        == 201
    )
    assert (
        client.post("/api/ledgers/patrol/dorm-rounds", body, content_type="application/json").status_code
        == 200
    )
    assert DormRound.objects.count() == 1
    SAMPLES["ledger_patrol_dorm"](cast, "a1")  # someone else's round in the same school
    assert client.get("/api/ledgers/patrol/dorm-rounds").json()["count"] == 1
    assert login(cast.users["principal"]).get("/api/ledgers/patrol/dorm-rounds").json()["count"] == 2
    wrong = dict(body, client_key=str(uuid.uuid4()), school_id=cast.school_b.pk)
    assert (
        client.post("/api/ledgers/patrol/dorm-rounds", wrong, content_type="application/json").status_code
        == 404
    )


def test_dorm_export_is_valid_xlsx(cast: Cast, login) -> None:  # noqa: ANN001
    services.dorm_round_record(
        actor=cast.users["dorm_staff"],
        school=cast.school,
        client_key=None,
        building="1号楼",
        expected=5,
        present=4,
        absent_beds="101-2",
    )
    SAMPLES["ledger_patrol_dorm"](cast, "c")
    response = login(cast.users["county_admin"]).get(reverse("ledgers:patrol_dorm_export"))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][6] == "101-2"


# --- points -----------------------------------------------------------------------------------


def test_points_are_managed_by_leaders_and_printed_as_qr(cast: Cast, login) -> None:  # noqa: ANN001
    client = login(cast.users["safety_officer"])
    response = client.post(
        reverse("ledgers:patrol_points"),
        {"name": "宿舍3层", "place_type": "dorm_floor", "building": "1号楼", "floor": "3"},
    )
    assert response.status_code == 302
    point = PatrolPoint.objects.get()
    printed = client.get(reverse("ledgers:patrol_points_print")).content.decode()
    assert "<svg" in printed
    assert "宿舍3层" in printed
    guard = login(cast.users["gate_guard"])
    assert guard.get(reverse("ledgers:patrol_points_print")).status_code == 404
    assert (
        guard.post(reverse("ledgers:patrol_points"), {"name": "x", "place_type": "other"}).status_code == 403
    )
    services.patrol_point_set_active(actor=cast.users["principal"], point=point, active=False)
    assert login(cast.users["duty_staff"]).get(_scan_url(point)).status_code == 404


def test_point_with_bad_type_is_refused(cast: Cast, login) -> None:  # noqa: ANN001
    client = login(cast.users["principal"])
    response = client.post(reverse("ledgers:patrol_points"), {"name": "x", "place_type": "moon"})
    assert response.status_code == 422
    assert PatrolPoint.objects.count() == 0


# --- rota -------------------------------------------------------------------------------------


def test_on_duty_now_returns_the_night_person(cast: Cast) -> None:
    principal, duty, vice = cast.users["principal"], cast.users["duty_staff"], cast.users["vice_principal"]
    day = date(2026, 3, 2)
    services.duty_shift_add(actor=principal, school=cast.school, day=day, shift="night", person=duty)
    services.duty_shift_add(
        actor=principal, school=cast.school, day=day, shift="night", person=vice, is_leader=True
    )
    services.duty_shift_add(
        actor=principal, school=cast.school, day=day + timedelta(days=1), shift="day", person=principal
    )
    assert selectors.on_duty_now(cast.school, datetime(2026, 3, 3, 2, 30, tzinfo=SH)) == [vice, duty]
    assert selectors.on_duty_now(cast.school, datetime(2026, 3, 2, 18, 0, tzinfo=SH)) == [vice, duty]
    assert selectors.on_duty_now(cast.school, datetime(2026, 3, 3, 8, 0, tzinfo=SH)) == [principal]
    assert selectors.on_duty_now(cast.school, datetime(2026, 3, 2, 17, 59, tzinfo=SH)) == []
    assert selectors.leaders_on_duty_now(cast.school, datetime(2026, 3, 3, 7, 59, tzinfo=SH)) == [vice]
    assert selectors.on_duty_now(cast.school_b, datetime(2026, 3, 3, 2, 30, tzinfo=SH)) == []


def test_rota_week_page_adds_entries_and_duty_person_sees_them(cast: Cast, login) -> None:  # noqa: ANN001
    today = timezone.localdate()
    monday = today + timedelta(days=7 - today.weekday())
    client = login(cast.users["vice_principal"])
    data = {
        "week_start": monday.isoformat(),
        "shift": "night",
        "days": ["0", "2"],
        "leader": cast.users["principal"].pk,
        "people": [cast.users["duty_staff"].pk],
    }
    assert client.post(reverse("ledgers:patrol_rota"), data).status_code == 302
    assert client.post(reverse("ledgers:patrol_rota"), data).status_code == 302
    assert DutyShift.objects.count() == 4
    assert DutyShift.objects.filter(is_leader=True).count() == 2
    mine = login(cast.users["duty_staff"]).get(reverse("ledgers:patrol_home"))
    assert mine.context["duties"].count() == 2
    duty = login(cast.users["duty_staff"])
    assert duty.post(reverse("ledgers:patrol_rota"), data).status_code == 403
    client = login(cast.users["vice_principal"])
    outsider = dict(data, people=[cast.outsider.pk])
    assert client.post(reverse("ledgers:patrol_rota"), outsider).status_code == 422
    not_monday = dict(data, week_start=(monday + timedelta(days=1)).isoformat())
    assert client.post(reverse("ledgers:patrol_rota"), not_monday).status_code == 422


# --- handover ---------------------------------------------------------------------------------


def test_handover_recorded_once_and_signed_by_receiver(cast: Cast, login) -> None:  # noqa: ANN001
    giver, receiver = cast.users["duty_staff"], cast.users["gate_guard"]
    client = login(giver)
    data = {
        "client_key": str(uuid.uuid4()),
        "receiver": receiver.pk,
        "keys": "on",
        "hazards": "on",
        "notes": "东门锁损坏，已报修",
    }
    assert client.post(reverse("ledgers:patrol_handover_new"), data).status_code == 302
    assert client.post(reverse("ledgers:patrol_handover_new"), data).status_code == 302
    handover = ShiftHandover.objects.get()
    assert handover.keys and handover.hazards and not handover.radio
    url = reverse("ledgers:patrol_handover_confirm", args=[handover.pk])
    client.post(url)
    handover.refresh_from_db()
    assert handover.received_at is None
    login(receiver).post(url)
    handover.refresh_from_db()
    assert handover.received_at is not None
    assert login(cast.outsider).post(url).status_code == 404
    bad = dict(data, client_key=str(uuid.uuid4()), receiver=cast.outsider.pk)
    assert login(giver).post(reverse("ledgers:patrol_handover_new"), bad).status_code == 422
    assert ShiftHandover.objects.count() == 1


@pytest.mark.parametrize("role", ["principal", "gate_guard", "dorm_staff", "county_admin"])
def test_pages_render_for_each_keeper(cast: Cast, login, role: str) -> None:  # noqa: ANN001
    point = _point(cast)
    services.patrol_checkin_record(
        actor=cast.users["duty_staff"], token=point.token, client_key=None, finding="楼道灯坏了"
    )
    client = login(cast.users[role])
    for name in (
        "patrol_home",
        "patrol_list",
        "patrol_dorm_list",
        "patrol_handovers",
        "patrol_rota",
        "patrol_points",
    ):
        assert client.get(reverse(f"ledgers:{name}")).status_code == 200, name
    managing = role == "principal"
    assert client.get(reverse("ledgers:patrol_points_print")).status_code == (200 if managing else 404)
    # A form page of a ledger the person can see but may not write: refused (403), not hidden.
    assert client.get(reverse("ledgers:patrol_settings")).status_code == (200 if managing else 403)
    recording = role in ("gate_guard", "dorm_staff")
    for name in ("patrol_dorm_new", "patrol_handover_new"):
        assert client.get(reverse(f"ledgers:{name}")).status_code == (200 if recording else 403), name
    index = client.get(reverse("ledgers:index")).content.decode()
    assert "值班巡逻" in index


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"name": " "}, "name_required", "name"),
        ({"name": "厕" * 61}, "name_too_long", "name"),
        ({"building": "楼" * 41}, "building_too_long", "building"),
        ({"floor": "1" * 11}, "floor_too_long", "floor"),
        ({"name": 5}, "bad_text", "name"),
    ],
)
def test_each_point_field_refusal_has_its_own_code(cast: Cast, fields: dict, code: str, field: str) -> None:
    with pytest.raises(Invalid) as exc:
        _point(cast, **fields)
    assert (exc.value.code, list(exc.value.detail)) == (code, [field])


def test_a_rota_date_that_is_not_a_date_is_bad_date(cast: Cast) -> None:
    with pytest.raises(Invalid) as exc:
        services.duty_shift_add(
            actor=cast.users["principal"],
            school=cast.school,
            day="周五",
            shift="day",
            person=cast.users["duty_staff"],
        )
    assert exc.value.code == "bad_date"
