"""The foundation through a real browser: login, 工作台, navigation, scoped student lists, 404s.

Screenshots of each key page land in $ANXIN_TEST_ARTIFACTS (default var/test-artifacts/browser/).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from anxin.testing import PASSWORD, Cast

from .helpers import pass_second_step

pytestmark = pytest.mark.browser

# The menu links start with a Bootstrap icon glyph, which is part of their accessible name.
NAV_STUDENTS = re.compile(r"(^|\s)学生$")


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Fill and submit the real login form at /login/."""
    page.goto("/login/")
    expect(page.get_by_role("heading", name="登录安心校园")).to_be_visible()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    if password == PASSWORD:
        pass_second_step(page, username)


def path_is(page: Page, live_server, path: str) -> None:  # noqa: ANN001
    expect(page).to_have_url(re.compile("^" + re.escape(live_server.url + path) + r"(\?.*)?$"))


def test_principal_sees_own_school_and_outsider_gets_404(
    browser_cast: Cast,
    new_page,  # noqa: ANN001
    shot,  # noqa: ANN001
    live_server,  # noqa: ANN001
) -> None:
    page = new_page("desktop")

    # Flow 1: the principal of school A logs in through the form and lands on the 工作台.
    log_in(page, "t_principal")
    path_is(page, live_server, "/")
    expect(page).to_have_title(re.compile("^工作台"))
    expect(page.get_by_role("heading", level=1)).to_have_text("校长甲，您好")
    expect(page.get_by_role("heading", name="我的岗位")).to_be_visible()
    expect(page.get_by_test_id("my-roles")).to_contain_text("校长 · 实验中学")
    expect(page.get_by_test_id("current-user")).to_contain_text("校长甲")
    # On a desktop the navigation is spread out, with no menu button.
    expect(page.get_by_role("button", name="菜单")).to_be_hidden()
    shot(page, "01-principal-home")

    page.get_by_role("navigation").get_by_role("link", name=NAV_STUDENTS).click()
    path_is(page, live_server, "/org/students/")
    table = page.get_by_test_id("student-table")
    expect(table).to_contain_text("李小雨")
    expect(table).to_contain_text("王小磊")  # the other class of the same school
    expect(table).not_to_contain_text("陈小明")  # school B
    expect(table).not_to_contain_text("周小红")  # county 370103
    shot(page, "01-principal-students")

    table.get_by_role("link", name="李小雨").click()
    expect(page.get_by_test_id("student-name")).to_have_text("李小雨")
    student_url = page.url
    assert re.search(rf"/org/students/{browser_cast.student_a1.pk}/$", student_url), student_url
    # The principal may see care data: key group and guardian.
    expect(page.get_by_role("heading", name="重点群体")).to_be_visible()
    expect(page.get_by_text("留守儿童", exact=True)).to_be_visible()
    expect(page.get_by_text("李奶奶")).to_be_visible()
    shot(page, "01-principal-student")

    # Flow 2: log out, log in as a class teacher of school B, open 李小雨's page directly.
    page.get_by_role("button", name="退出").click()
    path_is(page, live_server, "/login/")
    log_in(page, "t_outsider")
    path_is(page, live_server, "/")
    expect(page.get_by_test_id("my-roles")).to_contain_text("班主任")

    response = page.goto(student_url)
    assert response is not None and response.status == 404, response and response.status
    expect(page.get_by_test_id("error-message")).to_contain_text("未找到")
    expect(page.locator("main")).not_to_contain_text("李小雨")
    shot(page, "02-outsider-student-404")


def test_class_teacher_on_phone_sees_only_own_class(
    browser_cast: Cast,
    new_page,  # noqa: ANN001
    shot,  # noqa: ANN001
    live_server,  # noqa: ANN001
) -> None:
    # Flow 3: the class teacher of class A1 on a phone.
    page = new_page("phone")
    page.goto("/login/")
    expect(page.get_by_role("button", name="登录", exact=True)).to_be_visible()
    shot(page, "03-login-phone")
    log_in(page, "t_class_teacher")
    path_is(page, live_server, "/")
    expect(page.get_by_test_id("my-roles")).to_contain_text("班主任")

    nav = page.get_by_role("navigation")
    menu = nav.get_by_role("button", name="菜单")
    students_link = nav.get_by_role("link", name=NAV_STUDENTS)
    expect(menu).to_be_visible()
    expect(students_link).to_be_hidden()
    shot(page, "03-class-teacher-home-phone")

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(students_link).to_be_visible()
    # Wait for Bootstrap's collapse animation to finish before the screenshot.
    expect(page.locator("#mainnav")).to_have_class(re.compile(r"(^|\s)collapse show($|\s)"))
    shot(page, "03-class-teacher-menu-phone")

    students_link.click()
    path_is(page, live_server, "/org/students/")
    table = page.get_by_test_id("student-table")
    expect(table).to_contain_text("李小雨")
    expect(table).not_to_contain_text("王小磊")  # class A2 of the same school
    expect(table).not_to_contain_text("陈小明")
    expect(table).not_to_contain_text("周小红")
    # The menu closes again on the new page.
    expect(students_link).to_be_hidden()
    shot(page, "03-class-teacher-students-phone")

    table.get_by_role("link", name="李小雨").click()
    expect(page.get_by_test_id("student-name")).to_have_text("李小雨")
    shot(page, "03-class-teacher-student-phone")


def test_wrong_password_stays_on_login(
    browser_cast: Cast,
    new_page,  # noqa: ANN001
    shot,  # noqa: ANN001
    live_server,  # noqa: ANN001
) -> None:
    # Flow 4: a wrong password shows the Chinese error and stays on the login page.
    page = new_page("desktop")
    log_in(page, "t_principal", password="not-the-password")
    expect(page.get_by_role("alert")).to_have_text("用户名或密码错误。")
    path_is(page, live_server, "/login/")
    expect(page.get_by_label("用户名")).to_have_value("t_principal")
    expect(page.get_by_test_id("current-user")).to_have_count(0)
    shot(page, "04-wrong-password")
