"""The Content-Security-Policy in a real browser: pages work under it, and a violation fails a test.

``new_page`` (conftest.py) fails any test whose pages log a CSP refusal; these tests add the pages
that had inline script before (the quick report, the risk view, the patrol print page, the API
docs) and prove that the check itself catches a refusal.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from anxin.testing import Cast

from .conftest import _is_csp_violation
from .test_foundation import log_in

pytestmark = pytest.mark.browser


def test_the_console_check_catches_an_inline_script_refused_by_the_policy(browser, live_server) -> None:  # noqa: ANN001
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    # The site's own login page, with an inline script slipped in: the policy from the server refuses it.
    page.route(
        "**/login/",
        lambda route: route.fulfill(
            response=route.fetch(),
            body='<!doctype html><html><body><script>document.title="ran"</script>x</body></html>',
        ),
    )
    page.goto("/login/")
    page.wait_for_timeout(200)
    assert page.title() != "ran"
    assert any(_is_csp_violation(m) for m in messages), messages
    context.close()


def test_staff_pages_with_former_inline_script_work_under_the_policy(
    browser_cast: Cast,
    new_page,  # noqa: ANN001
) -> None:
    page = new_page("phone")
    log_in(page, "t_duty_staff")
    page.goto("/intake/quick/")
    # The photo button shows the chosen file's name (this was an inline script).
    page.locator("input[type=file][name=photo]").set_input_files(
        files=[{"name": "走廊.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n"}]
    )
    expect(page.locator("#photo-name")).to_have_text("走廊.png")
    page.locator("input[type=file][name=photo]").set_input_files(files=[])
    expect(page.locator("#photo-name")).to_have_text("拍照")

    page = new_page("desktop")
    log_in(page, "t_principal")
    page.goto("/ledgers/warnings/risk/")
    expect(page.get_by_test_id("heat-grid")).to_be_visible()
    page.goto("/ledgers/")
    expect(page.locator("body")).to_be_visible()


def test_api_docs_render_under_the_policy(browser_cast: Cast, new_page) -> None:  # noqa: ANN001
    page = new_page("desktop")
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    page.goto("/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("安心校园 API")
    expect(page.locator(".opblock").first).to_be_visible()
    assert hosts == {page.url.split("/")[2]}, hosts
