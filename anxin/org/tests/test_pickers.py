"""Picking students by typing a name or 学号 (anxin/org/pickers.py and /api/org/students/suggest)."""

from __future__ import annotations

from django.test import Client

from anxin.ledgers.care.models import Talk
from anxin.org import services
from anxin.testing import Cast

SUGGEST = "/api/org/students/suggest"
TALK_NEW = "/ledgers/care/talks/new/"


def _labels(client: Client, purpose: str, q: str) -> list[str]:
    response = client.get(SUGGEST, {"for": purpose, "q": q})
    assert response.status_code == 200, response.content
    return [item["label"] for item in response.json()]


def test_suggestions_name_class_and_number_and_stay_in_scope(cast: Cast, client: Client) -> None:
    client.force_login(cast.users["moral_director"])
    labels = _labels(client, "ledger_talk", "小")
    assert any("李小雨（A1001）" in label for label in labels)
    assert any("王小磊（A2001）" in label for label in labels)  # her whole school
    assert not any("陈小明" in label or "周小红" in label or "吴小军" in label for label in labels)
    assert _labels(client, "ledger_talk", "A20") == [next(label for label in labels if "王小磊" in label)]
    assert _labels(client, "ledger_talk", "") == []
    assert _labels(client, "ledger_talk", "不存在的名字") == []


def test_an_exact_number_or_name_comes_first(cast: Cast, client: Client) -> None:
    services.student_create(actor=None, klass=cast.class_a2, name="李小雨同", gender="F", student_no="A2002")
    client.force_login(cast.users["moral_director"])
    assert "李小雨（A1001）" in _labels(client, "ledger_talk", "李小雨")[0]
    assert "（A2002）" in _labels(client, "ledger_talk", "A2002")[0]


def test_the_gate_and_bad_requests_get_no_suggestions(cast: Cast, client: Client) -> None:
    client.force_login(cast.users["gate_guard"])
    refused = client.get(SUGGEST, {"for": "gate_exit", "q": "李"})
    assert refused.status_code == 422
    assert refused.json()["code"] == "unknown_purpose" and refused.json()["message"] == "不支持的用途。"
    assert "李小雨" not in refused.content.decode()
    for params in ({"q": "李"}, {"for": "ledger_talk", "q": "李" * 31}, {"for": "x" * 41}):
        bad = client.get(SUGGEST, params)
        assert bad.status_code == 422 and bad.json()["code"] == "invalid_input", params
    assert Client().get(SUGGEST, {"for": "ledger_talk", "q": "李"}).status_code == 401


def test_a_class_teacher_is_offered_only_her_class(cast: Cast, client: Client) -> None:
    client.force_login(cast.users["class_teacher"])
    assert [label for label in _labels(client, "ledger_talk", "小") if "王小磊" in label] == []
    assert _labels(client, "case_party", "王小磊") == []


def _talk(**extra: object) -> dict[str, object]:
    return {
        "talked_on": "2026-03-16",
        "topic": "emotion",
        "content": "最近话少了",
        "mood": "low",
        "peers": "fair",
        **extra,
    }


def test_the_form_has_no_roll_and_keeps_the_choice_on_refusal(cast: Cast, client: Client) -> None:
    client.force_login(cast.users["moral_director"])
    page = client.get(TALK_NEW).content.decode()
    assert "data-student-picker" in page and "王小磊" not in page and "李小雨" not in page
    refused = client.post(
        TALK_NEW, _talk(student=cast.student_a1.pk, named_students=[cast.student_a2.pk], content="")
    )
    html = refused.content.decode()
    assert refused.status_code in (200, 422)
    assert f'value="{cast.student_a1.pk}" id="id_student-c{cast.student_a1.pk}" checked' in html
    assert "李小雨（A1001）" in html and "王小磊（A2001）" in html  # both choices still there
    assert not Talk.objects.exists()


def test_typed_number_is_resolved_when_sent_without_a_choice(cast: Cast, client: Client) -> None:
    """Without JavaScript, or offline, an exact 学号 (or a full name only one pupil bears) is enough."""
    client.force_login(cast.users["moral_director"])
    response = client.post(TALK_NEW, _talk(student__q="A1001", named_students__q="王小磊"))
    assert response.status_code == 302, response.content.decode()[:2000]
    talk = Talk.objects.get()
    assert talk.student == cast.student_a1
    assert list(talk.named_students.all()) == [cast.student_a2]


def test_unknown_typed_text_is_kept_with_a_clear_error(cast: Cast, client: Client) -> None:
    client.force_login(cast.users["moral_director"])
    response = client.post(TALK_NEW, _talk(student__q="小雨妈妈说的那个"))
    html = response.content.decode()
    assert response.status_code in (200, 422)
    assert 'value="小雨妈妈说的那个"' in html
    assert "找不到这名学生：请输入姓名或学号，再从提示中点选。" in html
    assert not Talk.objects.exists()


def test_an_id_out_of_reach_is_refused_without_its_name(cast: Cast, client: Client) -> None:
    client.force_login(cast.users["class_teacher"])
    response = client.post(TALK_NEW, _talk(student=cast.student_a2.pk, named_students=[cast.student_c1.pk]))
    html = response.content.decode()
    assert response.status_code in (200, 422)
    assert "王小磊" not in html and "周小红" not in html
    assert not Talk.objects.exists()


def test_staff_pickers_tell_namesakes_apart_by_role_and_class(cast: Cast, client: Client) -> None:
    """Three 李建国 in one school: each option says which one (role, and class for a class teacher)."""
    from anxin.org.models import Role, Unit

    def person(username: str, role: Role, unit: Unit) -> None:
        user = services.staff_create(
            actor=None, username=username, full_name="李建国", password="Aa-12345678x"
        )
        services.role_assign(actor=None, user=user, role=role, unit=unit)

    person("ljg1", Role.CLASS_TEACHER, cast.class_a1)
    person("ljg2", Role.CLASS_TEACHER, cast.class_a2)
    person("ljg3", Role.SAFETY_OFFICER, cast.school)
    client.force_login(cast.users["moral_director"])
    page = client.get("/ledgers/care/plans/new/").content.decode()
    for label in ("李建国（班主任 · 初一(1)班）", "李建国（班主任 · 初一(2)班）", "李建国（安全管理员）"):
        assert f">{label}</option>" in page, label
