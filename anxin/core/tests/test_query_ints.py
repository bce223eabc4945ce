"""Numbers in a query string past the database's 64-bit integers, or digits Python's isdigit()
accepts but int() does not ("²"), get a 4xx with a Chinese message: never a 500."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from anxin.core.params import MAX_ID, BadParameter, query_int
from anxin.testing import page_routes

pytestmark = pytest.mark.django_db

BIG = "99999999999999999999999"
#: Every query parameter a page reads (request.GET and the filter forms' fields), plus the usual ones.
PAGE_PARAMS = [
    "page",
    "school",
    "parent",
    "klass",
    "class",
    "student",
    "place",
    "unit",
    "report",
    "owner",
    "point",
    "a",
    "b",
    "status",
    "type",
    "mine",
    "q",
    "start",
    "end",
    "date_from",
    "date_to",
]


def test_query_int_accepts_plain_numbers_in_range():
    assert query_int({"page": "12"}, "page") == 12
    assert query_int({"page": " 7 "}, "page") == 7
    assert query_int({}, "page", default=1) == 1
    assert query_int({"page": ""}, "page") is None
    assert query_int({"page": str(MAX_ID)}, "page") == MAX_ID


@pytest.mark.parametrize("raw", [BIG, str(MAX_ID + 1), "²", "١٢", "-1", "0", "1e3", "12abc", "0x10"])
def test_query_int_refuses_what_is_not_a_whole_number_in_range(raw):
    with pytest.raises(BadParameter) as caught:
        query_int({"school": raw}, "school")
    assert "参数“school”应为" in str(caught.value)


def _page_routes() -> list[str]:
    return page_routes(exclude=("/logout", "/i18n", "/healthz"))


@pytest.mark.parametrize("value", [BIG, "²"])
def test_oversized_or_odd_numbers_in_a_page_query_give_4xx(cast, client: Client, value):
    """Every page that answers the principal, with every parameter set to the value at once.

    One request per page keeps this walk quick; the pages known to read a number one parameter at
    a time are asked separately below, so that a refusal of one parameter cannot hide another.
    """
    client.force_login(cast.users["principal"])
    pages = [p for p in _page_routes() if client.get(p).status_code == 200]
    assert len(pages) >= 20
    failures = []
    for path in pages:
        response = client.get(path, dict.fromkeys(PAGE_PARAMS, value))
        if response.status_code >= 500:
            failures.append(f"{path}: {response.status_code}")
    assert failures == []


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/org/students/", "klass"),
        ("/org/committee/", "school"),
        ("/ledgers/warnings/risk/", "school"),
        ("/ledgers/care/plans/new/", "student"),
        ("/cases/", "school"),
    ],
)
@pytest.mark.parametrize("value", [BIG, "²"])
def test_page_says_in_chinese_which_parameter_is_wrong(cast, client: Client, path, param, value):
    client.force_login(cast.users["principal"])
    response = client.get(path, {param: value})
    assert response.status_code == 400
    assert "不正确" in response.content.decode() or f"参数“{param}”应为" in response.content.decode()


def _api_int_params() -> list[tuple[str, str, str]]:
    """(path, where, name) of every integer parameter of every GET operation in the OpenAPI document."""
    from anxin.api import api

    schema = api.get_openapi_schema()
    found = []
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if not get:
            continue
        for p in get.get("parameters", []):
            s = p.get("schema", {})
            types = {s.get("type")} | {x.get("type") for x in s.get("anyOf", [])}
            if "integer" in types:
                found.append((path, p["in"], p["name"]))
    return found


API_INT_PARAMS = _api_int_params()


def test_the_api_walk_finds_the_parameters_of_the_issue():
    named = {(path, name) for path, _, name in API_INT_PARAMS}
    assert ("/api/org/units", "page") in named
    assert ("/api/org/units", "parent") in named
    assert ("/api/ledgers/gate/visitors", "page") in named
    assert len(API_INT_PARAMS) >= 20


@pytest.mark.parametrize(("path", "where", "name"), API_INT_PARAMS)
def test_oversized_integer_in_the_api_gives_4xx_with_chinese_message(cast, client: Client, path, where, name):
    client.force_login(cast.users["principal"])
    url = re.sub(r"\{[^}]+\}", "1", path)
    if where == "path":
        url = path.replace("{" + name + "}", BIG)
        url = re.sub(r"\{[^}]+\}", "1", url)
        response = client.get(url)
    else:
        response = client.get(url, {name: BIG})
    assert 400 <= response.status_code < 500, (url, response.status_code)
    body = response.json()
    assert set(body) == {"code", "message", "detail"}
    if where == "query":
        assert response.status_code == 422
    assert re.search(r"[\u4e00-\u9fff]", body["message"])
