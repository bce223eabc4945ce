"""Bulk import pages (students and staff from .xlsx). Being built: see anxin/org/imports.py."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse


def import_page(request: HttpRequest, kind: str) -> HttpResponse:
    raise Http404


def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    raise Http404
