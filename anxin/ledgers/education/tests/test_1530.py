from __future__ import annotations

import io
import uuid
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from anxin.audit.models import AuditEvent
from anxin.ledgers.education import selectors, services
from anxin.ledgers.education.models import SafetySession

pytestmark = pytest.mark.django_db


def _page(cast) -> str:  # noqa: ANN001
    return reverse("ledgers:education_class", args=[cast.class_a1.pk])


def test_class_page_shows_todays_5_minute_session_on_friday(cast, login, today) -> None:  # noqa: ANN001
    today(date(2026, 10, 16))
    response = login(cast.users["class_teacher"]).get(_page(cast))
    assert response.status_code == 200
    body = response.content.decode()
    assert "5分钟安全教育" in body
    assert 'name="kind" value="5min"' in body
    assert "已完成" in body


def test_one_tap_records_once_for_the_same_key(cast, login, today) -> None:  # noqa: ANN001
    today(date(2026, 10, 15))
    client = login(cast.users["class_teacher"])
    key = str(uuid.uuid4())
    data = {"client_key": key, "date": "2026-10-15", "kind": "1min"}
    assert client.post(_page(cast), data).status_code == 302
    assert client.post(_page(cast), data).status_code == 302
    rows = SafetySession.objects.filter(klass=cast.class_a1)
    assert rows.count() == 1
    row = rows.get()
    assert (row.date, row.kind, row.recorded_by) == (date(2026, 10, 15), "1min", cast.users["class_teacher"])
    assert AuditEvent.objects.filter(action="ledger.education.1530_recorded").count() == 1
    # Another tap with a fresh key on the same day does not add a second session either.
    client.post(_page(cast), {**data, "client_key": str(uuid.uuid4())})
    assert rows.count() == 1
    assert "今天已完成" in client.get(_page(cast)).content.decode()


def test_api_record_is_idempotent(cast, login, today) -> None:  # noqa: ANN001
    today(date(2026, 9, 30))
    client = login(cast.users["class_teacher"])
    body = {"class": cast.class_a1.pk, "date": "2026-09-30", "kind": "30min", "client_key": str(uuid.uuid4())}
    first = client.post("/api/ledgers/education/1530", body, content_type="application/json")
    again = client.post("/api/ledgers/education/1530", body, content_type="application/json")
    assert first.status_code == 201, first.content
    assert again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert SafetySession.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"date": "2026-10-20", "kind": "1min"}, "future_date"),
        ({"date": "2026-10-15", "kind": "2min"}, "bad_kind"),
        ({"date": "2026-10-15", "kind": "1min", "client_key": "nope"}, "bad_client_key"),
        ({"date": "15/10/2026", "kind": "1min"}, "invalid_input"),
    ],
)
def test_api_bad_input_is_a_clear_4xx(cast, login, today, body, code) -> None:  # noqa: ANN001
    today(date(2026, 10, 15))
    client = login(cast.users["class_teacher"])
    response = client.post(
        "/api/ledgers/education/1530", {"class": cast.class_a1.pk, **body}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert SafetySession.objects.count() == 0


def test_class_teacher_of_another_class_gets_404(cast, login, today) -> None:  # noqa: ANN001
    today(date(2026, 10, 15))
    client = login(cast.users["class_teacher"])
    assert client.get(reverse("ledgers:education_class", args=[cast.class_a2.pk])).status_code == 404
    response = client.post(
        "/api/ledgers/education/1530",
        {"class": cast.class_a2.pk, "date": "2026-10-15", "kind": "1min"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert client.get(f"/api/ledgers/education/1530/due?class={cast.class_a2.pk}").status_code == 404


def test_teacher_of_other_school_gets_404(cast, login, today) -> None:  # noqa: ANN001
    today(date(2026, 10, 15))
    client = login(cast.outsider)
    assert client.get(_page(cast)).status_code == 404
    assert client.post(_page(cast), {"date": "2026-10-15", "kind": "1min"}).status_code == 404
    assert client.get(f"/api/ledgers/education/1530/due?class={cast.class_a1.pk}").status_code == 404
    assert SafetySession.objects.count() == 0


def test_due_api_across_national_day(cast, login, today) -> None:  # noqa: ANN001
    today(date(2026, 10, 12))
    services.session_record(
        actor=cast.users["class_teacher"], klass=cast.class_a1, day=date(2026, 9, 30), kind="30min"
    )
    # A one-minute talk on the day a 5-minute one was due does not count as done.
    services.session_record(
        actor=cast.users["class_teacher"], klass=cast.class_a1, day=date(2026, 10, 10), kind="1min"
    )
    client = login(cast.users["class_teacher"])
    response = client.get(
        f"/api/ledgers/education/1530/due?class={cast.class_a1.pk}&from=2026-09-28&to=2026-10-11"
    )
    assert response.status_code == 200, response.content
    data = response.json()
    kinds = {d["date"]: d["kind"] for d in data["days"]}
    assert kinds == {
        "2026-09-28": "1min",
        "2026-09-29": "1min",
        "2026-09-30": "30min",
        "2026-10-08": "1min",
        "2026-10-09": "1min",
        "2026-10-10": "5min",
    }
    assert (data["due"], data["done"], data["percent"]) == (6, 1, 17)
    bad = client.get(
        f"/api/ledgers/education/1530/due?class={cast.class_a1.pk}&from=2026-10-11&to=2026-09-28"
    )
    assert bad.status_code == 400 and bad.json()["code"] == "bad_period"


def test_a_date_in_2027_does_not_crash(cast, login, today) -> None:  # noqa: ANN001
    today(date(2027, 3, 5))
    client = login(cast.users["class_teacher"])
    response = client.get(_page(cast))
    assert response.status_code == 200
    assert "节假日数据未知" in response.content.decode()
    due = client.get(
        f"/api/ledgers/education/1530/due?class={cast.class_a1.pk}&from=2027-03-01&to=2027-03-07"
    )
    assert [d["kind"] for d in due.json()["days"]] == ["1min", "1min", "1min", "1min", "5min"]
    assert all(d["holiday_data_known"] is False for d in due.json()["days"])


def test_gaps_are_listed(cast, login, today) -> None:  # noqa: ANN001
    today(date(2026, 10, 9))
    services.session_record(
        actor=cast.users["class_teacher"], klass=cast.class_a1, day=date(2026, 10, 8), kind="1min"
    )
    response = login(cast.users["class_teacher"]).get(_page(cast))
    gaps = [(r.due.day, r.due.kind) for r in response.context["gaps"]]
    assert (date(2026, 9, 30), "30min") in gaps
    assert all(day != date(2026, 10, 8) for day, _kind in gaps)


def test_classes_without_1530(cast) -> None:  # noqa: ANN001
    services.session_record(
        actor=cast.users["principal"], klass=cast.class_a1, day=date(2026, 9, 29), kind="1min"
    )
    # Ten school days back from 2026-10-16 reach 2026-09-29 (the holiday is skipped).
    missing = list(selectors.classes_without_1530(cast.school, 10, date(2026, 10, 16)))
    assert missing == [cast.class_a2]
    # Nine school days back start on 2026-09-30: class A1's record is older.
    assert set(selectors.classes_without_1530(cast.school, 9, date(2026, 10, 16))) == {
        cast.class_a1,
        cast.class_a2,
    }
    assert list(selectors.classes_without_1530(cast.school_b, 10, date(2026, 10, 16))) == [cast.class_b1]


def test_principal_list_completeness_and_export_only_in_scope(cast, login, today) -> None:  # noqa: ANN001
    today(date(2026, 10, 16))
    services.session_record(
        actor=cast.users["class_teacher"], klass=cast.class_a1, day=date(2026, 10, 12), kind="1min"
    )
    services.session_record(actor=cast.outsider, klass=cast.class_b1, day=date(2026, 10, 12), kind="1min")
    client = login(cast.users["principal"])
    page = client.get(reverse("ledgers:education_1530") + "?from=2026-10-12&to=2026-10-16")
    assert page.status_code == 200
    # Two classes × five school days; one recorded.
    assert (page.context["due_count"], page.context["done"]) == (10, 1)
    export = client.get(reverse("ledgers:education_1530_export") + "?from=2026-10-12&to=2026-10-16")
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.content))
    records = list(book.worksheets[0].iter_rows(values_only=True))
    assert len(records) == 2 and records[1][0] == "实验中学"
    gaps = list(book.worksheets[1].iter_rows(values_only=True))
    assert len(gaps) == 1 + 9
    assert client.get(reverse("ledgers:education_1530") + "?from=bad").status_code == 400


def test_county_admin_reads_but_cannot_record(cast, login, today) -> None:  # noqa: ANN001
    today(date(2026, 10, 16))
    client = login(cast.users["county_admin"])
    assert client.get(reverse("ledgers:education_1530")).status_code == 200
    response = client.post(
        "/api/ledgers/education/1530",
        {"class": cast.class_a1.pk, "date": "2026-10-16", "kind": "5min"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert SafetySession.objects.count() == 0


def test_ledger_home_shows_education_with_percent(cast, login, today) -> None:  # noqa: ANN001
    today(date(2026, 10, 16))
    response = login(cast.users["class_teacher"]).get(reverse("ledgers:index"))
    assert response.status_code == 200
    titles = {e.title: e.percent for e in response.context["entries"]}
    assert titles["1530安全教育"] == 0
    assert "防欺凌主题班会" in titles
