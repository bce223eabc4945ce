"""Response headers and page markup that a browser enforces: CSP, Permissions-Policy, no-store,
the API docs' assets, the CSRF failure page."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from anxin.testing import page_routes

pytestmark = pytest.mark.django_db


def _csp(response) -> dict[str, list[str]]:  # noqa: ANN001
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_csp_allows_scripts_and_styles_only_from_this_site(client: Client):
    policy = _csp(client.get("/login/"))
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'self'"]
    assert set(policy["img-src"]) == {"'self'", "data:"}
    header = client.get("/login/")["Content-Security-Policy"]
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header


def test_csp_is_on_public_box_pages_and_api_answers(cast, client: Client):
    assert "script-src 'self'" in client.get(f"/box/{cast.school.code}/")["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in client.get("/api/org/units")["Content-Security-Policy"]


def test_permissions_policy_turns_off_camera_microphone_and_location(client: Client):
    header = client.get("/login/")["Permissions-Policy"]
    features = dict(item.strip().split("=") for item in header.split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()"


def test_staff_page_is_not_kept_by_the_browser(cast, login):
    response = login(cast.users["principal"]).get("/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@pytest.mark.parametrize("path", ["/api/org/units", "/api/org/students", "/notifications/", "/org/students/"])
def test_pages_and_api_answers_with_personal_data_say_no_store(cast, login, path):
    response = login(cast.users["principal"]).get(path)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_public_box_page_and_receipt_lookup_say_no_store(cast, client: Client):
    assert "no-store" in client.get(f"/box/{cast.school.code}/")["Cache-Control"]
    assert "no-store" in client.get("/box/follow/")["Cache-Control"]


def test_static_files_keep_their_cache_lifetime(client: Client):
    response = client.get("/static/anxin/anxin.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


# No inline script or style in any page -----------------------------------------------------------


class _Inline(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would refuse."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            if not a.get("src") and a.get("type") != "application/json":
                self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> element")
        for name, value in attrs:
            if re.fullmatch(r"on[a-z]+", name):
                self.problems.append(f"{tag} {name}= handler")
            if name == "style":
                self.problems.append(f"{tag} style= attribute")
            if name in {"href", "src", "action", "formaction"} and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"{tag} {name}=javascript:")
            if (
                name in {"href", "src"}
                and re.match(r"(https?:)?//", value or "")
                and tag in {"script", "link"}
            ):
                self.problems.append(f"{tag} loads {value} from another site")


def inline_problems(html: str) -> list[str]:
    parser = _Inline()
    parser.feed(html)
    return parser.problems


def _plain_routes() -> list[str]:
    return page_routes()


def test_the_checker_finds_what_a_strict_policy_refuses():
    html = (
        '<script>alert(1)</script><script type="application/json">{}</script><a onclick="x()" '
        'href="javascript:go()">a</a><p style="color:red"></p><style>p{}</style>'
        '<script src="https://cdn.example.com/x.js"></script>'
    )
    assert len(inline_problems(html)) == 6
    assert (
        inline_problems('<script src="/static/a.js"></script><script type="application/json">1</script>')
        == []
    )


@pytest.mark.parametrize(
    "role",
    ["principal", "class_teacher", "gate_guard", "duty_staff", "county_admin", "city_admin", "anonymous"],
)
def test_no_page_holds_inline_script_or_style(cast, client: Client, role):
    if role != "anonymous":
        client.force_login(cast.users[role])
    pages = _plain_routes() + [
        f"/box/{cast.school.code}/",
        f"/org/students/{cast.student_a1.pk}/",
        f"/org/units/{cast.school.pk}/",
    ]
    seen = 0
    found = {}
    for path in pages:
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        seen += 1
        problems = inline_problems(response.content.decode())
        if problems:
            found[path] = sorted(set(problems))
    assert seen >= 3
    assert found == {}


# API docs --------------------------------------------------------------------------------------


def test_api_docs_load_swagger_ui_from_this_site(client: Client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "/static/ninja/swagger-ui.css" in html
    assert not re.search(r'(src|href)="(https?:)?//', html), "an asset comes from another host"
    assert inline_problems(html) == []
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200


def test_api_docs_need_a_login_when_not_public(cast, client: Client, settings):
    settings.API_DOCS_PUBLIC = False
    response = client.get("/api/docs")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    client.force_login(cast.users["class_teacher"])
    assert client.get("/api/docs").status_code == 200


def test_production_settings_do_not_publish_api_docs(tmp_path):
    from anxin.core.tests.test_settings import _run

    key = tmp_path / "key"
    key.write_text("x" * 60, encoding="utf-8")
    env = {
        "ANXIN_ENV": "production",
        "SECRET_KEY_FILE": str(key),
        "ANXIN_VAR_DIR": str(tmp_path),
        "FIELD_ENCRYPTION_KEYS": "k" * 40,
        "AUDIT_HMAC_KEYS": "a" * 40,
    }
    code = "from django.conf import settings; print('public', settings.API_DOCS_PUBLIC)"
    assert "public False" in _run(env, "shell", "-c", code).stdout
    assert "public True" in _run({**env, "ANXIN_ENV": "development"}, "shell", "-c", code).stdout


# CSRF ------------------------------------------------------------------------------------------


def test_csrf_failure_is_a_chinese_page(cast, password):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "principal", "password": password})
    assert response.status_code == 403
    html = response.content.decode()
    assert "请求未能验证" in html
    assert "刷新后重新提交" in html
    assert "CSRF" not in html
    assert inline_problems(html) == []


def test_csrf_failure_in_the_api_is_json(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.users["principal"])
    response = client.post("/api/intake/queue", {"text": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
