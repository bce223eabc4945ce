"""The site menu (on every page) asks the ledgers only whether there is a 台账 entry for the person,
never for the completeness figures the 台账 home shows: those cost a query per school."""

from __future__ import annotations

from typing import Any, NoReturn

import pytest
from django.test import Client, RequestFactory

from anxin.ledgers.care import selectors as care
from anxin.ledgers.education import selectors as education
from anxin.ledgers.gate import selectors as gate
from anxin.ledgers.hazards import selectors as hazards
from anxin.ledgers.patrol import selectors as patrol
from anxin.navigation import navigation
from anxin.testing import Cast

pytestmark = pytest.mark.django_db

FIGURES = [
    (patrol, "checkin_completeness"),
    (education, "session_completeness"),
    (education, "meeting_counts"),
    (hazards, "screening_completeness"),
    (gate, "gate_figures"),
    (care, "talk_completeness"),
    (care, "care_completeness"),
]


def _no_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any, **kwargs: Any) -> NoReturn:
        raise AssertionError("the menu computed a completeness figure")

    for module, name in FIGURES:
        monkeypatch.setattr(module, name, boom)


@pytest.mark.parametrize("who", ["principal", "city_admin", "class_teacher"])
def test_the_menu_shows_the_ledgers_without_computing_their_figures(
    cast: Cast, monkeypatch: pytest.MonkeyPatch, who: str
) -> None:
    _no_figures(monkeypatch)
    request = RequestFactory().get("/")
    request.user = cast.users[who]
    labels = [label for label, _url, _icon in navigation(request)["nav_items"]]
    assert "台账" in labels


def test_the_ledger_home_still_computes_the_figures(
    cast: Cast, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []
    real = education.session_completeness

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(education, "session_completeness", counted)
    client.force_login(cast.users["principal"])
    assert client.get("/ledgers/").status_code == 200
    assert calls, "the 台账 home lost its 1530 completeness figure"
