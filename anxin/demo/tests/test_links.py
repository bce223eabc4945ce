"""Menus and links show only what the role may open: every link a person is shown on the demo city
answers, for that person, with a page (never 403, 404, 409 or a crash).

Each role's day starts on 工作台; the walk follows the links it is shown (the menu, panels, lists,
a case's own page) two clicks deep, the way a newcomer tries the platform.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from io import StringIO
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings

from anxin.org.models import Role, RoleAssignment, User

from .test_ledgers import NOW, SMALL

pytestmark = pytest.mark.django_db

#: With the cases of SCENARIOS.md, so that case pages and their links are walked too.
CITY = {**SMALL, "no_cases": False}

#: Links that are not pages to open: leaving, switching language, assets, the API's own docs and
#: spreadsheet exports. Printable PDFs are opened: a refusal page behind a shown button is a leak too.
SKIP = re.compile(
    r"^/(logout|i18n|static|media|api/)|\.(png|xlsx|csv|zip)(\?|$)|/export/|[?&](download|export)="
)
HREF = re.compile(r'<a\b[^>]*\bhref="([^"#]+)"')

#: How many pages one role's walk opens at most, and how deep.
MAX_PAGES, MAX_DEPTH = 120, 3


@pytest.fixture(scope="module", autouse=True)
def _frozen() -> Iterator[None]:
    # The same Monday morning the demo's other tests reason about.
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture(scope="module")
def city(
    _frozen: None, django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any
) -> Iterator[None]:
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            private = tmp_path_factory.mktemp("demo-links")
            with override_settings(VAR_DIR=private, MEDIA_ROOT=private / "media"):
                call_command("demo", **CITY, stdout=StringIO(), stderr=StringIO())
                yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _person(role: str) -> User:
    held = RoleAssignment.objects.filter(role=role, user__is_active=True, unit__is_active=True)
    # School roles from the first showcase school (实验小学), where the scenarios happen.
    first = held.order_by("unit__path", "pk").first()
    assert first is not None, f"the demo city has nobody holding {role}"
    return first.user


def _links(html: str, base: str) -> list[str]:
    out = []
    for raw in HREF.findall(html):
        href = raw.replace("&amp;", "&")
        url = urljoin(base, href)
        parts = urlsplit(url)
        if parts.netloc and parts.netloc != "testserver":
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not path.startswith("/") or SKIP.search(path):
            continue
        out.append(path)
    return out


def walk(client: Client) -> tuple[list[tuple[str, str, int]], int]:
    """(page it was shown on, link, status) for every broken link, and how many pages were opened."""
    seen: set[str] = {"/"}
    queue: list[tuple[str, str, int]] = [("", "/", 0)]
    broken: list[tuple[str, str, int]] = []
    opened = 0
    while queue and opened < MAX_PAGES:
        source, url, depth = queue.pop(0)
        response = client.get(url, follow=True)
        opened += 1
        if response.status_code in (403, 404, 409) or response.status_code >= 500:
            broken.append((source, url, response.status_code))
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        final = response.request["PATH_INFO"]
        html = response.content.decode()
        if "---------" in html:
            # Django's empty choice: a select must say what to choose (请选择…), not show dashes.
            broken.append((final, url, -1))
        if depth >= MAX_DEPTH:
            continue
        for link in _links(html, final):
            if link not in seen:
                seen.add(link)
                queue.append((final, link, depth + 1))
    return broken, opened


@pytest.mark.parametrize("role", list(Role))
def test_every_link_shown_to_a_role_opens(city: None, client: Client, role: Role) -> None:
    client.force_login(_person(role))
    broken, opened = walk(client)
    assert opened > 1, "工作台 shows no link at all"
    assert not broken, "\n".join(
        f"{status if status > 0 else 'dashes'}: {url} (shown on {source})" for source, url, status in broken
    )
