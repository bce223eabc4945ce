"""The shape every ledger page shares: a record form, a filtered list, an Excel export.

Views stay thin: they build the form or the rows and name the service; these helpers do the rest
the same way in every ledger (the 422 of a form with errors, the "already submitted" message of a
retried entry, the 400 of a bad filter, the page size).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from anxin.core.errors import ServiceError
from anxin.core.params import parse_id
from anxin.org.models import Unit
from anxin.org.selectors import schools_where

from .base import xlsx_response
from .kit import schools_for_write

#: What a ledger says when a retried submission (same client key) was already stored.
AGAIN = _("这条记录已提交过，未重复保存。")
#: Rows per page of a ledger list.
PAGE_SIZE = 50


def form_status(form: Any) -> int:
    """A form page answers 422 while its form has errors, so offline.js and tests can tell."""
    return 422 if form is not None and form.is_bound and form.errors else 200


def record(
    request: HttpRequest,
    form: Any,
    save: Callable[[dict[str, Any]], Any],
    *,
    done: str | Callable[[Any], str],
    then: str | Callable[[Any], str],
    again: str | None = None,
) -> HttpResponse | None:
    """A record form's POST: the service stores the valid form, the person is told, the page moves on.

    ``save`` gets the cleaned data and returns what the service returned (a ``Recorded`` tells a
    retried entry by ``created``); ``done`` and ``then`` may depend on it. None means "show the page":
    a GET, no form (the reader may not use it), a form with errors, or a refusal the service
    explained (put on the form's fields).
    """
    if form is None or request.method != "POST" or not form.is_valid():
        return None
    try:
        result = save(form.cleaned_data)
    except ServiceError as exc:
        form.apply_error(exc)
        return None
    created = getattr(result, "created", True)
    message = (done(result) if callable(done) else done) if created else (again or AGAIN)
    messages.success(request, message)
    return redirect(then(result) if callable(then) else then)


def optional_form(
    request: HttpRequest, resource: str, action: str, build: Callable[[QuerySet[Unit]], Any]
) -> Any | None:
    """The form of a list page that only some of its readers may use (add a point, a place, a camera).

    Built with the schools where the reader may take ``action``; None for the others, whose POST is
    refused like any write (403, or 404 out of reach: :func:`anxin.ledgers.kit.schools_for_write`).
    """
    schools = schools_where(request.user, resource, action)
    if schools.exists():
        return build(schools)
    if request.method == "POST":
        schools_for_write(request.user, resource, action)
    return None


def chosen_school(request: HttpRequest, schools: QuerySet[Unit]) -> Unit | None:
    """The school a posted form names, to fill its dependent choices; the first one before a POST."""
    return schools.filter(pk=parse_id(request.POST.get("school")) or 0).first() or schools.first()


def page_of(request: HttpRequest, rows: Any, size: int = PAGE_SIZE) -> Page:
    """One page of a list, from ?page= (a bad number is the first or last page, never an error)."""
    return Paginator(rows, size).get_page(request.GET.get("page"))


def export(filename: str, title: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    """A one-sheet Excel download of a ledger list."""
    return xlsx_response(filename, [(title, [str(h) for h in header], rows)])
