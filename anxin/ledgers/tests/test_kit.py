from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from anxin.ledgers.gate.models import Visitor
from anxin.ledgers.hazards.models import Hazard
from anxin.ledgers.patrol.models import DormRound
from anxin.org import services as org_services
from anxin.org.models import Role
from anxin.testing import Cast

VISITORS = "/api/ledgers/gate/visitors"
VISITOR = {"name": "李爷爷", "id_last4": "123X", "host_text": "初一(1)班", "reason": "送饭"}


def _post(client, url: str, data: dict) -> tuple[int, dict]:  # noqa: ANN001
    response = client.post(url, data, content_type="application/json")
    return response.status_code, response.json()


def test_principal_who_sees_the_visitor_book_but_may_not_write_gets_403(cast: Cast, login) -> None:  # noqa: ANN001
    client = login(cast.users["principal"])
    assert _post(client, VISITORS, VISITOR)[1]["code"] == "forbidden"
    status, body = _post(client, VISITORS, {**VISITOR, "school": cast.school.pk})
    assert (status, body["code"]) == (403, "forbidden")
    assert client.get(reverse("ledgers:gate_visitor_new")).status_code == 403
    assert Visitor.objects.count() == 0


def test_school_out_of_reach_gets_404_whoever_asks(cast: Cast, login) -> None:  # noqa: ANN001
    principal = login(cast.users["principal"])
    status, body = _post(principal, VISITORS, {**VISITOR, "school": cast.school_c.pk})
    assert (status, body["code"]) == (404, "not_found")
    guard = login(cast.users["gate_guard"])
    assert _post(guard, VISITORS, {**VISITOR, "school": cast.school_b.pk})[0] == 404
    outsider = login(cast.outsider)
    assert _post(outsider, VISITORS, VISITOR)[0] == 404
    assert outsider.get(reverse("ledgers:gate_visitor_new")).status_code == 404
    assert Visitor.objects.count() == 0


def test_keeper_at_two_schools_must_name_one_with_the_same_code_everywhere(cast: Cast, login) -> None:  # noqa: ANN001
    guard = cast.users["gate_guard"]
    org_services.role_assign(actor=None, user=guard, role=Role.GATE_GUARD, unit=cast.school_b)
    org_services.role_assign(actor=None, user=guard, role=Role.DORM_STAFF, unit=cast.school)
    org_services.role_assign(actor=None, user=guard, role=Role.DORM_STAFF, unit=cast.school_b)
    client = login(guard)
    status, body = _post(client, VISITORS, VISITOR)
    assert (status, body["code"], list(body["detail"])) == (422, "school_required", ["school"])
    dorm = {"building": "1号楼", "expected": 30, "present": 30}
    status, body = _post(client, "/api/ledgers/patrol/dorm-rounds", dorm)
    assert (status, body["code"], list(body["detail"])) == (422, "school_required", ["school_id"])
    status, body = _post(client, VISITORS, {**VISITOR, "school": cast.school_b.pk})
    assert status == 201, body
    assert Visitor.objects.get().school == cast.school_b
    assert DormRound.objects.count() == 0


def test_every_ledger_refuses_a_bad_period_with_400_bad_period(cast: Cast, login) -> None:  # noqa: ANN001
    client = login(cast.users["principal"])
    for url, params in [
        ("/api/ledgers/hazards/screenings", {"start": "2026-02-30"}),
        ("/api/ledgers/hazards/reviews", {"start": "2026-09-05", "end": "2026-09-01"}),
        ("/api/ledgers/patrol/dorm-rounds", {"end": "9/1"}),
        ("/api/ledgers/gate/leaves", {"date_from": "2025-01-01", "date_to": "2026-09-01"}),
        ("/api/ledgers/education/activities", {"from": "昨天"}),
        ("/api/ledgers/education/1530/due", {"from": "2026-09-05", "to": "2026-09-01"}),
    ]:
        response = client.get(url, params)
        assert (response.status_code, response.json()["code"]) == (400, "bad_period"), url
        assert response.json()["message"] and list(response.json()["detail"]) == [next(iter(params))], url
    for name, params in [
        ("ledgers:hazards_screenings", {"start": "2026-13-01"}),
        ("ledgers:hazards_export", {"start": "2026-09-05", "end": "2026-09-01"}),
        ("ledgers:education_activities", {"from": "x"}),
        ("ledgers:patrol_dorm_export", {"start": "2025-01-01", "end": "2026-09-01"}),
        ("ledgers:gate_export", {"date_to": "tomorrow"}),
    ]:
        response = client.get(reverse(name), params)
        assert response.status_code == 400, name
        assert "日期" in response.content.decode(), name


def test_an_open_period_is_the_last_30_days_wherever_a_window_is_needed(cast: Cast, login) -> None:  # noqa: ANN001
    today = timezone.localdate()
    client = login(cast.users["principal"])
    due = client.get("/api/ledgers/education/1530/due").json()
    assert (due["start"], due["end"]) == ((today - timedelta(days=29)).isoformat(), today.isoformat())
    page = client.get(reverse("ledgers:hazards_screenings"))
    assert (page.context["start"], page.context["end"]) == (today - timedelta(days=29), today)
    page = client.get(reverse("ledgers:patrol_list"))
    assert (page.context["start"], page.context["end"]) == (today - timedelta(days=29), today)


def test_a_form_naming_no_real_school_is_a_form_error_not_a_crash(cast: Cast, login) -> None:  # noqa: ANN001
    client = login(cast.users["class_teacher"])
    for junk in ("abc", "99999999999999999999999", "-1"):
        response = client.post(reverse("ledgers:hazards_report"), {"school": junk, "description": "门锁坏了"})
        assert response.status_code == 422, junk
    assert not Hazard.objects.exists()
