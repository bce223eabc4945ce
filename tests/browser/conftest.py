"""Browser tests: Playwright (from PyPI) drives Debian's chromium against pytest-django's live server.

Never run ``playwright install``: it downloads its own browser and fails on these machines. The
browser is ``/usr/bin/chromium``; ``make browser-deps`` installs it with a CJK font.

The live server answers from another thread, so the data must be committed: the ``browser_cast``
fixture builds :func:`anxin.testing.build_cast` under ``transactional_db``, on whichever database
``DATABASE_URL`` names (SQLite or PostgreSQL).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings

from anxin.testing import Cast, allow_audit_flush, build_cast

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
TIMEOUT_MS = 15_000
_ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


def _missing_deps() -> str | None:
    hint = "run `make browser-deps` (it installs Debian's chromium and fonts-wqy-microhei)"
    if not CHROMIUM.exists():
        return f"Browser tests need {CHROMIUM}, which is missing: {hint}. 缺少 chromium，请先运行 make browser-deps。"
    fc_list = shutil.which("fc-list")
    if fc_list:
        fonts = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=False)
        if not fonts.stdout.strip():
            return f"No CJK font is installed, Chinese would show as empty boxes: {hint}. 缺少中文字体。"
    return None


def _is_csp_violation(text: str) -> bool:
    return "Content Security Policy" in text or text.startswith("Refused to")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One headless chromium per test module and xdist worker, with a fresh temporary profile.

    Playwright's sync API keeps an asyncio loop running on this thread while it is started, and
    Django refuses ORM calls from a thread with a running loop. DJANGO_ALLOW_ASYNC_UNSAFE is set
    only while Playwright runs and restored afterwards, so the rest of the suite keeps the check.
    """
    problem = _missing_deps()
    if problem:
        pytest.fail(problem, pytrace=False)

    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)

    previous = os.environ.get(_ASYNC_UNSAFE)
    os.environ[_ASYNC_UNSAFE] = "true"
    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        pw.stop()
        if previous is None:
            os.environ.pop(_ASYNC_UNSAFE, None)
        else:
            os.environ[_ASYNC_UNSAFE] = previous


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where screenshots go: $ANXIN_TEST_ARTIFACTS or var/test-artifacts/browser/."""
    raw = os.environ.get("ANXIN_TEST_ARTIFACTS")
    path = Path(raw) if raw else Path(settings.BASE_DIR) / "var" / "test-artifacts" / "browser"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def browser_cast(transactional_db, live_server, browser) -> Iterator[Cast]:  # noqa: ANN001
    """The shared cast, committed so the live server thread sees it.

    It asks for ``browser`` so that DJANGO_ALLOW_ASYNC_UNSAFE is already set when the cast is built
    and still set when transactional_db flushes the tables afterwards.
    """
    cast = build_cast()
    yield cast
    allow_audit_flush()


@pytest.fixture
def media_root(settings, tmp_path: Path) -> Path:  # noqa: ANN001
    """Uploads (report photos) go to a private folder for the test, never to $ANXIN_VAR_DIR/media.

    ``settings`` changes the setting process-wide, so the live server thread stores there too.
    """
    path = tmp_path / "media"
    path.mkdir()
    settings.MEDIA_ROOT = path
    return path


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[pytest.TestReport]:
    """Keep each phase's report on the item, so ``new_page`` knows when to screenshot a failure."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def new_page(request: pytest.FixtureRequest, browser, live_server, artifacts_dir: Path):  # noqa: ANN001, ANN201
    """Open a page in a fresh browser context: ``new_page("desktop")`` or ``new_page("phone")``.

    Every page fails the test on a JavaScript error, a Content-Security-Policy violation or a static
    file that does not load, and
    leaves a screenshot named after the test when the test fails.
    """
    contexts = []
    problems: list[str] = []

    def _new_page(kind: str = "desktop"):  # noqa: ANN202
        options = {"desktop": DESKTOP, "phone": PHONE}[kind]
        context = browser.new_context(
            base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", **options
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: problems.append(f"JavaScript error: {exc}"))
        # A Content-Security-Policy refusal (an inline script or style, an asset from another host)
        # is only a console message: the page looks fine until the refused part was needed.
        page.on(
            "console",
            lambda m: problems.append(f"CSP: {m.text}") if _is_csp_violation(m.text) else None,
        )
        page.on(
            "response",
            lambda r: (
                problems.append(f"{r.status} {r.url}") if "/static/" in r.url and r.status >= 400 else None
            ),
        )
        # A static file the browser could not load. net::ERR_ABORTED is the browser cancelling a
        # deferred script because the test already clicked on to the next page: not a fault (a
        # missing file is a 404 response above).
        page.on(
            "requestfailed",
            lambda r: (
                problems.append(f"failed: {r.url} {r.failure}")
                if "/static/" in r.url and "ERR_ABORTED" not in (r.failure or "")
                else None
            ),
        )
        return page

    yield _new_page

    call_report = getattr(request.node, "rep_call", None)
    if call_report is not None and call_report.failed:
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        for i, context in enumerate(contexts):
            for j, page in enumerate(context.pages):
                try:
                    page.screenshot(path=str(artifacts_dir / f"FAILED-{name}-{i}{j}.png"), full_page=True)
                except Exception:  # a screenshot of a broken page is a bonus, not a second failure
                    pass
    for context in contexts:
        context.close()
    assert not problems, "The browser reported problems:\n" + "\n".join(problems)


@pytest.fixture
def shot(artifacts_dir: Path) -> Callable[..., Path]:
    """Save a full-page screenshot as ``<name>.png`` in the artifacts folder."""

    def _shot(page, name: str) -> Path:  # noqa: ANN001
        path = artifacts_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot
