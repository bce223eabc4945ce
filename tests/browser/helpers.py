"""Helpers of the browser tests (Playwright): kept out of the application's code."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlparse

from django_otp.oath import TOTP
from playwright.sync_api import expect

from anxin.org.models import User
from anxin.testing import totp_code


def code_from_secret(secret: str) -> str:
    """What an authenticator app shows for a key typed in by hand (base32, no padding)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key).token():06d}"


def pass_second_step(page: Any, username: str) -> None:
    """In a browser test, right after a correct password: pass the second step, as the person would.

    An enrolled account types the code its authenticator shows now; an account that must use 2FA
    and has none yet enrols on the page (reading the key as an app would) and goes on.
    """
    page.wait_for_url(lambda url: "/login/" not in url)
    path = urlparse(page.url).path
    if path.startswith("/account/2fa/verify/"):
        page.get_by_label("验证码或恢复码").fill(totp_code(User.objects.get(username=username)))
        page.get_by_role("button", name="验证", exact=True).click()
    elif path.startswith("/account/2fa/setup/"):
        secret = page.get_by_test_id("otp-secret").get_attribute("data-secret")
        page.get_by_label("6 位验证码").fill(code_from_secret(secret))
        page.get_by_role("button", name="完成绑定").click()
        expect(page.get_by_test_id("recovery-codes")).to_be_visible()
        page.get_by_test_id("recovery-done").click()
    page.wait_for_url(lambda url: "/account/2fa/" not in url)
