from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client

from anxin.intake.models import Report
from anxin.testing import Cast, Login

from ..services import rebuild
from .test_counts import START, TODAY, world  # noqa: F401 - the fixture

STUDENT_NAMES = ("李小雨", "王小磊", "陈小明", "周小红", "吴小军")


def rows(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-testid="school-row" data-school="(\d+)"', html)}


@pytest.fixture
def counted(world: Cast) -> Cast:  # noqa: F811
    rebuild(START, TODAY)
    return world


@pytest.mark.django_db
def test_county_admin_sees_its_schools_only(counted: Cast, login: Login) -> None:
    cast = counted
    html = login(cast.users["county_admin"]).get("/oversight/").content.decode()
    assert rows(html) == {cast.school.pk, cast.school_b.pk}
    assert cast.school_c.name not in html


@pytest.mark.django_db
def test_city_admin_sees_every_school_of_the_city(counted: Cast, login: Login) -> None:
    cast = counted
    html = login(cast.users["city_admin"]).get("/oversight/").content.decode()
    assert {cast.school.pk, cast.school_b.pk, cast.school_c.pk} <= rows(html)
    # The city first sees its counties, each leading to its schools.
    counties = re.findall(r'data-testid="county-row" data-county="(\d+)"', html)
    assert counties == [str(cast.county.pk), str(cast.county2.pk)]
    overdue = html.split(f'data-county="{cast.county.pk}"')[1].split("</tr>")[0]
    assert 'text-danger fw-semibold">1<' in overdue
    only_c = login(cast.users["city_admin"]).get(f"/oversight/?county={cast.county2.pk}").content.decode()
    assert rows(only_c) == {cast.school_c.pk} and 'data-testid="county-row"' not in only_c


@pytest.mark.django_db
def test_inspector_sees_the_schools_of_its_county(counted: Cast, login: Login) -> None:
    cast = counted
    html = login(cast.users["inspector"]).get("/oversight/").content.decode()
    assert rows(html) == {cast.school.pk, cast.school_b.pk}


@pytest.mark.django_db
def test_county_admin_gets_404_for_another_county(counted: Cast, login: Login) -> None:
    cast = counted
    client = login(cast.users["county_admin"])
    assert client.get(f"/oversight/?county={cast.county2.pk}").status_code == 404
    assert client.get(f"/api/oversight/dashboard?school={cast.school_c.pk}").status_code == 404
    assert client.get(f"/api/oversight/counts?metric=reports&school={cast.school_c.pk}").status_code == 404


@pytest.mark.django_db
def test_school_staff_and_outsiders_get_404(counted: Cast, login: Login, client: Client) -> None:
    cast = counted
    for user in (cast.users["principal"], cast.users["class_teacher"], cast.outsider):
        c = login(user)
        assert c.get("/oversight/").status_code == 404
        assert c.get("/api/oversight/dashboard").status_code == 404
    assert login(cast.users["class_teacher"]).get("/oversight/screen/").status_code == 404
    client.logout()
    assert client.get("/api/oversight/dashboard").status_code == 401


@pytest.mark.django_db
def test_dashboard_shows_the_figures_and_drills_to_the_case_list(counted: Cast, login: Login) -> None:
    cast = counted
    html = login(cast.users["county_admin"]).get("/oversight/?sort=-overdue").content.decode()
    assert f'href="/cases/?school={cast.school.pk}&amp;overdue=1" data-testid="drill-overdue">1<' in html
    assert f'href="/cases/?school={cast.school.pk}&amp;serious=1" data-testid="drill-serious">1<' in html
    assert 'data-testid="total-reports">2<' in html
    assert 'data-testid="no-poster"' in html
    # Sorted by overdue, most first: school A before school B.
    assert html.index(f'data-school="{cast.school.pk}"') < html.index(f'data-school="{cast.school_b.pk}"')
    # The charts are drawn from bundled files, and each is also a table.
    assert "/static/echarts/echarts.min.js" in html and 'data-testid="place-time-grid"' in html
    assert "<table" in html.split('data-testid="place-time-grid"')[1]


@pytest.mark.django_db
def test_no_name_on_the_dashboard_the_screen_or_the_api(counted: Cast, login: Login) -> None:
    cast = counted
    client = login(cast.users["city_admin"])
    pages = [
        client.get("/oversight/").content.decode(),
        client.get("/oversight/screen/").content.decode(),
        client.get("/api/oversight/dashboard").content.decode("unicode_escape"),
        login(cast.users["principal"]).get("/oversight/screen/").content.decode(),
    ]
    for page in pages:
        for name in STUDENT_NAMES:
            assert name not in page


@pytest.mark.django_db
def test_principal_sees_only_their_school_on_the_big_screen(counted: Cast, login: Login) -> None:
    cast = counted
    client = login(cast.users["principal"])
    response = client.get("/oversight/screen/")
    html = response.content.decode()
    assert response.status_code == 200
    assert cast.school.name in html and cast.school_b.name not in html
    assert 'data-refresh="60"' in html and "/static/oversight/screen.js" in html
    assert client.get(f"/oversight/screen/?school={cast.school_b.pk}").status_code == 404
    far = login(cast.far_outsider).get("/oversight/screen/").content.decode()
    assert cast.school_c.name in far and cast.school.name not in far


@pytest.mark.django_db
def test_bureau_big_screen_lists_its_schools(counted: Cast, login: Login) -> None:
    cast = counted
    html = login(cast.users["county_admin"]).get("/oversight/screen/").content.decode()
    assert 'data-testid="screen-overdue">1<' in html
    assert cast.school.name in html and cast.school_c.name not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("since=2026-13-01", "bad_date"),
        ("since=yesterday", "bad_date"),
        ("until=2026-01-01&since=2026-02-01", "bad_period"),
        ("since=2010-01-01&until=2026-01-01", "bad_period"),
        ("sort=salary", "bad_filter"),
        ("sort=--name", "bad_filter"),
        ("county=abc", "bad_filter"),
        ("county=99999999999999999999999", "bad_filter"),
    ],
)
def test_bad_input_on_the_page_is_a_400_in_chinese(
    counted: Cast, login: Login, query: str, code: str
) -> None:
    response = login(counted.users["city_admin"]).get(f"/oversight/?{query}")
    assert response.status_code == 400
    assert f'data-code="{code}"' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("dashboard?since=2026-02-30", 422, "bad_date"),
        ("dashboard?since=2026-11-01&until=2026-10-01", 422, "bad_period"),
        ("counts?metric=salary", 422, "bad_metric"),
        ("counts", 422, "invalid_input"),
        ("counts?metric=reports&until=x", 422, "bad_date"),
        ("counts?metric=reports&school=abc", 404, "not_found"),
        ("counts?metric=reports&school=99999999999999999999999", 404, "not_found"),
    ],
)
def test_bad_input_in_the_api_is_a_4xx_with_a_code(
    counted: Cast, login: Login, query: str, status: int, code: str
) -> None:
    response = login(counted.users["city_admin"]).get(f"/api/oversight/{query}")
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code
    assert re.search(r"[\u4e00-\u9fff]", body["message"])


@pytest.mark.django_db
def test_api_counts_and_dashboard_agree_with_the_table(counted: Cast, login: Login) -> None:
    cast = counted
    client = login(cast.users["county_admin"])
    body = client.get(f"/api/oversight/counts?metric=reports&since=2026-11-01&school={cast.school.pk}").json()
    assert body["points"] == [{"day": "2026-11-02", "key": "box", "value": 2}]
    board = client.get("/api/oversight/dashboard?since=2026-10-01&until=2026-11-10").json()
    by_id = {s["school_id"]: s for s in board["schools"]}
    assert set(by_id) == {cast.school.pk, cast.school_b.pk}
    a = by_id[cast.school.pk]
    assert (a["reports"], a["urgent"], a["overdue_cases"], a["serious_open"], a["ack_average_minutes"]) == (
        2,
        1,
        1,
        1,
        30,
    )
    cell = next(c for c in board["place_time"] if c["place"] == "toilet" and c["time_band"] == "break")
    assert cell["reports"] == 2
    assert board["totals"]["warnings_open"] == 1


@pytest.mark.django_db
def test_menu_shows_the_dashboard_to_the_bureau(counted: Cast, login: Login) -> None:
    html = login(counted.users["county_admin"]).get("/").content.decode()
    assert 'href="/oversight/"' in html
    assert 'href="/oversight/"' not in login(counted.users["class_teacher"]).get("/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("since", "until"),
    [
        (date(2026, 10, 15), date(2026, 11, 5)),
        (date(2026, 10, 1), date(2026, 11, 10)),
        (date(2026, 10, 1), date(2026, 10, 31)),
        (date(2026, 9, 20), date(2026, 11, 2)),
        (date(2026, 11, 2), date(2026, 11, 2)),
    ],
)
def test_a_period_read_from_months_and_ragged_days_equals_the_sum_of_its_days(
    counted: Cast, since: date, until: date
) -> None:
    from django.db.models import Sum

    from ..models import DailyCount, Metric
    from ..selectors import flow_sums

    metrics = [Metric.REPORTS, Metric.LEDGER_DUE, Metric.CASES_OPENED]
    got = flow_sums(None, since, until, metrics, by=("metric",))
    days = (
        DailyCount.objects.filter(day__gte=since, day__lte=until, metric__in=metrics)
        .values_list("metric")
        .annotate(s=Sum("value"))
    )
    assert dict(got) == {(m,): v for m, v in days}


@pytest.mark.django_db
def test_a_rebuild_refreshes_the_cached_figures(counted: Cast, login: Login) -> None:
    cast = counted
    client = login(cast.users["county_admin"])
    assert 'data-testid="total-reports">2<' in client.get("/oversight/").content.decode()
    Report.objects.filter(school=cast.school, merged_into__isnull=False).delete()
    Report.objects.filter(school=cast.school).delete()
    # Still the counted figures until the next rebuild (pages never read the raw records)...
    assert 'data-testid="total-reports">2<' in client.get("/oversight/").content.decode()
    rebuild(date(2026, 11, 2), date(2026, 11, 2))
    assert 'data-testid="total-reports">0<' in client.get("/oversight/").content.decode()


@pytest.mark.django_db
def test_the_school_table_is_paged_and_odd_pages_are_not_errors(counted: Cast, login: Login) -> None:
    client = login(counted.users["city_admin"])
    for page in ("2", "0", "abc", "99999999999999999999999"):
        response = client.get(f"/oversight/?page={page}")
        assert response.status_code == 200
        assert rows(response.content.decode())


def test_echarts_is_served_from_the_npm_package() -> None:
    from django.contrib.staticfiles import finders

    found = finders.find("echarts/echarts.min.js")
    assert found and "node_modules" in str(found)


@pytest.mark.django_db
def test_the_hourly_job_leaves_the_bureaus_dashboards_computed(world: Cast, login: Login) -> None:  # noqa: F811
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from anxin.core.periodic import JOBS

    result = JOBS["oversight.stats_rebuild"].task.call()
    assert result["warmed"] >= 3  # the city and its two counties (and the other city)
    client = login(world.users["county_admin"])
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/oversight/").content.decode()
    assert rows(html) == {world.school.pk, world.school_b.pk}
    assert not [q for q in ctx.captured_queries if "SUM(" in q["sql"]]
