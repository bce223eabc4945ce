from __future__ import annotations

import io
import uuid
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from anxin.ledgers.education import services
from anxin.ledgers.education.models import ClassMeeting, EduActivity

pytestmark = pytest.mark.django_db

API = "/api/ledgers/education"


def test_class_meeting_page_is_idempotent_and_counts_against_two(cast, login, today) -> None:  # noqa: ANN001
    today(date(2026, 10, 16))
    client = login(cast.users["class_teacher"])
    assert client.get(reverse("ledgers:education_meeting_new")).status_code == 200
    data = {
        "klass": cast.class_a1.pk,
        "date": "2026-10-14",
        "topic": "友善相处，拒绝欺凌",
        "summary": "讨论",
        "client_key": str(uuid.uuid4()),
    }
    assert client.post(reverse("ledgers:education_meeting_new"), data).status_code == 302
    assert client.post(reverse("ledgers:education_meeting_new"), data).status_code == 302
    assert ClassMeeting.objects.count() == 1
    page = client.get(reverse("ledgers:education_meetings"))
    counts = {c.klass.pk: c.count for c in page.context["counts"]}
    assert counts == {cast.class_a1.pk: 1}
    assert page.context["completeness"].percent == 50


def test_meeting_of_last_term_does_not_count(cast, login, today) -> None:  # noqa: ANN001
    today(date(2026, 10, 16))
    teacher = cast.users["class_teacher"]
    services.meeting_record(actor=teacher, klass=cast.class_a1, day=date(2026, 6, 1), topic="上学期")
    services.meeting_record(actor=teacher, klass=cast.class_a1, day=date(2026, 9, 10), topic="一")
    services.meeting_record(actor=teacher, klass=cast.class_a1, day=date(2026, 10, 12), topic="二")
    response = login(cast.users["principal"]).get(f"{API}/meetings")
    counts = {c["class_id"]: c["count"] for c in response.json()["counts"]}
    assert counts == {cast.class_a1.pk: 2, cast.class_a2.pk: 0}


def test_meeting_api_and_other_class_404(cast, login, today) -> None:  # noqa: ANN001
    today(date(2026, 10, 16))
    client = login(cast.users["class_teacher"])
    body = {
        "class": cast.class_a1.pk,
        "date": "2026-10-16",
        "topic": "拒绝欺凌",
        "client_key": str(uuid.uuid4()),
    }
    assert client.post(f"{API}/meetings", body, content_type="application/json").status_code == 201
    assert client.post(f"{API}/meetings", body, content_type="application/json").status_code == 200
    other = {**body, "class": cast.class_a2.pk, "client_key": str(uuid.uuid4())}
    assert client.post(f"{API}/meetings", other, content_type="application/json").status_code == 404
    empty = {**body, "topic": "  ", "client_key": str(uuid.uuid4())}
    response = client.post(f"{API}/meetings", empty, content_type="application/json")
    assert response.status_code == 422 and response.json()["code"] == "topic_required"
    assert ClassMeeting.objects.count() == 1
    outsider = login(cast.outsider)
    assert (
        outsider.post(
            f"{API}/meetings", body | {"client_key": str(uuid.uuid4())}, content_type="application/json"
        ).status_code
        == 404
    )
    assert outsider.get(f"{API}/meetings?class={cast.class_a1.pk}").status_code == 404


def test_counsellor_records_parent_school_with_attendance(cast, login, today) -> None:  # noqa: ANN001
    today(date(2026, 10, 16))
    client = login(cast.users["counsellor"])
    data = {
        "school": cast.school.pk,
        "type": "parent_school",
        "date": "2026-10-15",
        "title": "家长学校：识别欺凌",
        "expected": 120,
        "present": 98,
        "client_key": str(uuid.uuid4()),
    }
    assert client.post(reverse("ledgers:education_activity_new"), data).status_code == 302
    assert client.post(reverse("ledgers:education_activity_new"), data).status_code == 302
    assert EduActivity.objects.get().attendance_percent == 82
    bad = client.post(
        reverse("ledgers:education_activity_new"), {**data, "present": 130, "client_key": str(uuid.uuid4())}
    )
    assert bad.status_code == 422
    assert "实到人数不能多于应到人数" in bad.content.decode()
    response = client.post(
        f"{API}/activities",
        {**data, "present": 130, "client_key": str(uuid.uuid4())},
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["code"] == "invalid_fields"
    response = client.post(
        f"{API}/activities",
        {**data, "type": "party", "client_key": str(uuid.uuid4())},
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["code"] == "bad_type"
    assert EduActivity.objects.count() == 1


def test_activity_api_idempotent_list_and_export_in_scope(cast, login, today) -> None:  # noqa: ANN001
    today(date(2026, 10, 16))
    services.activity_record(
        actor=cast.far_outsider, school=cast.school_c, type="lecture", day=date(2026, 10, 1), title="外校讲座"
    )
    client = login(cast.users["moral_director"])
    body = {
        "type": "teacher_meeting",
        "date": "2026-10-12",
        "title": "班主任会议：学生心理动态",
        "client_key": str(uuid.uuid4()),
    }
    assert client.post(f"{API}/activities", body, content_type="application/json").status_code == 201
    assert client.post(f"{API}/activities", body, content_type="application/json").status_code == 200
    listed = client.get(f"{API}/activities")
    assert [a["title"] for a in listed.json()] == ["班主任会议：学生心理动态"]
    export = client.get(reverse("ledgers:education_activities_export") + "?from=2026-09-01&to=2026-10-16")
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][3] == "班主任会议：学生心理动态"
    assert client.get(reverse("ledgers:education_activities") + "?type=nope").status_code == 400
    # The class teacher reads the school's activities but does not record them.
    teacher = login(cast.users["class_teacher"])
    assert teacher.get(reverse("ledgers:education_activities")).status_code == 200
    assert teacher.get(reverse("ledgers:education_activity_new")).status_code == 403
    assert login(cast.outsider).get(f"{API}/activities").json() == []
