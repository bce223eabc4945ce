"""A case party named by id or 学号 is checked against what the handler may see (issue 9, item 2).

A duty staff member could once add any student of the city to a case by id and read the name, class
and school back (and label a child of another school a bully).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from anxin.audit.models import AuditEvent
from anxin.org.models import Role
from anxin.testing import Cast, place_student

from ..models import Party
from ..services import case_open

pytestmark = pytest.mark.django_db

REFUSED = "找不到该学生，或您无权选择该学生。"


def _case(cast: Cast, owner_role: str) -> Any:
    """A case of school A that ``owner_role`` handles as its owner."""
    return case_open(
        actor=cast.users["moral_director"],
        school=cast.school,
        data={"title": "课间推搡并起绰号", "narrative": "两名同学在走廊推搡。"},
        owner=cast.users[owner_role],
    )


def _add(client: Client, case_id: int, **body: Any) -> Any:
    return client.post(
        f"/api/cases/{case_id}/transitions",
        {"action": "add_party", "role": "bully", **body},
        content_type="application/json",
    )


def _refused(response: Any, field: str) -> dict[str, Any]:
    assert response.status_code == 422, response.content.decode()
    body = response.json()
    assert body["code"] == "missing_inputs"
    assert field in body["detail"]
    return body


# Who posts, which student's id they post: an insider of school A with an id from school B, C or
# another city; a lower-privileged insider of A with an id of A they cannot see.
CROSS = [
    ("moral_director", "b"),
    ("moral_director", "c"),
    ("moral_director", "x"),
    ("principal", "b"),
    ("duty_staff", "a1"),  # duty staff have no student view at all
    ("duty_staff", "b"),
    ("class_teacher", "a2"),  # class teacher of A1: another class of their own school
    ("class_teacher", "b"),
]


@pytest.mark.parametrize(("role", "place"), CROSS)
def test_a_student_id_out_of_reach_is_refused_and_nothing_is_stored(
    cast: Cast, login, role: str, place: str
) -> None:
    case = _case(cast, role)
    student = place_student(cast, place)
    client = login(cast.users[role])
    body = _refused(_add(client, case.pk, student=student.pk), "student")
    assert body["detail"]["student"] == [REFUSED]
    assert student.name not in str(body)
    assert not Party.objects.filter(case=case).exists()
    assert not AuditEvent.objects.filter(action="case.add_party").exists()


@pytest.mark.parametrize("raw", [999999, 0, -1, "abc", "1e3", 2**31, 10**30, "٣"])
def test_a_missing_or_malformed_id_gets_the_same_answer(cast: Cast, login, raw: Any) -> None:
    case = _case(cast, "duty_staff")
    body = _refused(_add(login(cast.users["duty_staff"]), case.pk, student=raw), "student")
    assert body["detail"]["student"] == [REFUSED]
    assert not Party.objects.filter(case=case).exists()


def test_a_student_the_handler_may_see_is_added_by_id(cast: Cast, login) -> None:
    case = _case(cast, "class_teacher")
    response = _add(login(cast.users["class_teacher"]), case.pk, student=cast.student_a1.pk)
    assert response.status_code == 200, response.content.decode()
    assert Party.objects.get(case=case).student == cast.student_a1


@pytest.mark.parametrize(
    ("role", "place"), [("moral_director", "b"), ("duty_staff", "a1"), ("class_teacher", "a2")]
)
def test_a_number_alone_finds_no_child_out_of_reach(cast: Cast, login, role: str, place: str) -> None:
    case = _case(cast, role)
    student = place_student(cast, place)
    body = _refused(_add(login(cast.users[role]), case.pk, student_no=student.student_no), "student_no")
    assert "请同时填写学号和姓名" in body["detail"]["student_no"][0]
    assert student.name not in str(body)
    assert not Party.objects.filter(case=case).exists()


def test_a_number_with_the_wrong_name_finds_nobody(cast: Cast, login) -> None:
    case = _case(cast, "moral_director")
    client = login(cast.users["moral_director"])
    _refused(_add(client, case.pk, student_no="B1001", name="陈小"), "student_no")
    _refused(_add(client, case.pk, student_no="B1001", name="李小雨"), "student_no")
    assert not Party.objects.filter(case=case).exists()


def test_a_child_of_another_city_is_not_found_even_with_number_and_name(cast: Cast, login) -> None:
    case = _case(cast, "moral_director")
    _refused(
        _add(login(cast.users["moral_director"]), case.pk, student_no="X1001", name="吴小军"), "student_no"
    )
    assert not Party.objects.filter(case=case).exists()


@pytest.mark.parametrize(
    ("role", "place"), [("moral_director", "b"), ("duty_staff", "a1"), ("duty_staff", "c")]
)
def test_number_and_full_name_together_name_a_child_one_may_not_see(
    cast: Cast, login, role: str, place: str
) -> None:
    case = _case(cast, role)
    student = place_student(cast, place)
    response = _add(login(cast.users[role]), case.pk, student_no=student.student_no, name=student.name)
    assert response.status_code == 200, response.content.decode()
    assert Party.objects.get(case=case).student == student


def test_the_page_refuses_a_hidden_id_out_of_reach_in_chinese(cast: Cast, login) -> None:
    case = _case(cast, "duty_staff")
    client = login(cast.users["duty_staff"])
    response = client.post(
        f"/cases/{case.pk}/act/add_party/", {"role": "bully", "student": cast.student_b1.pk}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "请补全或更正：学生" in page and "陈小明" not in page and "城关小学" not in page
    assert not Party.objects.filter(case=case).exists()


def test_same_number_in_two_schools_prefers_the_cases_school(cast: Cast, login) -> None:
    from anxin.org.services import student_create

    twin = student_create(actor=None, klass=cast.class_b1, name="李小雨", gender="F", student_no="A1001")
    case = _case(cast, "duty_staff")
    response = _add(login(cast.users["duty_staff"]), case.pk, student_no="A1001", name="李小雨")
    assert response.status_code == 200
    # The child of the case's own school, not the namesake with the same 学号 at another school.
    assert Party.objects.get(case=case).student == cast.student_a1 != twin


def test_duty_staff_role_has_no_student_view(cast: Cast) -> None:
    from anxin.access.matrix import allowed

    assert not allowed(cast.users[Role.DUTY_STAFF.value], "student", "view")
