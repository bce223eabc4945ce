"""A principal's first login on a phone: password, enrolment of an authenticator, then 2FA login.

Screenshots land in $ANXIN_TEST_ARTIFACTS (default var/test-artifacts/browser/), numbered 70 onwards.
"""

from __future__ import annotations

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from anxin.testing import PASSWORD, Cast, totp_code

from .helpers import code_from_secret

pytestmark = pytest.mark.browser


def test_principal_enrols_and_logs_in_with_a_code_on_a_phone(
    browser_cast: Cast,
    new_page,  # noqa: ANN001
    shot,  # noqa: ANN001
    live_server,  # noqa: ANN001
) -> None:
    principal = browser_cast.users["principal"]
    TOTPDevice.objects.filter(user=principal).delete()  # a principal who never enrolled
    page = new_page("phone")

    page.goto("/login/")
    page.get_by_label("用户名").fill(principal.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()

    # Sent to enrolment before anything else.
    expect(page.get_by_role("heading", name="开启两步验证")).to_be_visible()
    assert "/account/2fa/setup/" in page.url
    expect(page.get_by_test_id("otp-qr").locator("svg")).to_be_visible()
    secret = page.get_by_test_id("otp-secret").get_attribute("data-secret")
    assert secret and re.fullmatch(r"[A-Z2-7]{32}", secret), secret
    # The QR code fits the phone's width.
    box = page.get_by_test_id("otp-qr").locator("svg").bounding_box()
    assert box is not None and box["width"] <= 390
    shot(page, "70-principal-enrol-phone")

    page.get_by_label("6 位验证码").fill("000000" if code_from_secret(secret) != "000000" else "111111")
    page.get_by_role("button", name="完成绑定").click()
    expect(page.get_by_test_id("otp-error")).to_contain_text("验证码不正确")
    TOTPDevice.objects.filter(user=principal).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )

    page.get_by_label("6 位验证码").fill(code_from_secret(secret))
    page.get_by_role("button", name="完成绑定").click()
    expect(page.get_by_role("heading", name="两步验证已开启")).to_be_visible()
    expect(page.get_by_test_id("recovery-codes").locator("code")).to_have_count(10)
    shot(page, "71-principal-recovery-codes-phone")
    page.get_by_test_id("recovery-done").click()
    expect(page.get_by_test_id("my-roles")).to_contain_text("校长")

    # Log out (the button is in the folded menu) and log in again: now the code is asked for.
    page.get_by_role("navigation").get_by_role("button", name="菜单").click()
    expect(page.locator("#mainnav")).to_have_class(re.compile(r"(^|\s)collapse show($|\s)"))
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("heading", name="登录安心校园")).to_be_visible()
    page.get_by_label("用户名").fill(principal.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", name="两步验证")).to_be_visible()
    shot(page, "72-principal-code-phone")

    # The page the principal asked for is not shown before the code.
    page.goto("/org/students/")
    expect(page.get_by_role("heading", name="两步验证")).to_be_visible()
    page.get_by_label("验证码或恢复码").fill(totp_code(principal))
    page.get_by_role("button", name="验证", exact=True).click()
    expect(page.get_by_test_id("student-table")).to_contain_text("李小雨")
    assert page.url.endswith("/org/students/")
    shot(page, "73-principal-after-code-phone")
