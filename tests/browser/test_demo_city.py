"""The demo city through a real browser: 王老师 (scenario 2) opens 工作台 and finds 小雨's early
warning, then her class's 1530 ledger with a term of sessions behind it. Screenshots 60 onwards."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from anxin.demo.city import DEMO_PASSWORD
from anxin.demo.tests.test_ledgers import NOW, SMALL
from anxin.testing import allow_audit_flush, frozen_time

from .test_ledgers import open_ledgers, open_tile

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_city(transactional_db, live_server, browser, settings, tmp_path: Path) -> Iterator[None]:  # noqa: ANN001
    """The small demo city with its ledgers, committed so the live server thread sees it."""
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    # The same day as anxin/demo/tests, whatever day the suite runs; the clock moves on from there.
    with frozen_time(NOW, tick=True):
        call_command("demo", **SMALL, stdout=StringIO(), stderr=StringIO())
        yield
    allow_audit_flush()


def log_in(page: Page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("您好")


def test_the_demo_class_teacher_sees_xiaoyus_warning_and_a_term_of_1530(demo_city, new_page, shot) -> None:  # noqa: ANN001
    page = new_page("phone")
    log_in(page, "wanglaoshi")
    panel = page.get_by_test_id("panel-warnings")
    expect(panel).to_contain_text("张小雨")
    expect(panel).to_contain_text("2 次谈心谈话中被其他同学提到")
    shot(page, "60-demo-wanglaoshi-home-phone")

    open_ledgers(page)
    open_tile(page, "1530安全教育")
    page.get_by_test_id("my-classes").get_by_role("link", name=re.compile(r"三年级\(2\)班")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("三年级(2)班 · 1530安全教育")
    figure = page.get_by_text(re.compile(r"近30天：应开展 \d+ 次，已完成 \d+ 次（\d+%）"))
    expect(figure).to_be_visible()
    due, done, percent = map(int, re.findall(r"\d+", figure.inner_text().split("：", 1)[1]))
    assert due > 0 and 0 < done <= due and 0 < percent <= 100
    shot(page, "61-demo-wanglaoshi-1530-phone")


#: (role, the panel that role must find first on its phone) — issue #11, "every role lands on what
#: it must do today".
WORKBENCH = [
    ("gate_guard", "panel-shortcuts"),
    ("class_teacher", "panel-1530"),
    ("county_admin", "panel-area"),
    ("principal", "panel-on-duty"),
]


def test_each_role_lands_on_what_it_must_do_today_on_a_phone(demo_city, new_page, shot) -> None:  # noqa: ANN001
    from anxin.org.models import RoleAssignment

    from .helpers import pass_second_step

    for n, (role, panel) in enumerate(WORKBENCH):
        username = (
            RoleAssignment.objects.filter(role=role, user__is_active=True)
            .order_by("unit__path", "pk")
            .first()
            .user.username
        )
        page = new_page("phone")
        page.goto("/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="登录", exact=True).click()
        pass_second_step(page, username)
        page.goto("/")
        expect(page.get_by_test_id(panel)).to_be_visible()
        # Nothing wider than the phone: no sideways scrolling to reach a button.
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
        shot(page, f"{62 + n}-demo-workbench-{role}-phone")


@pytest.fixture
def demo_city_with_cases(transactional_db, live_server, browser, settings, tmp_path: Path) -> Iterator[None]:  # noqa: ANN001
    """The small demo city with its cases and ledgers (and the bureau's figures counted from them)."""
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    with frozen_time(NOW, tick=True):
        call_command("demo", **{**SMALL, "no_cases": False}, stdout=StringIO(), stderr=StringIO())
        yield
    allow_audit_flush()


def _sign_in(page: Page, role: str, unit_path: str = "") -> str:
    from anxin.org.models import RoleAssignment

    from .helpers import pass_second_step

    holders = RoleAssignment.objects.filter(role=role, user__is_active=True, unit__path__startswith=unit_path)
    username = holders.order_by("unit__path", "pk").first().user.username
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    pass_second_step(page, username)
    return username


def test_the_bureaus_morning_story_7(demo_city_with_cases, new_page, shot) -> None:  # noqa: ANN001
    """SCENARIOS §7: the county administrator opens the dashboard, finds the two overdue
    investigations, the school without 1530 and the one whose poster was never printed, and issues a
    rectification order with a deadline; the school answers it; she checks it and closes it."""
    from anxin.org.models import Unit

    desk = new_page("desktop")
    _sign_in(desk, "county_admin")
    desk.goto("/oversight/")
    expect(desk.get_by_test_id("total-overdue")).to_have_text("2")
    attention = desk.get_by_test_id("attention")
    quiet = attention.get_by_test_id("attention-row").filter(has=desk.get_by_test_id("quiet-1530")).first
    expect(quiet).to_be_visible()
    expect(attention.get_by_test_id("no-poster").first).to_be_visible()
    # No child's name anywhere on the bureau's page.
    assert "张小雨" not in desk.content()
    shot(desk, "68-story7-dashboard-desktop")

    school = Unit.objects.get(pk=quiet.get_attribute("data-school"))
    quiet.get_by_test_id("issue-order").click()
    form = desk.get_by_test_id("order-form")
    expect(form.get_by_label(re.compile("^事由"))).to_have_value(
        re.compile("1530安全教育连续十个上学日无记录")
    )
    form.get_by_label(re.compile("^整改期限")).fill((NOW.date() + timedelta(days=14)).isoformat())
    form.get_by_role("button", name="下达").click()
    expect(desk.get_by_test_id("deadline")).to_have_text((NOW.date() + timedelta(days=14)).isoformat())
    order_url = desk.url
    shot(desk, "69-story7-order-issued-desktop")

    phone = new_page("phone")
    _sign_in(phone, "principal", school.path)
    panel = phone.get_by_test_id("panel-school-orders")
    expect(panel).to_be_visible()
    panel.get_by_test_id("open-order").first.click()
    respond = phone.get_by_test_id("action-respond")
    respond.get_by_label(re.compile("^整改情况")).fill("已为各班补上1530安全教育，并由班主任每天放学前记录。")
    respond.get_by_role("button", name="提交整改情况").click()
    expect(phone.get_by_test_id("response")).to_contain_text("已为各班补上1530安全教育")
    shot(phone, "70-story7-school-answers-phone")

    desk.goto(order_url)
    desk.get_by_test_id("action-close").get_by_role("button", name="复查通过，整改完成").click()
    expect(desk.get_by_test_id("steps")).to_contain_text("整改完成")
    shot(desk, "71-story7-order-closed-desktop")
