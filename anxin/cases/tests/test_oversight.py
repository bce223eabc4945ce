"""The bureau's page, the involved-school page and the deadline-policy page, as their users see them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from anxin.audit.models import AuditEvent
from anxin.org.models import Role, RoleAssignment, Unit, User
from anxin.testing import Cast, frozen_time

from ..models import Case, DeadlineKind, DeadlinePolicy, PartyRole
from ..services import case_act
from .helpers import add_parties, determine_data, lead, open_case, today, walk

pytestmark = pytest.mark.django_db

BUREAU = reverse("cases:bureau")
INVOLVED = reverse("cases:involved")
POLICY = reverse("cases:policy")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def person(username: str, role: str, unit: Unit) -> User:
    user = User.objects.create(username=username, full_name=username)
    RoleAssignment.objects.create(user=user, role=role, unit=unit)
    return user


def rows(response, section: str) -> list[int]:  # noqa: ANN001
    return [row["case"].pk for row in response.context["sections"][section]["rows"]]


# --- The bureau's page -----------------------------------------------------------------------


def test_county_admin_sees_a_case_on_the_serious_list_as_soon_as_it_is_found_serious(
    cast: Cast, login
) -> None:
    case = walk(cast, "pending")
    client = login(cast.users["county_admin"])
    before = client.get(BUREAU)
    assert before.status_code == 200
    assert case.pk not in rows(before, "serious")
    assert before.context["sections"]["serious"]["count"] == 0

    case_act(
        actor=cast.users["principal"],
        case=case,
        action="determine",
        data=determine_data(cast, gravity="serious"),
    )

    response = client.get(BUREAU)
    page = response.content.decode()
    assert rows(response, "serious") == [case.pk]
    assert response.context["sections"]["serious"]["count"] == 1
    assert case.number in page and reverse("cases:detail", args=[case.pk]) in page
    # A serious case: the bureau sees who the children are, and that it has not acknowledged it yet.
    assert "李小雨" in page and "王小磊" in page
    assert "待确认知悉" in page and "严重" in page


def test_reading_childrens_names_on_the_bureau_page_is_audited(cast: Cast, login) -> None:
    case = walk(cast, "determined", gravity="serious")
    login(cast.users["county_admin"]).get(BUREAU)
    event = AuditEvent.objects.get(action="case.bureau_list_viewed")
    assert event.actor_id == cast.users["county_admin"].pk
    assert event.after == {"identities": [case.pk]}


def test_county_admin_of_another_county_does_not_see_the_case(cast: Cast, login) -> None:
    case = walk(cast, "determined", gravity="serious")
    other = person("t_county2_admin", Role.COUNTY_ADMIN, cast.county2)
    response = login(other).get(BUREAU)
    assert response.status_code == 200
    assert all(section["count"] == 0 for section in response.context["sections"].values())
    page = response.content.decode()
    assert case.number not in page and "李小雨" not in page


def test_city_admin_sees_the_serious_cases_of_every_county(cast: Cast, login) -> None:
    case = walk(cast, "determined", gravity="illegal")
    response = login(cast.users["city_admin"]).get(BUREAU)
    assert rows(response, "serious") == [case.pk]
    assert "实验中学" in response.content.decode()


@pytest.mark.parametrize("role", ["class_teacher", "principal", "moral_director", "inspector"])
def test_school_staff_and_inspectors_get_404(cast: Cast, login, role: str) -> None:
    walk(cast, "determined", gravity="serious")
    assert login(cast.users[role]).get(BUREAU).status_code == 404


def test_teacher_of_other_school_gets_404(cast: Cast, login) -> None:
    assert login(cast.outsider).get(BUREAU).status_code == 404


def test_bureau_page_takes_no_posts(cast: Cast, login) -> None:
    assert login(cast.users["county_admin"]).post(BUREAU, {"x": "1"}).status_code == 405


def test_re_examination_shows_its_deadline_and_panel_with_names_masked(cast: Cast, login) -> None:
    case = walk(cast, "notified")  # gravity 较重: not serious
    target = case.parties.get(role=PartyRole.TARGET)
    case = case_act(
        actor=lead(cast),
        case=case,
        action="apply_reexam",
        data={"applicant": target.pk, "applied_on": today().isoformat(), "reason": "我们不同意认定结果"},
    )
    admin = cast.users["county_admin"]
    client = login(admin)
    response = client.get(BUREAU)
    assert rows(response, "reexam") == [case.pk]
    row = response.context["sections"]["reexam"]["rows"][0]
    due = case.deadlines.get(kind=DeadlineKind.REEXAMINATION)
    assert due.due_on is not None and row["reexam_due"]["due_on"] == due.due_on
    page = response.content.decode()
    assert "复查决定期限" in page and due.due_on.isoformat() in page
    assert "复查小组待组成" in page
    # Not a serious case: the bureau sees 李*雨, never the name.
    assert "李*雨" in page and "李小雨" not in page and "王小磊" not in page
    assert not AuditEvent.objects.filter(action="case.bureau_list_viewed").exists()

    case_act(
        actor=admin,
        case=case,
        action="assign_panel",
        data={"school_member": "外校代表", "parent_member": "家长代表", "expert_member": "律师"},
    )
    assert "复查小组已组成（3 人" in client.get(BUREAU).content.decode()


def test_overdue_investigation_is_listed_with_its_days_over(cast: Cast, login) -> None:
    with frozen_time(datetime(2026, 9, 24, 10, 0, tzinfo=SHANGHAI)):
        case = open_case(cast)
    assert case.deadlines.get(kind=DeadlineKind.INVESTIGATION).due_on == date(2026, 10, 8)
    with frozen_time(datetime(2026, 10, 20, 9, 0, tzinfo=SHANGHAI)):
        response = login(cast.users["county_admin"]).get(BUREAU)
    assert rows(response, "overdue") == [case.pk]
    page = response.content.decode()
    # 10-09, Saturday 10-10 (a make-up working day), 10-12 ... 10-16, 10-19, 10-20.
    assert "调查期限" in page and "2026-10-08" in page and "已逾期 9 个工作日" in page


def queries(client: Client, url: str) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def open_cases(cast: Cast, n: int, *, serious_every: int = 2) -> list[Case]:
    """``n`` cases of school A with their two parties; every ``serious_every``-th one found serious.

    Finding a case serious takes the whole procedure; the pages read only the flag, so it is set
    directly here to keep thirty cases cheap.
    """
    cases = []
    for i in range(n):
        case = open_case(cast)
        add_parties(cast, case)
        if i % serious_every == 0:
            Case.objects.filter(pk=case.pk).update(serious=True)
        cases.append(case)
    return cases


def test_bureau_page_costs_the_same_queries_for_30_cases_as_for_3_and_names_only_serious_ones(
    cast: Cast, login
) -> None:
    opened = datetime(2026, 9, 24, 10, 0, tzinfo=SHANGHAI)
    seen = datetime(2026, 10, 20, 9, 0, tzinfo=SHANGHAI)  # every investigation is overdue by then
    with time_machine.travel(opened, tick=False):
        cases = open_cases(cast, 3)
    with time_machine.travel(seen, tick=False):
        client = login(cast.users["city_admin"])
        client.get(BUREAU)
        few, _response = queries(client, BUREAU)
    with time_machine.travel(opened, tick=False):
        cases += open_cases(cast, 27)
    with time_machine.travel(seen, tick=False):
        many, response = queries(client, BUREAU)

    assert many == few
    serious = sorted(c.pk for c in Case.objects.filter(pk__in=[c.pk for c in cases], serious=True))
    assert 0 < len(serious) < len(cases) == 30
    overdue = response.context["sections"]["overdue"]["rows"]
    assert sorted(row["case"].pk for row in overdue) == sorted(c.pk for c in cases)
    for row in overdue:
        names = {p["name"] for p in row["parties"]}
        if row["case"].pk in serious:
            assert row["identities"] is True and names == {"李小雨", "王小磊"}
        else:
            assert row["identities"] is False and names == {"李*雨", "王*磊"}
    last = AuditEvent.objects.filter(action="case.bureau_list_viewed").order_by("-pk").first()
    assert last is not None and last.after == {"identities": serious}


# --- The involved school's page --------------------------------------------------------------


def involved_case(cast: Cast) -> Case:
    """A case of school A whose witness is 陈小明 of school B."""
    case = open_case(cast)
    add_parties(cast, case)
    case_act(
        actor=lead(cast),
        case=case,
        action="add_party",
        # A child of another school: named by 学号 and full name, not by an id.
        data={"role": "witness", "student_no": "B1001", "name": "陈小明"},
    )
    return case


def test_involved_school_principal_sees_only_their_own_students_part(cast: Cast, login) -> None:
    case = involved_case(cast)
    principal_b = person("t_principal_b", Role.PRINCIPAL, cast.school_b)
    response = login(principal_b).get(INVOLVED)
    assert response.status_code == 200
    page = response.content.decode()
    assert "陈小明" in page and "旁观者" in page and "实验中学" in page and "已受理" in page
    assert case.opened_on.isoformat() in page
    # Never the other parties, the narrative, the title, nor a way into the case.
    for secret in ("李小雨", "王小磊", "李*雨", "王*磊", "两名室友每晚打他", "宿舍同学夜间殴打", case.number):
        assert secret not in page, secret
    assert reverse("cases:detail", args=[case.pk]) not in page
    assert len(response.context["rows"]) == 1


def test_the_students_class_teacher_sees_the_name_and_is_told_to_look(cast: Cast, login) -> None:
    involved_case(cast)
    # cast.outsider teaches class B1, 陈小明's class: the case service sent them here.
    response = login(cast.outsider).get(INVOLVED)
    assert response.status_code == 200
    assert "陈小明" in response.content.decode()
    assert AuditEvent.objects.filter(action="case.involved_viewed", actor=cast.outsider).exists()


def test_other_staff_of_the_involved_school_see_only_the_masked_name(cast: Cast, login) -> None:
    involved_case(cast)
    safety_b = person("t_safety_b", Role.SAFETY_OFFICER, cast.school_b)
    page = login(safety_b).get(INVOLVED).content.decode()
    assert "陈*明" in page and "陈小明" not in page


def test_principal_of_a_school_not_involved_sees_nothing(cast: Cast, login) -> None:
    involved_case(cast)
    for user in (cast.far_outsider, cast.users["principal"]):  # school C; the case's own school
        response = login(user).get(INVOLVED)
        assert response.status_code == 200
        assert response.context["rows"] == []
        assert "陈小明" not in response.content.decode()


def test_involved_page_costs_the_same_queries_for_30_cases_as_for_3(cast: Cast, login) -> None:
    principal_b = login(person("t_principal_b", Role.PRINCIPAL, cast.school_b))
    safety_b = Client()
    safety_b.force_login(person("t_safety_b", Role.SAFETY_OFFICER, cast.school_b))
    for _ in range(3):
        involved_case(cast)
    principal_b.get(INVOLVED)
    safety_b.get(INVOLVED)
    few = [queries(principal_b, INVOLVED)[0], queries(safety_b, INVOLVED)[0]]
    for _ in range(27):
        involved_case(cast)
    (lead_count, lead_page), (staff_count, staff_page) = (
        queries(principal_b, INVOLVED),
        queries(safety_b, INVOLVED),
    )

    assert [lead_count, staff_count] == few
    assert [row["name"] for row in lead_page.context["rows"]] == ["陈小明"] * 30
    assert [row["name"] for row in staff_page.context["rows"]] == ["陈*明"] * 30


@pytest.mark.parametrize("role", ["county_admin", "gate_guard", "inspector"])
def test_involved_page_is_404_without_handling_reach(cast: Cast, login, role: str) -> None:
    involved_case(cast)
    assert login(cast.users[role]).get(INVOLVED).status_code == 404


def test_involved_page_takes_no_posts(cast: Cast, login) -> None:
    assert login(cast.users["principal"]).post(INVOLVED, {"x": "1"}).status_code == 405


# --- The deadline policy ---------------------------------------------------------------------


def policy_post(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "investigation_days": 10,
        "investigation_unit": "calendar",
        "appeal_days": 5,
        "appeal_unit": "calendar",
        "reexamination_days": 15,
        "reexamination_unit": "calendar",
        "visit_1w_days": 7,
        "visit_1w_unit": "calendar",
        "visit_1m_days": 30,
        "visit_1m_unit": "calendar",
        "visit_3m_days": 90,
        "visit_3m_unit": "calendar",
        "remind_working_days": 2,
        "escalate_principal_after": 1,
        "escalate_bureau_after": 3,
        "quorum_percent": 50,
        "note": "",
    }
    data.update(changes)
    return data


def test_county_policy_applies_to_cases_opened_afterwards_and_old_cases_keep_their_deadline(
    cast: Cast, login
) -> None:
    client = login(cast.users["county_admin"])
    with frozen_time(datetime(2026, 9, 24, 10, 0, tzinfo=SHANGHAI)):
        page = client.get(POLICY).content.decode()
        assert "城关区" in page and "系统默认规则" in page
        assert "已立案的案件按立案时适用的规则版本计算期限" in page
        old = open_case(cast)  # under the city's default rules (made on first use)
        assert "沿用测试市第 1 版规则" in client.get(POLICY).content.decode()

        response = client.post(POLICY, policy_post(investigation_unit="working", note="调查期限按工作日计算"))
        assert response.status_code == 302
        saved = DeadlinePolicy.objects.get(unit=cast.county)
        assert saved.version == 1 and saved.rules["investigation"] == {"days": 10, "unit": "working"}

        new = open_case(cast)

    assert new.policy_id == saved.pk
    assert new.deadlines.get(kind=DeadlineKind.INVESTIGATION).due_on == date(2026, 10, 15)
    old.refresh_from_db()
    assert old.policy_id != saved.pk
    assert old.deadlines.get(kind=DeadlineKind.INVESTIGATION).due_on == date(2026, 10, 8)

    page = client.get(response["Location"]).content.decode()
    assert "已保存城关区期限规则第 1 版" in page
    assert "第 1 版" in page and "10 个工作日" in page and "调查期限按工作日计算" in page
    assert "1 件按此版本计算" in page


def test_bad_values_are_named_at_each_field_and_nothing_is_stored(cast: Cast, login) -> None:
    client = login(cast.users["county_admin"])
    response = client.post(
        POLICY,
        policy_post(
            investigation_days=0,
            appeal_unit="lunar",
            quorum_percent=150,
            escalate_principal_after=5,
            escalate_bureau_after=2,
        ),
    )
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert "appeal_unit" in errors  # not a way of counting: the form refuses it before the service
    assert not DeadlinePolicy.objects.exists()

    response = client.post(
        POLICY,
        policy_post(
            investigation_days=0, quorum_percent=150, escalate_principal_after=5, escalate_bureau_after=2
        ),
    )
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert "天数须为 1 到 365 的整数" in errors["investigation_days"][0]
    assert "须为 0 到 99 的整数" in errors["quorum_percent"][0]
    assert "上报教育局不能早于上报校长" in errors["escalate_bureau_after"][0]
    page = response.content.decode()
    assert "期限规则有误" in page and "天数须为 1 到 365 的整数" in page
    assert not DeadlinePolicy.objects.exists()


def test_missing_and_non_numeric_values_are_refused_in_chinese(cast: Cast, login) -> None:
    client = login(cast.users["county_admin"])
    data = policy_post(visit_1w_days="abc")
    del data["remind_working_days"]
    response = client.post(POLICY, data)
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert errors["visit_1w_days"] == ["请输入整数。"] and errors["remind_working_days"] == ["此项为必填项。"]
    assert not DeadlinePolicy.objects.exists()


def test_a_county_without_its_own_policy_shows_the_citys(cast: Cast, login) -> None:
    city = login(cast.users["city_admin"])
    response = city.post(f"{POLICY}?unit={cast.city.pk}", policy_post(appeal_days=7))
    assert response.status_code == 302
    assert DeadlinePolicy.objects.get(unit=cast.city).rules["appeal"]["days"] == 7
    page = login(cast.users["county_admin"]).get(POLICY).content.decode()
    assert "沿用测试市第 1 版规则" in page and "7 个自然日" in page


def test_county_admin_cannot_choose_another_unit(cast: Cast, login) -> None:
    client = login(cast.users["county_admin"])
    for unit in (cast.county2.pk, cast.city.pk, cast.school.pk, "abc", "1 OR 1=1"):
        assert client.get(POLICY, {"unit": unit}).status_code == 404
        assert client.post(f"{POLICY}?unit={unit}", policy_post()).status_code == 404
    assert not DeadlinePolicy.objects.exists()


@pytest.mark.parametrize("role", ["principal", "class_teacher", "inspector"])
def test_school_staff_get_404_and_store_nothing(cast: Cast, login, role: str) -> None:
    client = login(cast.users[role])
    assert client.get(POLICY).status_code == 404
    assert client.post(POLICY, policy_post(investigation_unit="working")).status_code == 404
    assert not DeadlinePolicy.objects.exists()


def test_teacher_of_other_school_gets_404_on_policy(cast: Cast, login) -> None:
    assert login(cast.outsider).get(POLICY).status_code == 404


def test_city_page_lists_the_default_version_and_which_counties_have_their_own(cast: Cast, login) -> None:
    open_case(cast)  # the city's default rules are made on first use, by nobody
    client = login(cast.users["city_admin"])
    client.post(f"{POLICY}?unit={cast.county.pk}", policy_post(investigation_unit="working"))
    response = client.get(POLICY, {"unit": cast.city.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert "系统默认" in page and "1 件按此版本计算" in page
    assert "城关区" in page and "自定规则第 1 版" in page and "东城区" in page and "沿用市级规则" in page


def test_bureau_page_links_to_the_deadline_rules(cast: Cast, login) -> None:
    page = login(cast.users["county_admin"]).get("/cases/bureau/").content.decode()
    assert 'data-testid="policy-link"' in page and 'href="/cases/policy/"' in page
