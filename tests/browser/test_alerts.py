"""Issue 14: an urgent report's outside alerts and their delivery states, seen by the principal.

A fake DingTalk server refuses the first try (HTTP 500); the principal opens the report and reads
"发送失败，等待重试" with the reason; the retry goes through and the page says "已送达".
"""

from __future__ import annotations

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from anxin.core import channels
from anxin.core.delivery import deliveries_due
from anxin.core.models import ChannelSettings, Delivery
from anxin.core.tests.fakehttp import fake_server
from anxin.intake import services
from anxin.testing import Cast

from .test_intake import log_in

pytestmark = pytest.mark.browser

KNIFE = "宿舍两个室友每天晚上打我，还说明天带刀来收拾我"


def test_principal_sees_the_delivery_states_of_an_urgent_alert(browser_cast: Cast, new_page, shot) -> None:  # noqa: ANN001
    channels.forget_tokens()
    principal = browser_cast.users["principal"]
    ChannelSettings.objects.create(user=principal, channels=["dingtalk"], dingtalk_token="school-robot")
    answers = iter([(500, {}), (200, {"errcode": 0, "errmsg": "ok"})])
    with fake_server() as fake, override_settings(NOTIFY_CHANNELS=["dingtalk"], DINGTALK_API_BASE=fake.url):
        fake.answer = lambda seen: next(answers)
        report = services.report_submit(school_code=browser_cast.school.code, text=KNIFE).report
        page = new_page()
        log_in(page, principal.username)
        page.goto(f"/intake/{report.pk}/")
        table = page.get_by_test_id("deliveries")
        expect(table).to_contain_text("钉钉群机器人")
        expect(table).to_contain_text("发送失败，等待重试")
        expect(table).to_contain_text("HTTP 500")
        shot(page, "90-alert-delivery-failed")
        deliveries_due(Delivery.objects.get().next_attempt_at)
        page.reload()
        expect(page.get_by_test_id("deliveries")).to_contain_text("已送达")
        shot(page, "91-alert-delivery-sent")
    assert "带刀" not in fake.seen[0].body.decode()
