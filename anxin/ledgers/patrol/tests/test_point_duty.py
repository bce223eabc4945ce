"""A patrol point's required frequency and responsible person (the missed-round reminder)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from anxin.ledgers.patrol import services
from anxin.ledgers.patrol.models import PatrolPoint
from anxin.testing import Cast

API = "/api/ledgers/patrol/points"


@pytest.fixture
def point(cast: Cast) -> PatrolPoint:
    return services.patrol_point_create(
        actor=cast.users["safety_officer"], school=cast.school, name="操场东北角", place_type="playground"
    )


def _put(client, pk: int, body: dict):  # noqa: ANN001, ANN202
    return client.put(f"{API}/{pk}/duty", body, content_type="application/json")


@pytest.mark.django_db
def test_a_point_follows_the_school_until_given_its_own_frequency(
    cast: Cast, point: PatrolPoint, login
) -> None:  # noqa: ANN001
    client = login(cast.users["safety_officer"])
    services.patrol_settings_set(
        actor=cast.users["safety_officer"], school=cast.school, day_rounds=3, night_rounds=1
    )
    assert point.required(3, 1) == ("day", 3)
    keeper = cast.users["duty_staff"]
    body = _put(client, point.pk, {"frequency": "week", "rounds": 2, "responsible": keeper.pk}).json()
    assert body["frequency"] == "week" and body["rounds"] == 2 and body["responsible_id"] == keeper.pk
    point.refresh_from_db()
    assert point.required(3, 1) == ("week", 2)
    listed = client.get(reverse("ledgers:patrol_points")).content.decode()
    assert "每周 2 次" in listed and str(keeper) in listed
    back = _put(client, point.pk, {"frequency": "", "rounds": None, "responsible": None}).json()
    assert back["frequency"] == "" and back["responsible_id"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"frequency": "month"}, "bad_point_frequency"),
        ({"frequency": "day", "rounds": 0}, "bad_rounds"),
        ({"frequency": "day", "rounds": 13}, "bad_rounds"),
        ({"rounds": "很多"}, "invalid_input"),
        ({"responsible": 999999}, "bad_person"),
    ],
)
def test_bad_duty_inputs_are_422_with_a_code_and_change_nothing(
    cast: Cast,
    point: PatrolPoint,
    login,
    body,
    code,  # noqa: ANN001
) -> None:
    response = _put(login(cast.users["safety_officer"]), point.pk, body)
    assert response.status_code == 422 and response.json()["code"] == code
    point.refresh_from_db()
    assert (point.frequency, point.rounds, point.responsible_id) == ("", None, None)


@pytest.mark.django_db
def test_a_person_of_another_school_cannot_be_responsible(cast: Cast, point: PatrolPoint, login) -> None:  # noqa: ANN001
    response = _put(login(cast.users["safety_officer"]), point.pk, {"responsible": cast.outsider.pk})
    assert response.status_code == 422 and response.json()["code"] == "bad_person"


@pytest.mark.django_db
def test_outsiders_get_404(cast: Cast, point: PatrolPoint, login) -> None:  # noqa: ANN001
    for outsider in (cast.outsider, cast.far_outsider):
        client = login(outsider)
        assert _put(client, point.pk, {"frequency": "day"}).status_code == 404
        assert client.get(reverse("ledgers:patrol_point_edit", args=[point.pk])).status_code == 404
    point.refresh_from_db()
    assert point.frequency == ""


@pytest.mark.django_db
def test_edit_page_saves_and_refuses_bad_rounds(cast: Cast, point: PatrolPoint, login) -> None:  # noqa: ANN001
    client = login(cast.users["safety_officer"])
    url = reverse("ledgers:patrol_point_edit", args=[point.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"frequency": "night", "rounds": "0"})
    assert bad.status_code in (400, 422) and "1" in bad.content.decode()
    point.refresh_from_db()
    assert point.frequency == ""
    ok = client.post(url, {"frequency": "night", "rounds": "2", "responsible": cast.users["dorm_staff"].pk})
    assert ok.status_code == 302
    point.refresh_from_db()
    assert (point.frequency, point.rounds, point.responsible) == ("night", 2, cast.users["dorm_staff"])


@pytest.mark.django_db
def test_new_point_form_takes_frequency(cast: Cast, login) -> None:  # noqa: ANN001
    client = login(cast.users["safety_officer"])
    response = client.post(
        reverse("ledgers:patrol_points"),
        {"name": "食堂后门", "place_type": "canteen", "frequency": "week", "rounds": "1"},
    )
    assert response.status_code == 302
    assert PatrolPoint.objects.get(name="食堂后门").required(2, 1) == ("week", 1)
    # a weekly point without a responsible person is the safety officer's, as its reminder says
    listed = client.get(reverse("ledgers:patrol_points")).content.decode()
    assert "每周 1 次 · 责任人：安全管理员" in listed


@pytest.mark.django_db
def test_completeness_counts_a_points_own_frequency(cast: Cast, point: PatrolPoint) -> None:
    from datetime import date, datetime

    from anxin.ledgers.patrol.models import PatrolCheckin
    from anxin.ledgers.patrol.selectors import checkin_completeness
    from anxin.testing import SHANGHAI

    officer = cast.users["safety_officer"]
    services.patrol_point_set_duty(actor=officer, point=point, frequency="night", rounds=2, responsible=None)
    weekly = services.patrol_point_create(actor=officer, school=cast.school, name="配电房", frequency="week")
    day = date(2026, 11, 25)
    for moment in (datetime(2026, 11, 25, 19, tzinfo=SHANGHAI), datetime(2026, 11, 26, 3, tzinfo=SHANGHAI)):
        PatrolCheckin.objects.create(school=cast.school, recorded_by=officer, point=point, recorded_at=moment)
    PatrolCheckin.objects.create(
        school=cast.school,
        recorded_by=officer,
        point=weekly,
        recorded_at=datetime(2026, 11, 25, 9, tzinfo=SHANGHAI),
    )
    c = checkin_completeness(cast.school, day, day)
    assert (c.due, c.done) == (2, 2)  # two night windows of the point; the weekly point is not in it
