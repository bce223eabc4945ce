from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def _names(body: dict) -> set[str]:
    return {item["name"] for item in body["items"]}


def test_principal_lists_students_of_own_school_only(cast, login):
    body = login(cast.users["principal"]).get("/api/org/students").json()
    assert _names(body) == {"李小雨", "王小磊"}
    assert body["count"] == 2


def test_class_teacher_lists_own_class_only(cast, login):
    body = login(cast.users["class_teacher"]).get("/api/org/students").json()
    assert _names(body) == {"李小雨"}


def test_county_admin_sees_county_not_neighbour(cast, login):
    body = login(cast.users["county_admin"]).get("/api/org/students").json()
    assert _names(body) == {"李小雨", "王小磊", "陈小明"}


def test_gate_guard_sees_no_students(cast, login):
    body = login(cast.users["gate_guard"]).get("/api/org/students").json()
    assert body["count"] == 0


def test_teacher_of_other_school_gets_404_on_student(cast, login):
    response = login(cast.outsider).get(f"/api/org/students/{cast.student_a1.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    # Same answer as for an id that does not exist at all.
    missing = login(cast.outsider).get("/api/org/students/999999")
    assert missing.status_code == 404
    assert missing.json() == response.json()


def test_student_detail_shows_care_data_only_to_carers(cast, login):
    body = login(cast.users["class_teacher"]).get(f"/api/org/students/{cast.student_a1.pk}").json()
    assert body["key_groups"][0]["group"] == "left_behind"
    assert body["guardians"][0]["phone"] == "13800000001"
    body = login(cast.users["safety_officer"]).get(f"/api/org/students/{cast.student_a1.pk}").json()
    assert body["key_groups"] is None and body["guardians"] is None


def test_search_does_not_leak_out_of_scope(cast, login):
    body = login(cast.users["principal"]).get("/api/org/students?q=小明").json()
    assert body["count"] == 0


def test_class_filter_out_of_scope_is_404(cast, login):
    response = login(cast.users["principal"]).get(f"/api/org/students?klass={cast.class_c1.pk}")
    assert response.status_code == 404


@pytest.mark.parametrize("query", ["klass=abc", "page=-1", "page=abc", "klass=99999999999999999999999"])
def test_bad_query_parameters_are_4xx(cast, login, query):
    response = login(cast.users["principal"]).get(f"/api/org/students?{query}")
    assert 400 <= response.status_code < 500
    assert response.json()["message"]


def test_units_are_scoped(cast, login):
    body = login(cast.users["principal"]).get("/api/org/units?kind=school").json()
    assert {u["code"] for u in body["items"]} == {"3701020001"}
    body = login(cast.users["county_admin"]).get("/api/org/units?kind=school").json()
    assert {u["code"] for u in body["items"]} == {"3701020001", "3701020002"}
    assert login(cast.users["principal"]).get(f"/api/org/units/{cast.school_c.pk}").status_code == 404
    detail = login(cast.users["principal"]).get(f"/api/org/units/{cast.school.pk}").json()
    assert detail["profile"]["stage"] == "junior"


def test_bad_unit_kind_is_422(cast, login):
    response = login(cast.users["principal"]).get("/api/org/units?kind=planet")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


def test_people_are_scoped(cast, login):
    body = login(cast.users["principal"]).get("/api/org/people?page_size=100").json()
    usernames = {p["username"] for p in body["items"]}
    assert "t_class_teacher" in usernames
    assert "t_outsider" not in usernames and "t_far" not in usernames
    assert login(cast.users["principal"]).get(f"/api/org/people/{cast.outsider.pk}").status_code == 404
    person = login(cast.users["principal"]).get(f"/api/org/people/{cast.users['class_teacher'].pk}").json()
    assert person["roles"][0]["role"] == "class_teacher"


def test_anonymous_gets_401(client, cast):
    response = client.get("/api/org/students")
    assert response.status_code == 401
