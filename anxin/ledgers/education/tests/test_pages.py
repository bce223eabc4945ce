from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from anxin.ledgers.education import services

pytestmark = pytest.mark.django_db

PAGES = [
    "ledgers:education_home",
    "ledgers:education_1530",
    "ledgers:education_meetings",
    "ledgers:education_activities",
    "ledgers:education_documents",
]


@pytest.mark.parametrize(
    "role", ["principal", "moral_director", "class_teacher", "county_admin", "city_admin"]
)
def test_pages_open_for_each_reader(cast, login, today, role) -> None:  # noqa: ANN001
    today(date(2026, 10, 16))
    teacher = cast.users["class_teacher"]
    services.session_record(actor=teacher, klass=cast.class_a1, day=date(2026, 10, 15), kind="1min")
    services.meeting_record(actor=teacher, klass=cast.class_a1, day=date(2026, 10, 15), topic="拒绝欺凌")
    services.document_version_add(actor=cast.users["principal"], school=cast.school, kind="plan", text="预案")
    client = login(cast.users[role])
    for name in PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 200, (name, response.status_code)


def test_home_lists_the_class_teachers_class_with_todays_state(cast, login, today) -> None:  # noqa: ANN001
    today(date(2026, 10, 16))
    client = login(cast.users["class_teacher"])
    body = client.get(reverse("ledgers:education_home")).content.decode()
    assert "5分钟" in body and "待记录" in body
    services.session_record(
        actor=cast.users["class_teacher"], klass=cast.class_a1, day=date(2026, 10, 16), kind="5min"
    )
    assert "已完成" in client.get(reverse("ledgers:education_home")).content.decode()


def test_gate_guard_has_no_education_pages(cast, login) -> None:  # noqa: ANN001
    client = login(cast.users["gate_guard"])
    assert client.get(reverse("ledgers:education_1530")).status_code == 404
    assert client.get(reverse("ledgers:education_meetings")).status_code == 404
    # Every member of staff reads the school's documents.
    assert client.get(reverse("ledgers:education_documents")).status_code == 200
