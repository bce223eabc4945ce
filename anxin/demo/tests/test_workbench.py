"""Every role lands on what it must do today (SCENARIOS.md, issue #11): the 工作台 of the demo city
on its Monday morning, for the gate guard, the class teacher, a county administrator and everyone
who works in a school."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from anxin.cases.models import AlertStage, DeadlineAlert
from anxin.intake.services import posters_printed
from anxin.ledgers.education.models import SafetySession
from anxin.ledgers.patrol.models import DutyShift
from anxin.ledgers.patrol.selectors import current_shift
from anxin.org.models import Role, RoleAssignment, Unit, UnitKind

from .test_links import _frozen, _person, city  # noqa: F401  (the demo city of the link walk)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("city")]


def home(client: Client, role: str) -> str:
    client.force_login(_person(role))
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def unprinted(page: str) -> int:
    """The figure beside 从未打印爱心信箱海报的学校 on a county's 工作台."""
    block = re.search(r'data-testid="area-no-poster">(.*?)</div>\s*</div>', page, re.S)
    assert block, "no poster line in the area panel"
    figure = re.search(r"badge[^>]*>(\d+)<", block[1])
    assert figure
    return int(figure[1])


def test_the_gate_guard_gets_three_big_shortcuts_and_no_empty_card(client: Client) -> None:
    page = home(client, Role.GATE_GUARD)
    for key in ("visitor", "exit", "quick"):
        href = re.search(rf'href="([^"]+)" data-testid="shortcut-{key}"', page)
        assert href, f"no {key} shortcut"
        assert client.get(href[1]).status_code == 200
    # 本校概况 without a single figure is not shown to someone who may not see pupils or staff.
    assert 'data-testid="panel-overview"' not in page


def test_the_class_teacher_records_todays_1530_from_the_workbench_in_one_tap(client: Client) -> None:
    teacher = _person(Role.CLASS_TEACHER)
    klass = RoleAssignment.objects.filter(user=teacher, role=Role.CLASS_TEACHER).earliest("pk").unit
    SafetySession.objects.filter(klass=klass).delete()  # the demo may already have today's
    page = home(client, Role.CLASS_TEACHER)
    form = re.search(
        r'<form method="post" action="([^"]+)"[^>]*data-testid="1530-one-tap">(.*?)</form>', page, re.S
    )
    assert form, "no one-tap 1530 button on 工作台"
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form[2]))
    response = client.post(form[1], fields, follow=True)
    assert "已记录" in response.content.decode()
    assert SafetySession.objects.filter(klass=klass).count() == 1
    after = home(client, Role.CLASS_TEACHER)
    assert 'data-testid="1530-done"' in after and 'data-testid="1530-one-tap"' not in after


@pytest.mark.parametrize("role", [Role.PRINCIPAL, Role.CLASS_TEACHER, Role.GATE_GUARD, Role.DORM_STAFF])
def test_everyone_in_a_school_sees_who_leads_the_duty_now(client: Client, role: str) -> None:
    page = home(client, role)
    assert 'data-testid="panel-on-duty"' in page
    person = _person(role)
    school = RoleAssignment.objects.filter(user=person).earliest("pk").unit.school
    day, shift = current_shift()
    leaders = DutyShift.objects.filter(school=school, date=day, shift=shift, is_leader=True)
    if leaders.exists():
        assert str(leaders.earliest("pk").person) in page
    else:
        assert 'data-testid="duty-none"' in page


def test_the_county_administrator_sees_what_needs_looking_at_in_the_county(client: Client) -> None:
    page = home(client, Role.COUNTY_ADMIN)
    assert 'data-testid="panel-area"' in page
    county = _person(Role.COUNTY_ADMIN).assignments.get(role=Role.COUNTY_ADMIN).unit
    schools = list(Unit.objects.filter(kind=UnitKind.SCHOOL, path__startswith=county.path).order_by("path"))
    listed = unprinted(page)
    assert len(schools) > 1 and listed == 1  # SCENARIOS §7: one school never printed its poster
    # Printing it takes it off the list.
    posters_printed(actor=_person(Role.PRINCIPAL), schools=schools, fmt="pdf")
    assert unprinted(home(client, Role.COUNTY_ADMIN)) == 0
    # A school officer sees no county panel.
    assert 'data-testid="panel-area"' not in home(client, Role.SAFETY_OFFICER)


def test_the_demo_city_has_overdue_investigations_escalated_to_their_principals(client: Client) -> None:
    # SCENARIOS §7: the running platform's sweep has reported them; their principals see them first.
    escalated = {
        a.deadline.case.school_id
        for a in DeadlineAlert.objects.filter(stage=AlertStage.PRINCIPAL, deadline__met_at__isnull=True)
    }
    assert len(escalated) >= 2
    for principal in RoleAssignment.objects.filter(role=Role.PRINCIPAL, unit_id__in=escalated):
        client.force_login(principal.user)
        assert 'data-testid="panel-escalated"' in client.get("/").content.decode()
