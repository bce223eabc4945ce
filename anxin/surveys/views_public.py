"""Answering the survey with a code from a slip: no account, no cookie, on a phone or a classroom PC.

Like the 爱心信箱 (anxin.intake.views_public): pages are rendered without the request, so nothing
here opens a session or sets a cookie; every response says ``Cache-Control: no-store`` (the next
pupil at a shared PC finds no copy); the only use of the address is the guessing limit on codes,
as a keyed hash in the cache. One question per page, one tap per answer; the answers so far are
kept on the code for 24 hours, so the bell does not lose them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from anxin.core.errors import ServiceError
from anxin.intake.errors import IntakeError
from anxin.intake.views_public import client_key, untraced

from . import instrument, services
from .errors import SurveyError
from .models import SurveyCode

#: Wrong codes per client address, shared by the pages and the API.
CODE_RATE_GROUP = "surveys.code"


class TooManyAttempts(ServiceError):
    status = 429
    code = IntakeError.TOO_MANY_ATTEMPTS
    default_message = gettext_lazy("输错答题码的次数太多了，请过 10 分钟再试，或者请老师帮你看一看纸条。")


def _rate() -> str:
    return str(getattr(settings, "SURVEY_CODE_RATE", "30/10m"))


def checked_code(request: HttpRequest, raw: Any) -> SurveyCode:
    """The code, under the guessing limit: only unknown codes count, a right one never does."""
    if is_ratelimited(request, group=CODE_RATE_GROUP, key=client_key, rate=_rate(), increment=False):
        raise TooManyAttempts()
    try:
        return services.code_check(raw)
    except services.CodeUnknown:
        if is_ratelimited(request, group=CODE_RATE_GROUP, key=client_key, rate=_rate(), increment=True):
            raise TooManyAttempts() from None
        raise


def _page(template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    response = HttpResponse(render_to_string(f"surveys/answer/{template}", context), status=status)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _refused(exc: ServiceError, raw: str = "") -> HttpResponse:
    return _page("enter.html", {"error": exc, "code": raw[:20]}, status=exc.status)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def enter(request: HttpRequest) -> HttpResponse:
    """Type the code from the slip (the QR code skips this page)."""
    if request.method == "GET":
        return _page("enter.html", {"code": request.GET.get("code", "")[:20]})
    raw = request.POST.get("code", "")[:40]
    try:
        code = checked_code(request, raw)
    except ServiceError as exc:
        return _refused(exc, raw)
    return HttpResponseRedirect(reverse("surveys_answer:step", args=[code.code, 0]))


def _steps(form: instrument.Instrument, answers: dict[str, Any]) -> list[instrument.Item]:
    bullied = instrument.is_bullied(answers)
    return [it for it in form.all_items() if bullied or not it.only_if_bullied]


def _open(request: HttpRequest, raw: str) -> tuple[SurveyCode | None, HttpResponse | None]:
    try:
        return checked_code(request, raw), None
    except ServiceError as exc:
        return None, _refused(exc, raw)


@csrf_exempt
@require_http_methods(["GET"])
def start(request: HttpRequest, code: str) -> HttpResponse:
    """Where the QR code leads: the first page of the questionnaire (or back where the pupil was)."""
    found, refused = _open(request, code)
    if refused is not None:
        return refused
    assert found is not None
    return HttpResponseRedirect(reverse("surveys_answer:step", args=[found.code, 0]))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, code: str, n: int) -> HttpResponse:
    found, refused = _open(request, code)
    if refused is not None:
        return refused
    assert found is not None
    form = services.form_for(found)
    stage = instrument.stage_of_grade(services.grade_of(found.klass))
    answers = services.draft_of(found)
    error: ServiceError | None = None
    if request.method == "POST":
        items = _steps(form, answers)
        if n >= len(items):
            return HttpResponseRedirect(reverse("surveys_answer:review", args=[found.code]))
        item = items[n]
        if item.kind != "info" and "skip" not in request.POST:
            value: Any = request.POST.getlist("a") if item.kind == "multi" else request.POST.get("a", "")
            if not value and not item.optional:
                error = ServiceError(_("这道题需要回答，请选一个。"), code=SurveyError.ANSWER_MISSING)
            else:
                try:
                    with untraced():
                        answers = services.draft_save(code=found, answers={item.key: value})
                except ServiceError as exc:
                    error = exc
                except DatabaseError:
                    error = ServiceError(_("暂时没有保存上，请再点一次。"), code=SurveyError.BAD_ANSWER)
        elif item.kind != "info" and not item.optional:
            error = ServiceError(_("这道题需要回答，请选一个。"), code=SurveyError.ANSWER_MISSING)
        if error is None:
            items = _steps(form, answers)
            if n + 1 >= len(items):
                return HttpResponseRedirect(reverse("surveys_answer:review", args=[found.code]))
            return HttpResponseRedirect(reverse("surveys_answer:step", args=[found.code, n + 1]))
    items = _steps(form, answers)
    if n >= len(items):
        return HttpResponseRedirect(reverse("surveys_answer:review", args=[found.code]))
    item = items[n]
    given = answers.get(item.key, [] if item.kind == "multi" else "")
    return _page(
        "step.html",
        {
            "code": found.code,
            "n": n,
            "total": len(items),
            "percent": int(100 * n / len(items)),
            "item": item,
            "prompt": item.prompt(stage),
            "hint": str(item.hint),
            "options": [(v, str(label)) for v, label in item.options],
            "given": given,
            "error": error,
            "prev": n - 1 if n > 0 else None,
            "max_text": instrument.COMMENT_MAX,
        },
        status=error.status if error else 200,
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, code: str) -> HttpResponse:
    """The last page: hand in, or go back. Handing in uses the code up, once."""
    found, refused = _open(request, code)
    if refused is not None:
        return refused
    assert found is not None
    form = services.form_for(found)
    items = _steps(form, services.draft_of(found))
    context: dict[str, Any] = {"code": found.code, "last": len(items) - 1, "total": len(items)}
    if request.method == "GET":
        return _page("review.html", context)
    try:
        with untraced():
            hurt = services.response_submit(code=found)
    except ServiceError as exc:
        if exc.code == SurveyError.ANSWER_MISSING:
            return _page("review.html", {**context, "error": exc}, status=exc.status)
        return _refused(exc, code)
    except DatabaseError:
        err = ServiceError(_("问卷没有交上：系统暂时出了故障，请过几分钟再点一次“交问卷”，不会重复提交。"))
        return _page("review.html", {**context, "error": err}, status=503)
    return _page(
        "done.html",
        {"hurt": hurt, "box_url": reverse("box:box", args=[found.school.code])},
    )
