"""The demo city through a real browser: 王老师 (scenario 2) opens 工作台 and finds 小雨's early
warning, then her class's 1530 ledger with a term of sessions behind it. Screenshots 60 onwards."""

from __future__ import annotations

import re
from collections.abc import Iterator
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
