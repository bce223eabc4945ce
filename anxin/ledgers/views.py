from __future__ import annotations

from importlib import import_module

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from .apps import AREAS


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """台账: every ledger this person may keep or read, with its completeness where there is one."""
    entries = []
    for area in AREAS:
        try:
            menu = import_module(f"anxin.ledgers.{area}.menu")
        except ModuleNotFoundError as exc:
            if exc.name != f"anxin.ledgers.{area}.menu":
                raise
            continue
        entries.extend(menu.entries(request.user))
    if not entries:
        raise Http404
    return render(request, "ledgers/index.html", {"entries": entries})
