"""The printable 爱心信箱 poster: one school's PDF or PNG, a bureau's batch, and the list to print from."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from anxin.access.matrix import allowed
from anxin.org.models import Unit, UnitKind
from anxin.org.requests import AuthenticatedRequest
from anxin.org.selectors import schools_visible, unit_get, units_visible

from . import poster, services

BUREAU_KINDS = (UnitKind.COUNTY, UnitKind.CITY)


def _base_url(request: HttpRequest) -> str:
    """Where children reach the site: an optional fixed public address, else this request's host.

    Staff often print from an intranet address that a child's phone cannot open, so a deployment
    sets ``ANXIN_PUBLIC_BASE_URL`` to the address the 爱心信箱 is published under.
    """
    configured = getattr(settings, "ANXIN_PUBLIC_BASE_URL", "") or ""
    if configured:
        return configured.rstrip("/") + "/"
    return request.build_absolute_uri("/")


def _school(request: HttpRequest, school_id: int) -> Unit:
    school = unit_get(request.user, school_id)
    if school.kind != UnitKind.SCHOOL or not school.is_active:
        raise Http404
    return school


def _attachment(content: bytes, content_type: str, name: str, fallback: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    # RFC 6266 / RFC 5987: an ASCII name for old clients, the Chinese name for everyone else.
    response["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _unavailable(request: HttpRequest, exc: poster.PosterUnavailable) -> HttpResponse:
    return render(request, "intake/poster/unavailable.html", poster.unavailable_context(exc), status=503)


def _school_filename(school: Unit, ext: str) -> str:
    return poster.filename(_("%(school)s-爱心信箱海报") % {"school": school.name}, ext)


@login_required
@require_GET
def poster_pdf(request: AuthenticatedRequest, school_id: int) -> HttpResponse:
    school = _school(request, school_id)
    try:
        pdf = poster.render_pdf([school], base_url=_base_url(request))
    except poster.PosterUnavailable as exc:
        return _unavailable(request, exc)
    services.posters_printed(actor=request.user, schools=[school], fmt="pdf")
    return _attachment(pdf, "application/pdf", _school_filename(school, "pdf"), f"poster-{school.code}.pdf")


@login_required
@require_GET
def poster_png(request: AuthenticatedRequest, school_id: int) -> HttpResponse:
    school = _school(request, school_id)
    try:
        png = poster.render_png(school, base_url=_base_url(request))
    except poster.PosterUnavailable as exc:
        return _unavailable(request, exc)
    services.posters_printed(actor=request.user, schools=[school], fmt="png")
    return _attachment(png, "image/png", _school_filename(school, "png"), f"poster-{school.code}.png")


def _schools_under(request: HttpRequest, unit: Unit) -> QuerySet[Unit]:
    return (
        schools_visible(request.user)
        .filter(path__startswith=unit.path)
        .select_related("profile")
        .order_by("code")
    )


def _too_many(request: HttpRequest, unit: Unit, count: int) -> HttpResponse:
    """Refuse a batch too big for one request, and offer the county batches instead."""
    counties = [
        (county, n)
        for county in units_visible(request.user, kind=UnitKind.COUNTY).filter(path__startswith=unit.path)
        if (n := _schools_under(request, county).count())
    ]
    context = {"unit": unit, "count": count, "limit": poster.BATCH_MAX_SCHOOLS, "counties": counties}
    return render(request, "intake/poster/too_many.html", context, status=422)


@login_required
@require_GET
def posters_pdf(request: AuthenticatedRequest, unit_id: int) -> HttpResponse:
    unit = unit_get(request.user, unit_id)
    if unit.kind not in BUREAU_KINDS or not unit.is_active:
        raise Http404
    schools = list(_schools_under(request, unit))
    if not schools:
        return render(
            request,
            "core/error.html",
            {"title": _("没有可打印的海报"), "message": _("该单位下还没有学校。")},
            status=404,
        )
    if len(schools) > poster.BATCH_MAX_SCHOOLS:
        return _too_many(request, unit, len(schools))
    try:
        pdf = poster.render_pdf(schools, base_url=_base_url(request))
    except poster.PosterUnavailable as exc:
        return _unavailable(request, exc)
    services.posters_printed(actor=request.user, schools=schools, fmt="pdf", batch=unit)
    name = poster.filename(_("%(unit)s-全部学校爱心信箱海报") % {"unit": unit.name}, "pdf")
    return _attachment(pdf, "application/pdf", name, f"posters-{unit.code}.pdf")


@login_required
@require_GET
def poster_index(request: HttpRequest) -> HttpResponse:
    if not allowed(request.user, "unit", "view"):
        raise Http404
    search = request.GET.get("q", "").strip()[:50]
    schools = schools_visible(request.user).select_related("parent", "profile")
    if search:
        schools = schools.filter(Q(name__icontains=search) | Q(code__icontains=search))
    page = Paginator(schools.order_by("code"), 50).get_page(request.GET.get("page"))
    bureaus = []
    for unit in units_visible(request.user).filter(kind__in=BUREAU_KINDS).order_by("path"):
        count = _schools_under(request, unit).count()
        if count:
            bureaus.append((unit, count))
    return render(
        request,
        "intake/poster/index.html",
        {
            "page": page,
            "bureaus": bureaus,
            "batch_limit": poster.BATCH_MAX_SCHOOLS,
            "q": search,
            "font_ok": poster.cjk_font_file() is not None,
        },
    )
