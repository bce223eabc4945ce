from __future__ import annotations

import io
import uuid
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from anxin.audit.models import AuditEvent
from anxin.core.errors import Conflict, Invalid
from anxin.ledgers.hazards import selectors, services
from anxin.ledgers.hazards.models import Camera, Hazard, HazardStatus, KeyPlace, Screening
from anxin.testing import Cast

API = "/api/ledgers/hazards"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:  # noqa: ANN001
    settings.MEDIA_ROOT = tmp_path


def _png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 200, 0)).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = "light.png"
    return buffer


def _place(
    cast: Cast, name: str = "B栋后楼梯", kind: str = "stairs", school=None, frequency: int = 7
) -> KeyPlace:  # noqa: ANN001
    return services.place_create(
        actor=cast.users["safety_officer"],
        school=school or cast.school,
        name=name,
        kind=kind,
        location="B栋",
        responsible_id=cast.users["duty_staff"].pk,
        frequency_days=frequency,
    )


def _post(client, url: str, data: dict):  # noqa: ANN001, ANN202
    return client.post(url, data, content_type="application/json")


@pytest.mark.django_db
def test_scenario_6_broken_light_full_loop_through_the_api(cast: Cast, client) -> None:  # noqa: ANN001
    place = _place(cast)
    officer, principal, duty = cast.users["safety_officer"], cast.users["principal"], cast.users["duty_staff"]
    client.force_login(officer)
    response = _post(
        client,
        f"{API}/screenings",
        {
            "client_key": str(uuid.uuid4()),
            "place": place.pk,
            "result": "found",
            "notes": "B栋后楼梯照明灯损坏",
        },
    )
    assert response.status_code == 201, response.content
    hazard_id = response.json()["hazard"]
    hazard = Hazard.objects.get(pk=hazard_id)
    assert hazard.status == HazardStatus.FOUND and hazard.place == place

    friday = timezone.localdate() + timedelta(days=(4 - timezone.localdate().weekday()) % 7)
    url = f"{API}/items/{hazard_id}/transitions"
    response = _post(client, url, {"action": "start", "owner": duty.pk, "deadline": friday.isoformat()})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "rectifying" and response.json()["deadline"] == friday.isoformat()

    client.force_login(duty)
    response = client.post(url, {"action": "rectify", "note": "已更换灯管", "photo": _png()})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "rectified" and body["photo_url"]
    assert client.get(body["photo_url"]).status_code == 200

    client.force_login(principal)
    response = _post(client, url, {"action": "accept"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "closed"
    assert [s["action"] for s in body["steps"]] == ["report", "start", "rectify", "accept"]
    actions = set(
        AuditEvent.objects.filter(subject_id=str(hazard_id), action__startswith="hazard.").values_list(
            "action", flat=True
        )
    )
    assert actions == {"hazard.reported", "hazard.start", "hazard.rectify", "hazard.accept"}


@pytest.mark.django_db
def test_rectify_without_photo_is_422_naming_the_field(cast: Cast, client) -> None:  # noqa: ANN001
    hazard = _started(cast)
    client.force_login(cast.users["duty_staff"])
    response = client.post(f"{API}/items/{hazard.pk}/transitions", {"action": "rectify"})
    assert response.status_code == 422
    assert response.json()["code"] == "missing_inputs" and "photo" in response.json()["detail"]
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.RECTIFYING


@pytest.mark.django_db
def test_start_without_owner_and_deadline_names_both(cast: Cast, client) -> None:  # noqa: ANN001
    hazard = _reported(cast)
    client.force_login(cast.users["safety_officer"])
    response = _post(client, f"{API}/items/{hazard.pk}/transitions", {"action": "start"})
    assert response.status_code == 422
    assert set(response.json()["detail"]) == {"owner", "deadline"}


@pytest.mark.django_db
def test_an_owner_from_another_school_is_owner_not_staff(cast: Cast, client) -> None:  # noqa: ANN001
    hazard = _reported(cast)
    client.force_login(cast.users["safety_officer"])
    deadline = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = _post(
        client,
        f"{API}/items/{hazard.pk}/transitions",
        {"action": "start", "owner": cast.outsider.pk, "deadline": deadline},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "owner_not_staff" and list(response.json()["detail"]) == ["owner"]


@pytest.mark.django_db
def test_a_key_place_of_another_school_is_bad_key_place(cast: Cast) -> None:
    other = services.place_create(
        actor=None, school=cast.school_b, name="东门", kind="stairs", responsible_id=cast.outsider.pk
    )
    with pytest.raises(Invalid) as exc:
        services.hazard_report(
            actor=cast.users["safety_officer"],
            school=cast.school,
            client_key=None,
            description="灯坏",
            place_id=other.pk,
        )
    assert exc.value.code == "bad_key_place"


@pytest.mark.django_db
def test_a_transition_body_that_is_not_json_is_bad_json(cast: Cast, client) -> None:  # noqa: ANN001
    hazard = _reported(cast)
    client.force_login(cast.users["safety_officer"])
    url = f"{API}/items/{hazard.pk}/transitions"
    for body in ("{", "[1]"):
        response = client.post(url, body, content_type="application/json")
        assert (response.status_code, response.json()["code"]) == (422, "bad_json")


@pytest.mark.django_db
def test_a_move_the_state_does_not_allow_is_409(cast: Cast, client) -> None:  # noqa: ANN001
    hazard = _reported(cast)
    client.force_login(cast.users["principal"])
    response = _post(client, f"{API}/items/{hazard.pk}/transitions", {"action": "accept"})
    assert response.status_code == 409
    assert response.json()["code"] == "transition_not_allowed"
    assert Hazard.objects.get(pk=hazard.pk).status == HazardStatus.FOUND


@pytest.mark.django_db
def test_the_rectifier_cannot_strike_off_their_own_work(cast: Cast) -> None:
    officer = cast.users["safety_officer"]
    hazard = _reported(cast)
    hazard = services.hazard_transition(
        actor=officer, hazard=hazard, action="start", owner_id=officer.pk, deadline=timezone.localdate()
    )
    hazard = services.hazard_transition(
        actor=officer, hazard=hazard, action="rectify", photo=_png(), photo_name="a.png"
    )
    with pytest.raises(Conflict) as exc:
        services.hazard_transition(actor=officer, hazard=hazard, action="accept")
    assert exc.value.code == "same_person"
    with pytest.raises(Invalid):
        services.hazard_transition(actor=cast.users["principal"], hazard=hazard, action="reject")
    hazard = services.hazard_transition(
        actor=cast.users["principal"], hazard=hazard, action="reject", reason="灯仍不亮"
    )
    assert hazard.status == HazardStatus.RECTIFYING


@pytest.mark.django_db
def test_only_the_task_owner_rectifies(cast: Cast, client) -> None:  # noqa: ANN001
    hazard = _started(cast)
    reporter = cast.users["class_teacher"]
    Hazard.objects.filter(pk=hazard.pk).update(recorded_by=reporter)
    client.force_login(reporter)
    response = client.post(f"{API}/items/{hazard.pk}/transitions", {"action": "rectify", "photo": _png()})
    assert response.status_code == 403
    assert response.json()["code"] == "not_task_owner"


@pytest.mark.django_db
def test_overdue_selector_and_list_highlight(cast: Cast, client) -> None:  # noqa: ANN001
    today = timezone.localdate()
    late = _started(cast, deadline=timezone.localdate())
    Hazard.objects.filter(pk=late.pk).update(deadline=today - timedelta(days=1))
    on_time = _started(cast, deadline=timezone.localdate())
    Hazard.objects.filter(pk=on_time.pk).update(deadline=today)
    assert list(selectors.overdue_hazards(cast.school, today)) == [Hazard.objects.get(pk=late.pk)]
    assert list(selectors.overdue_hazards(cast.school_b, today)) == []
    client.force_login(cast.users["principal"])
    page = client.get(reverse("ledgers:hazards_list"), {"overdue": "1"})
    assert page.status_code == 200
    assert 'data-testid="overdue"' in page.content.decode()
    assert page.context["hazards"] == [Hazard.objects.get(pk=late.pk)]


@pytest.mark.django_db
def test_a_key_place_without_working_camera_is_flagged(cast: Cast, client) -> None:  # noqa: ANN001
    stairs = _place(cast)
    _place(cast, name="操场角落", kind="other")
    officer = cast.users["safety_officer"]
    qs = KeyPlace.objects.filter(school=cast.school)
    assert list(selectors.uncovered_places(qs)) == [stairs]
    camera = services.camera_create(actor=officer, school=cast.school, place_id=stairs.pk, name="B-01")
    assert list(selectors.uncovered_places(qs)) == []
    services.camera_set_status(actor=officer, camera=camera, status="broken")
    assert list(selectors.uncovered_places(qs)) == [stairs]
    client.force_login(officer)
    page = client.get(reverse("ledgers:hazards_list"))
    assert "无视频覆盖" in page.content.decode()
    places = client.get(f"{API}/places").json()["items"]
    assert {p["name"]: p["camera_covered"] for p in places} == {"B栋后楼梯": False, "操场角落": True}


@pytest.mark.django_db
def test_completeness_counts_windows_of_each_place(cast: Cast) -> None:
    weekly = _place(cast, name="一楼厕所", kind="toilet", frequency=7)
    daily = _place(cast, name="宿舍走廊", kind="dormitory", frequency=1)
    start, end = date(2026, 11, 1), date(2026, 11, 14)
    KeyPlace.objects.filter(pk__in=[weekly.pk, daily.pk]).update(
        created_at=timezone.make_aware(datetime(2026, 10, 1))
    )
    officer = cast.users["safety_officer"]

    def screen(place: KeyPlace, day: date) -> None:
        Screening.objects.create(
            school=cast.school, recorded_by=officer, place=place, result="normal", screened_on=day
        )

    screen(weekly, date(2026, 11, 2))
    screen(weekly, date(2026, 11, 3))  # the same week: still one window
    for d in range(1, 8):
        screen(daily, date(2026, 11, d))
    screen(daily, date(2026, 10, 31))  # before the period
    total, rows = selectors.screening_completeness(KeyPlace.objects.filter(school=cast.school), start, end)
    by_place = {r.place.name: (r.done, r.due) for r in rows}
    assert by_place == {"一楼厕所": (1, 2), "宿舍走廊": (7, 14)}
    assert (total.done, total.due, total.percent) == (8, 16, 50)


@pytest.mark.django_db
def test_same_client_key_twice_stores_one_screening_through_api_and_page(cast: Cast, client) -> None:  # noqa: ANN001
    place = _place(cast)
    client.force_login(cast.users["safety_officer"])
    key = str(uuid.uuid4())
    payload = {"client_key": key, "place": place.pk, "result": "found", "notes": "灯坏了"}
    assert _post(client, f"{API}/screenings", payload).status_code == 201
    assert _post(client, f"{API}/screenings", payload).status_code == 200
    assert Screening.objects.count() == 1 and Hazard.objects.count() == 1
    key2 = str(uuid.uuid4())
    form = {
        "school": cast.school.pk,
        "client_key": key2,
        "place": place.pk,
        "result": "normal",
        "screened_on": timezone.localdate().isoformat(),
    }
    url = reverse("ledgers:hazards_screening_new")
    assert client.post(url, form).status_code == 302
    assert client.post(url, form).status_code == 302
    assert Screening.objects.count() == 2


@pytest.mark.django_db
def test_any_staff_reports_a_hazard_once_and_sees_only_their_own(cast: Cast, client) -> None:  # noqa: ANN001
    place = _place(cast)
    other = _reported(cast)
    teacher = cast.users["class_teacher"]
    client.force_login(teacher)
    key = str(uuid.uuid4())
    form = {"school": cast.school.pk, "client_key": key, "place": place.pk, "description": "三楼厕所门锁坏了"}
    assert client.post(reverse("ledgers:hazards_report"), form).status_code == 302
    assert client.post(reverse("ledgers:hazards_report"), form).status_code == 302
    mine = Hazard.objects.get(client_key=key)
    assert Hazard.objects.filter(recorded_by=teacher).count() == 1
    response = _post(client, f"{API}/items", {"client_key": key, "description": "三楼厕所门锁坏了"})
    assert response.status_code == 200 and response.json()["id"] == mine.pk
    ids = [h["id"] for h in client.get(f"{API}/items").json()["items"]]
    assert ids == [mine.pk]
    assert client.get(f"{API}/items/{other.pk}").status_code == 404
    assert _post(client, f"{API}/screenings", {"place": place.pk, "result": "normal"}).status_code == 404


@pytest.mark.django_db
def test_missing_description_is_422(cast: Cast, client) -> None:  # noqa: ANN001
    client.force_login(cast.users["gate_guard"])
    response = _post(client, f"{API}/items", {"description": "  "})
    assert response.status_code == 422 and "description" in response.json()["detail"]
    assert Hazard.objects.count() == 0


@pytest.mark.django_db
def test_teacher_of_other_school_gets_404(cast: Cast, client) -> None:  # noqa: ANN001
    hazard = _started(cast)
    client.force_login(cast.outsider)
    assert client.get(reverse("ledgers:hazards_detail", args=[hazard.pk])).status_code == 404
    assert client.get(reverse("ledgers:hazards_photo", args=[hazard.pk])).status_code == 404
    assert client.get(f"{API}/items/{hazard.pk}").status_code == 404
    assert _post(client, f"{API}/items/{hazard.pk}/transitions", {"action": "accept"}).status_code == 404
    assert client.get(reverse("ledgers:hazards_screenings")).status_code == 404
    assert client.get(f"{API}/places").json()["items"] == []
    assert client.get(f"{API}/items").json()["items"] == []


@pytest.mark.django_db
def test_county_admin_views_but_cannot_act(cast: Cast, client) -> None:  # noqa: ANN001
    hazard = _reported(cast)
    client.force_login(cast.users["county_admin"])
    assert client.get(f"{API}/items/{hazard.pk}").status_code == 200
    response = _post(client, f"{API}/items/{hazard.pk}/transitions", {"action": "start"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_export_is_valid_xlsx_with_only_rows_in_scope(cast: Cast, client) -> None:  # noqa: ANN001
    mine = _started(cast)
    place_b = KeyPlace.objects.create(
        school=cast.school_b, name="B校楼梯", kind="stairs", responsible=cast.outsider
    )
    Hazard.objects.create(
        school=cast.school_b, recorded_by=cast.outsider, place=place_b, description="外校隐患"
    )
    services.screening_record(
        actor=cast.users["safety_officer"],
        school=cast.school,
        client_key=None,
        place_id=mine.place_id,
        result="normal",
    )
    client.force_login(cast.users["principal"])
    today = timezone.localdate().isoformat()
    response = client.get(reverse("ledgers:hazards_export"), {"start": today, "end": today})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["隐患整改", "隐患排查", "录像回看"]
    hazards = list(book["隐患整改"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in hazards] == [mine.pk]
    assert "下达整改" in hazards[0][-1]
    assert len(list(book["隐患排查"].iter_rows(min_row=2))) == 1
    bad = client.get(reverse("ledgers:hazards_export"), {"start": "2026-13-01"})
    assert bad.status_code == 400 and "日期格式不正确" in bad.content.decode()


@pytest.mark.django_db
def test_footage_review_recorded_once(cast: Cast, client) -> None:  # noqa: ANN001
    place = _place(cast)
    officer = cast.users["safety_officer"]
    camera = services.camera_create(actor=officer, school=cast.school, place_id=place.pk, name="B-01")
    client.force_login(cast.users["moral_director"])
    now = timezone.now()
    payload = {
        "client_key": str(uuid.uuid4()),
        "cameras": [camera.pk],
        "period_from": (now - timedelta(hours=3)).isoformat(),
        "period_to": (now - timedelta(hours=1)).isoformat(),
        "findings": "未见异常",
    }
    assert _post(client, f"{API}/reviews", payload).status_code == 201
    assert _post(client, f"{API}/reviews", payload).status_code == 200
    body = client.get(f"{API}/reviews").json()["items"]
    assert len(body) == 1 and body[0]["cameras"][0]["name"] == "B-01"
    wrong = {**payload, "client_key": str(uuid.uuid4()), "period_to": payload["period_from"]}
    assert _post(client, f"{API}/reviews", wrong).status_code == 422
    missing = _post(client, f"{API}/reviews", {"cameras": []})
    assert missing.status_code == 422 and {"cameras", "period_from", "period_to"} <= set(
        missing.json()["detail"]
    )


@pytest.mark.django_db
def test_places_and_cameras_api_and_manage_rights(cast: Cast, client) -> None:  # noqa: ANN001
    client.force_login(cast.users["safety_officer"])
    response = _post(
        client,
        f"{API}/places",
        {"name": "食堂后门", "kind": "canteen", "responsible": cast.users["duty_staff"].pk},
    )
    assert response.status_code == 201 and response.json()["camera_covered"] is False
    place_id = response.json()["id"]
    response = _post(client, f"{API}/cameras", {"place": place_id, "name": "ST-1"})
    assert response.status_code == 201
    assert (
        _post(
            client, f"{API}/places", {"name": "x", "kind": "canteen", "responsible": cast.outsider.pk}
        ).status_code
        == 422
    )
    client.force_login(cast.users["moral_director"])
    assert _post(client, f"{API}/cameras", {"place": place_id, "name": "ST-2"}).status_code == 403
    assert Camera.objects.count() == 1


@pytest.mark.django_db
def test_pages_render_and_rectify_through_the_page(cast: Cast, client) -> None:  # noqa: ANN001
    hazard = _started(cast)
    client.force_login(cast.users["duty_staff"])
    url = reverse("ledgers:hazards_detail", args=[hazard.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="action-rectify"' in page.content.decode()
    no_photo = client.post(url, {"action": "rectify"})
    assert no_photo.status_code == 422 and "缺少必填项" in no_photo.content.decode()
    assert client.post(url, {"action": "rectify", "photo": _png()}).status_code == 302
    assert Hazard.objects.get(pk=hazard.pk).status == HazardStatus.RECTIFIED
    client.force_login(cast.users["safety_officer"])
    for name in (
        "hazards_list",
        "hazards_screenings",
        "hazards_places",
        "hazards_cameras",
        "hazards_reviews",
        "hazards_report",
        "hazards_screening_new",
        "hazards_review_new",
    ):
        assert client.get(reverse(f"ledgers:{name}")).status_code == 200, name
    index = client.get(reverse("ledgers:index")).content.decode()
    assert "隐患排查" in index and "完成率" in index


def _reported(cast: Cast) -> Hazard:
    place = KeyPlace.objects.filter(school=cast.school).first() or _place(cast)
    return services.hazard_report(
        actor=cast.users["safety_officer"],
        school=cast.school,
        client_key=None,
        description="B栋后楼梯灯坏",
        place_id=place.pk,
    ).entry


def _started(cast: Cast, deadline: date | None = None) -> Hazard:
    return services.hazard_transition(
        actor=cast.users["safety_officer"],
        hazard=_reported(cast),
        action="start",
        owner_id=cast.users["duty_staff"].pk,
        deadline=deadline or timezone.localdate() + timedelta(days=3),
    )


@pytest.mark.django_db
def test_camera_status_change_flags_the_place(cast: Cast, client) -> None:  # noqa: ANN001
    place = _place(cast)
    camera = services.camera_create(
        actor=cast.users["safety_officer"], school=cast.school, place_id=place.pk, name="B-01"
    )
    client.force_login(cast.users["principal"])
    response = _post(client, f"{API}/cameras/{camera.pk}/status", {"status": "broken"})
    assert response.status_code == 200 and response.json()["status_label"] == "故障"
    assert client.get(f"{API}/places").json()["items"][0]["camera_covered"] is False
    assert _post(client, f"{API}/cameras/{camera.pk}/status", {"status": "x"}).status_code == 422
    client.force_login(cast.outsider)
    assert _post(client, f"{API}/cameras/{camera.pk}/status", {"status": "ok"}).status_code == 404
