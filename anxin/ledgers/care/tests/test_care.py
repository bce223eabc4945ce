from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from anxin.audit.models import AuditEvent
from anxin.core.errors import Invalid, NotFound
from anxin.org import services as org_services
from anxin.org.models import Role
from anxin.testing import Cast, frozen_time

from .. import selectors, services
from ..models import CarePlan, CareReview, Talk, WatchEntry

TODAY = date(2026, 3, 16)


@pytest.fixture(autouse=True)
def _frozen_today() -> Iterator[None]:
    with frozen_time(TODAY):
        yield


def _talk(cast: Cast, *, author=None, student=None, follow_up_on=None, talked_on=TODAY, named=(), key=None):  # noqa: ANN001, ANN202
    return services.talk_record(
        actor=author or cast.users["class_teacher"],
        student=student or cast.student_a1,
        talked_on=talked_on,
        topic="peers",
        content="她说最近没人跟她玩，奶奶身体不好",
        mood="low",
        peers="isolated",
        named_students=named,
        follow_up=follow_up_on is not None,
        follow_up_on=follow_up_on,
        client_key=key,
    ).entry


def _xlsx(response) -> list[tuple]:  # noqa: ANN001
    assert response.status_code == 200
    wb = load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    return [tuple(r) for r in wb.worksheets[0].iter_rows(values_only=True)]


# --- talks: recording, privacy -----------------------------------------------------------------


def test_class_teacher_records_talk_through_page_once(cast: Cast, login) -> None:  # noqa: ANN001
    client = login(cast.users["class_teacher"])
    assert client.get(reverse("ledgers:care_talk_new")).status_code == 200
    key = str(uuid.uuid4())
    data = {
        "client_key": key,
        "student": cast.student_a1.pk,
        "talked_on": "2026-03-16",
        "topic": "emotion",
        "content": "最近话少了",
        "mood": "low",
        "peers": "fair",
        "follow_up": "14",
    }
    first = client.post(reverse("ledgers:care_talk_new"), data)
    again = client.post(reverse("ledgers:care_talk_new"), data)
    assert first.status_code == 302 and again.status_code == 302
    talk = Talk.objects.get()
    assert talk.follow_up_on == TODAY + timedelta(days=14)
    assert AuditEvent.objects.filter(action="ledger_talk.recorded").count() == 1


def test_class_teacher_cannot_record_for_other_class(cast: Cast, login) -> None:  # noqa: ANN001
    client = login(cast.users["class_teacher"])
    data = {
        "student": cast.student_a2.pk,
        "talked_on": "2026-03-16",
        "topic": "emotion",
        "content": "x",
        "mood": "low",
        "peers": "fair",
    }
    response = client.post(reverse("ledgers:care_talk_new"), data)
    assert response.status_code == 422
    assert not Talk.objects.exists()
    with pytest.raises(NotFound):
        _talk(cast, student=cast.student_a2)


def test_bad_input_is_refused_with_message(cast: Cast, login) -> None:  # noqa: ANN001
    client = login(cast.users["class_teacher"])
    data = {
        "student": cast.student_a1.pk,
        "talked_on": "2026-03-20",
        "topic": "nope",
        "content": "",
        "mood": "low",
        "peers": "fair",
        "client_key": "not-a-uuid",
        "follow_up": "date",
    }
    response = client.post(reverse("ledgers:care_talk_new"), data)
    assert response.status_code == 422
    assert "请根据下面的提示修改" in response.content.decode()
    assert not Talk.objects.exists()
    with pytest.raises(Invalid) as exc:
        _talk(cast, talked_on=TODAY + timedelta(days=1))
    assert exc.value.code == "future_date"


def test_content_is_encrypted_in_the_database(cast: Cast) -> None:
    talk = _talk(cast)
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM ledger_care_talk WHERE id = %s", [talk.pk])
        raw = cursor.fetchone()[0]
    assert "奶奶" not in raw
    assert Talk.objects.get(pk=talk.pk).content.startswith("她说")


def test_principal_sees_the_talk_but_not_its_content(cast: Cast, login) -> None:  # noqa: ANN001
    talk = _talk(cast)
    client = login(cast.users["principal"])
    page = client.get(reverse("ledgers:care_talk", args=[talk.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "李*雨" in body and "李小雨" not in body
    assert "奶奶" not in body and 'data-testid="talk-private"' in body
    listing = client.get(reverse("ledgers:care_list")).content.decode()
    assert "李*雨" in listing and "李小雨" not in listing
    api = client.get(f"/api/ledgers/care/talks/{talk.pk}").json()
    assert api["readable"] is False and api["content"] is None and api["mood"] is None
    assert api["student"]["name"] == "李*雨"
    items = client.get("/api/ledgers/care/talks").json()["items"]
    assert items[0]["content"] is None
    assert not AuditEvent.objects.filter(action__startswith="ledger_talk.content").exists()


def test_psych_teacher_reads_content_and_the_read_is_audited(cast: Cast, login) -> None:  # noqa: ANN001
    talk = _talk(cast)
    client = login(cast.users["psych_teacher"])
    body = client.get(reverse("ledgers:care_talk", args=[talk.pk])).content.decode()
    assert "奶奶" in body and "李小雨" in body
    assert (
        AuditEvent.objects.filter(action="ledger_talk.content_viewed", subject_id=str(talk.pk)).count() == 1
    )
    api = client.get(f"/api/ledgers/care/talks/{talk.pk}").json()
    assert api["readable"] is True and "奶奶" in api["content"] and api["peers"] == "isolated"
    items = client.get("/api/ledgers/care/talks").json()["items"]
    assert "奶奶" in items[0]["content"]
    assert AuditEvent.objects.filter(action="ledger_talk.content_listed").count() == 1


def test_moral_director_and_bureau_see_only_the_fact(cast: Cast) -> None:
    talk = _talk(cast)
    for role in ("moral_director", "vice_principal", "county_admin", "city_admin"):
        user = cast.users[role]
        assert selectors.talk_get(user, talk.pk) == talk
        assert selectors.can_read_talk(user, talk) is False


def test_class_teacher_of_another_class_cannot_read(cast: Cast, login) -> None:  # noqa: ANN001
    talk = _talk(cast)
    other = org_services.role_assign(
        actor=None,
        user=cast.users["counsellor"].__class__.objects.create(username="t_a2", full_name="二班班主任"),
        role=Role.CLASS_TEACHER,
        unit=cast.class_a2,
    ).user
    assert selectors.can_read_talk(other, talk) is False
    client = login(other)
    assert client.get(reverse("ledgers:care_talk", args=[talk.pk])).status_code == 404
    assert client.get(f"/api/ledgers/care/talks/{talk.pk}").status_code == 404


def test_counsellor_author_reads_own_talk(cast: Cast) -> None:
    talk = _talk(cast, author=cast.users["counsellor"])
    assert selectors.talk_get(cast.users["counsellor"], talk.pk) == talk
    assert selectors.can_read_talk(cast.users["counsellor"], talk) is True
    assert selectors.can_read_talk(cast.users["class_teacher"], talk) is True


def test_outsider_gets_404(cast: Cast, login) -> None:  # noqa: ANN001
    talk = _talk(cast)
    plan = _plan(cast)
    client = login(cast.outsider)
    assert client.get(reverse("ledgers:care_talk", args=[talk.pk])).status_code == 404
    assert client.get(reverse("ledgers:care_plan", args=[plan.pk])).status_code == 404
    response = client.get(f"/api/ledgers/care/talks/{talk.pk}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert client.get(f"/api/ledgers/care/plans/{plan.pk}").status_code == 404
    assert (
        client.post(
            f"/api/ledgers/care/plans/{plan.pk}/reviews", {"notes": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert client.get(reverse("ledgers:care_list")).status_code == 200
    assert "李" not in client.get(reverse("ledgers:care_list")).content.decode().split("talk-list")[1]
    created = client.post(
        "/api/ledgers/care/talks",
        {"student": cast.student_a1.pk, "topic": "peers", "content": "x", "mood": "calm", "peers": "good"},
        content_type="application/json",
    )
    assert created.status_code == 404
    assert Talk.objects.count() == 1


def test_follow_up_panel_on_authors_workbench(cast: Cast, login) -> None:  # noqa: ANN001
    talk = _talk(cast, follow_up_on=TODAY, talked_on=TODAY - timedelta(days=14))
    body = login(cast.users["class_teacher"]).get(reverse("home")).content.decode()
    assert "待回访的谈心" in body and reverse("ledgers:care_talk", args=[talk.pk]) in body
    services.talk_follow_up_done(actor=cast.users["class_teacher"], talk=talk)
    assert not selectors.follow_ups_due(cast.users["class_teacher"], today=TODAY).exists()


def test_follow_up_panel_not_shown_to_others(cast: Cast, login) -> None:  # noqa: ANN001
    _talk(cast, follow_up_on=TODAY, talked_on=TODAY - timedelta(days=14))
    body = login(cast.users["psych_teacher"]).get(reverse("home")).content.decode()
    assert "待回访的谈心" not in body


def test_api_records_talk_idempotently(cast: Cast, login) -> None:  # noqa: ANN001
    client = login(cast.users["psych_teacher"])
    payload = {
        "student": cast.student_a1.pk,
        "topic": "peers",
        "content": "她们不让小雨跟我们玩",
        "mood": "anxious",
        "peers": "tense",
        "named_students": [cast.student_a2.pk],
        "follow_up_on": "2026-03-30",
        "client_key": str(uuid.uuid4()),
    }
    first = client.post("/api/ledgers/care/talks", payload, content_type="application/json")
    again = client.post("/api/ledgers/care/talks", payload, content_type="application/json")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert Talk.objects.count() == 1
    assert list(selectors.named_counts(cast.school, since=TODAY - timedelta(days=30))) == [cast.student_a2]


def test_api_bad_input_is_422(cast: Cast, login) -> None:  # noqa: ANN001
    client = login(cast.users["psych_teacher"])
    bad = client.post("/api/ledgers/care/talks", {"student": "x"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_input"
    other_school = client.post(
        "/api/ledgers/care/talks",
        {
            "student": cast.student_a1.pk,
            "topic": "peers",
            "content": "x",
            "mood": "calm",
            "peers": "good",
            "named_students": [cast.student_b1.pk],
        },
        content_type="application/json",
    )
    assert other_school.status_code == 422 and other_school.json()["code"] == "named_other_school"
    assert client.get("/api/ledgers/care/talks?klass=abc").status_code == 422
    assert client.get("/api/ledgers/care/talks/99999999999").status_code in (404, 422)
    assert not Talk.objects.exists()


def test_talk_export_hides_content_from_non_readers(cast: Cast, login) -> None:  # noqa: ANN001
    _talk(cast)
    _talk(
        cast,
        author=cast.far_outsider.__class__.objects.get(username="t_psych_teacher"),
        student=cast.student_a2,
    )
    rows = _xlsx(login(cast.users["principal"]).get(reverse("ledgers:care_talk_export")))
    assert len(rows) == 3
    flat = " ".join(str(c) for r in rows for c in r)
    assert "奶奶" not in flat and "李小雨" not in flat and "李*雨" in flat
    rows = _xlsx(login(cast.users["class_teacher"]).get(reverse("ledgers:care_talk_export")))
    assert len(rows) == 2 and "奶奶" in " ".join(str(c) for c in rows[1])


def test_talk_completeness_counts_classes_with_a_talk_in_30_days(cast: Cast) -> None:
    _talk(cast, talked_on=TODAY - timedelta(days=29))
    _talk(
        cast,
        author=cast.users["psych_teacher"],
        student=cast.student_a2,
        talked_on=TODAY - timedelta(days=30),
    )
    figure = selectors.talk_completeness(cast.school, today=TODAY)
    assert (figure.done, figure.due, figure.percent) == (1, 2, 50)


def test_talk_list_filters(cast: Cast, login) -> None:  # noqa: ANN001
    _talk(cast, follow_up_on=TODAY)
    _talk(cast, author=cast.users["psych_teacher"], student=cast.student_a2)
    client = login(cast.users["psych_teacher"])
    assert len(client.get("/api/ledgers/care/talks?due=true").json()["items"]) == 1
    assert len(client.get(f"/api/ledgers/care/talks?klass={cast.class_a2.pk}").json()["items"]) == 1
    assert len(client.get("/api/ledgers/care/talks?q=A1001").json()["items"]) == 1
    page = client.get(reverse("ledgers:care_list"), {"klass": "nonsense", "due": "on"})
    assert page.status_code == 200


# --- care plans ------------------------------------------------------------------------------------


def _plan(cast: Cast, *, next_review_on=TODAY + timedelta(days=30), key=None):  # noqa: ANN001, ANN202
    return services.care_plan_record(
        actor=cast.users["class_teacher"],
        student=cast.student_a1,
        owner=cast.users["class_teacher"],
        goals="融入同伴",
        measures="每周谈心一次",
        review_days=14,
        next_review_on=next_review_on,
        client_key=key,
    ).entry


def test_overdue_care_plans_selector(cast: Cast) -> None:
    plan = _plan(cast, next_review_on=TODAY - timedelta(days=1))
    assert list(selectors.overdue_care_plans(cast.school, TODAY)) == [plan]
    assert not selectors.overdue_care_plans(cast.school, TODAY - timedelta(days=1)).exists()
    assert not selectors.overdue_care_plans(cast.school_b, TODAY).exists()
    services.care_review_record(actor=cast.users["psych_teacher"], plan=plan, reviewed_on=TODAY, notes="好转")
    assert not selectors.overdue_care_plans(cast.school, TODAY).exists()
    plan.refresh_from_db()
    assert plan.next_review_on == TODAY + timedelta(days=14)


def test_care_completeness(cast: Cast) -> None:
    plan = _plan(cast, next_review_on=TODAY - timedelta(days=10))
    # Due 10 days ago, reviewed 3 days late: due 1, on time 0.
    services.care_review_record(
        actor=cast.users["class_teacher"],
        plan=plan,
        reviewed_on=TODAY - timedelta(days=7),
        notes="迟了",
        next_review_on=TODAY - timedelta(days=2),
    )
    # Next due 2 days ago and not reviewed: due 2, done 0.
    figure = selectors.care_completeness(cast.school, today=TODAY)
    assert (figure.done, figure.due) == (0, 2)
    services.care_review_record(
        actor=cast.users["class_teacher"], plan=plan, reviewed_on=TODAY - timedelta(days=2), notes="按时"
    )
    figure = selectors.care_completeness(cast.school, today=TODAY)
    assert (figure.done, figure.due, figure.percent) == (1, 2, 50)


def test_plan_and_review_through_pages_idempotent(cast: Cast, login) -> None:  # noqa: ANN001
    client = login(cast.users["class_teacher"])
    page = client.get(reverse("ledgers:care_plans")).content.decode()
    assert "李小雨" in page and "留守儿童" in page
    data = {
        "client_key": str(uuid.uuid4()),
        "student": cast.student_a1.pk,
        "owner": cast.users["class_teacher"].pk,
        "goals": "融入",
        "measures": "谈心",
        "review_days": "14",
    }
    assert client.post(reverse("ledgers:care_plan_new"), data).status_code == 302
    assert client.post(reverse("ledgers:care_plan_new"), data).status_code == 302
    plan = CarePlan.objects.get()
    review = {"client_key": str(uuid.uuid4()), "reviewed_on": "2026-03-16", "notes": "情绪好转"}
    assert client.post(reverse("ledgers:care_plan", args=[plan.pk]), review).status_code == 302
    assert client.post(reverse("ledgers:care_plan", args=[plan.pk]), review).status_code == 302
    assert CareReview.objects.count() == 1
    bad = client.post(reverse("ledgers:care_plan", args=[plan.pk]), {"reviewed_on": "x", "notes": ""})
    assert bad.status_code == 422 and CareReview.objects.count() == 1


def test_a_plan_owner_who_is_not_staff_of_the_school_is_owner_not_staff(cast: Cast, login) -> None:  # noqa: ANN001
    client = login(cast.users["psych_teacher"])
    payload = {"student": cast.student_a1.pk, "goals": "融入", "measures": "谈心", "review_days": 14}
    for owner in (cast.outsider.pk, 999999):
        response = client.post(
            "/api/ledgers/care/plans", {**payload, "owner": owner}, content_type="application/json"
        )
        assert (response.status_code, response.json()["code"]) == (422, "owner_not_staff")
        assert list(response.json()["detail"]) == ["owner"]
    assert CarePlan.objects.count() == 0


def test_plan_api(cast: Cast, login) -> None:  # noqa: ANN001
    client = login(cast.users["psych_teacher"])
    key = str(uuid.uuid4())
    payload = {
        "student": cast.student_a1.pk,
        "goals": "融入",
        "measures": "谈心",
        "review_days": 14,
        "client_key": key,
    }
    first = client.post("/api/ledgers/care/plans", payload, content_type="application/json")
    again = client.post("/api/ledgers/care/plans", payload, content_type="application/json")
    assert first.status_code == 201 and again.status_code == 200 and CarePlan.objects.count() == 1
    duplicate = client.post(
        "/api/ledgers/care/plans",
        {**payload, "client_key": str(uuid.uuid4())},
        content_type="application/json",
    )
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "plan_exists"
    plan_id = first.json()["id"]
    review = {"notes": "好转", "client_key": str(uuid.uuid4())}
    url = f"/api/ledgers/care/plans/{plan_id}/reviews"
    assert client.post(url, review, content_type="application/json").status_code == 201
    assert client.post(url, review, content_type="application/json").status_code == 200
    assert CareReview.objects.count() == 1
    listed = client.get("/api/ledgers/care/plans").json()["items"]
    assert [p["id"] for p in listed] == [plan_id]
    assert client.get("/api/ledgers/care/plans?overdue=true").json()["items"] == []
    assert login(cast.users["county_admin"]).get("/api/ledgers/care/plans").status_code == 404


def test_plan_export(cast: Cast, login) -> None:  # noqa: ANN001
    plan = _plan(cast)
    services.care_review_record(actor=cast.users["class_teacher"], plan=plan, reviewed_on=TODAY, notes="好转")
    response = login(cast.users["principal"]).get(reverse("ledgers:care_plan_export"))
    wb = load_workbook(io.BytesIO(response.content))
    assert [ws.title for ws in wb.worksheets] == ["帮扶计划", "回顾记录"]
    assert wb.worksheets[0].max_row == 2 and wb.worksheets[1].max_row == 2
    empty = load_workbook(
        io.BytesIO(login(cast.far_outsider).get(reverse("ledgers:care_plan_export")).content)
    )
    assert empty.worksheets[0].max_row == 1


# --- behaviour watch ----------------------------------------------------------------------------


def test_watch_record_list_export_and_selector(cast: Cast, login) -> None:  # noqa: ANN001
    client = login(cast.users["class_teacher"])
    key = str(uuid.uuid4())
    payload = {
        "student": cast.student_a1.pk,
        "seen": "午饭时独自坐在角落",
        "severity": "warning",
        "client_key": key,
    }
    assert client.post("/api/ledgers/care/watch", payload, content_type="application/json").status_code == 201
    assert client.post("/api/ledgers/care/watch", payload, content_type="application/json").status_code == 200
    form = {
        "client_key": str(uuid.uuid4()),
        "student": cast.student_a1.pk,
        "seen_on": "2026-03-15",
        "seen": "哭泣",
        "severity": "notice",
    }
    assert client.post(reverse("ledgers:care_watch_new"), form).status_code == 302
    assert client.post(reverse("ledgers:care_watch_new"), form).status_code == 302
    assert WatchEntry.objects.count() == 2
    students = list(selectors.watch_students(cast.school))
    assert students == [cast.student_a1] and students[0].watch_count == 2
    safety = login(cast.users["safety_officer"])
    assert len(safety.get("/api/ledgers/care/watch").json()["items"]) == 2
    assert safety.post("/api/ledgers/care/watch", payload, content_type="application/json").status_code == 403
    rows = _xlsx(safety.get(reverse("ledgers:care_watch_export")))
    assert len(rows) == 3
    assert login(cast.outsider).get("/api/ledgers/care/watch").json()["items"] == []


def test_menu_entries_with_completeness(cast: Cast, login) -> None:  # noqa: ANN001
    _talk(cast)
    body = login(cast.users["principal"]).get(reverse("ledgers:index")).content.decode()
    assert "谈心谈话" in body and "完成率 50%" in body and "重点群体关爱帮扶" in body
