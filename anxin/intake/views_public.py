"""The public 爱心信箱: children, parents and bystanders write to their school without an account.

Anonymity is the point of these pages, so they are built to leave no trace of who used them:

- pages are rendered without the request (no context processor runs), so nothing here can read
  ``request.user``, open the session or ask for a CSRF token: no cookie is ever set;
- the views hand the services only what was typed and the photos, never the request;
- the only uses of the client address are the guessing limit on receipts and the limit on letters
  per address and school, and there only as a keyed hash that lives in the cache for the length of
  the window;
- when the database cannot be reached the child is told plainly that the letter was NOT sent, and
  gets it back in the form (box.js also keeps it in the tab's sessionStorage, never the server);
  the letter's idempotency key makes the retry store it exactly once;
- the request id, which a reverse proxy may log beside the address, is kept off the audit rows;
- every response says ``Cache-Control: no-store`` (a shared phone keeps no copy of a receipt or a
  conversation) and ``Referrer-Policy: no-referrer`` (no link out reveals the school's box).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import _split_rate, get_usage, is_ratelimited

from anxin.core.context import request_id_var
from anxin.core.errors import Conflict, ErrorCode, Invalid, NotFound, ServiceError

from . import selectors, services
from .case_link import case_link
from .errors import IntakeError
from .images import MAX_PHOTOS
from .models import About, Kind, Place, PublicStatus, Report, Sender, TimeBand
from .services import MESSAGE_MAX, TEXT_MAX, TEXT_MIN, Upload

#: The longest reason for a re-examination the case form takes.
REEXAM_REASON_MAX = 5000

#: One counter of wrong receipts per client, shared by the pages and the API.
RECEIPT_RATE_GROUP = "intake.receipt"
#: One counter of letters per client and school, shared by the pages and the API.
SUBMIT_RATE_GROUP = "intake.submit"
TRUTHY = {"1", "true", "yes", "on"}

STATUS_EXPLAINED = {
    PublicStatus.RECEIVED: gettext_lazy("学校已经收到你的信，负责的老师会尽快查看。"),
    PublicStatus.VERIFYING: gettext_lazy("老师正在了解情况、核实经过。有需要时会在这里给你留言。"),
    PublicStatus.HANDLED: gettext_lazy("学校已经按规定处理了这件事。还有问题可以继续留言。"),
    PublicStatus.CLOSED: gettext_lazy("这件事已经结案，学校的说明在下面。如果又发生了什么，随时可以再写信。"),
}


class TooManyAttempts(ServiceError):
    status = 429
    code = IntakeError.TOO_MANY_ATTEMPTS
    default_message = gettext_lazy(
        "输错回执码的次数太多了，请过 10 分钟再试。如果回执码丢了，可以重新写一封信。"
    )


class TooManyLetters(ServiceError):
    status = 429
    code = IntakeError.TOO_MANY_REPORTS

    def __init__(self) -> None:
        minutes = max(1, _split_rate(settings.INTAKE_SUBMIT_RATE)[1] // 60)
        super().__init__(
            _(
                "这个网络刚刚已经送来了很多封信，为了让每一封信都被看到，请过 %(minutes)d 分钟再发送。"
                "你写的内容还在下面，没有发送出去。如果现在有危险，请不要等：马上拨打 110 报警，"
                "或者拨打 12355 青少年服务热线。"
            )
            % {"minutes": minutes}
        )


class NotSent(ServiceError):
    """The database could not be reached: nothing was stored, and the child must know it."""

    status = 503
    code = IntakeError.NOT_SENT
    default_message = gettext_lazy(
        "信未发送：系统暂时出了故障，这封信没有送到学校。你写的内容还在下面，请过几分钟再点一次“把信交给学校”，"
        "不会重复发送。如果现在有危险，请不要等：马上拨打 110 报警，或者拨打 12355 青少年服务热线。"
    )


class BoxUnavailable(ServiceError):
    """The page itself could not be prepared (the database is away): say so before anyone writes."""

    status = 503
    code = IntakeError.UNAVAILABLE
    default_message = gettext_lazy(
        "爱心信箱暂时出了故障，现在写的信可能发不出去，请过几分钟再打开。"
        "如果现在有危险，请不要等：马上拨打 110 报警，或者拨打 12355 青少年服务热线。"
    )


# --- The guessing limit on receipts ------------------------------------------------------------


def client_key(group: str, request: HttpRequest) -> str:
    """The rate-limit key of a client: a keyed hash of its address, never the address itself.

    django-ratelimit hashes it once more into a cache key that expires with the window, so the
    address is neither stored nor recoverable from the cache without the secret key.
    """
    address = (
        request.META.get(settings.CLIENT_IP_HEADER or "REMOTE_ADDR") or request.META.get("REMOTE_ADDR") or ""
    )
    # A proxy header may list a chain ("client, proxy1"): the first entry is the client.
    address = address.split(",")[0].strip()
    return hmac.new(settings.SECRET_KEY.encode(), f"{group}:{address}".encode(), hashlib.sha256).hexdigest()


def _limited(request: HttpRequest, *, increment: bool) -> bool:
    return is_ratelimited(
        request,
        group=RECEIPT_RATE_GROUP,
        key=client_key,
        rate=settings.INTAKE_LOOKUP_RATE,
        increment=increment,
    )


def submit_letter(
    request: HttpRequest, *, school_code: str, client_key: Any, **letter: Any
) -> services.Submission:
    """Hand a letter to the service under the per-address-and-school limit; pages and API alike.

    Only letters stored count (a refused form or a database outage costs the child nothing), and
    a retry of a letter already stored is answered even past the limit: it stores nothing new.
    Raises NotSent when the database cannot be reached, so nobody is told a letter was kept.
    """
    group = f"{SUBMIT_RATE_GROUP}:{school_code}"

    def usage(increment: bool) -> dict[str, Any] | None:
        return get_usage(
            request, group=group, key=client_key_of, rate=settings.INTAKE_SUBMIT_RATE, increment=increment
        )

    try:
        with untraced():
            used = usage(False)
            if used is not None and (used["should_limit"] or used["count"] >= used["limit"]):
                previous = services.report_resubmitted(
                    client_key, school_code=school_code, text=str(letter.get("text") or "")
                )
                if previous is None:
                    raise TooManyLetters()
                return previous
            submission = services.report_submit(school_code=school_code, client_key=client_key, **letter)
    except DatabaseError:
        _log_not_stored()
        raise NotSent() from None
    if submission.created:
        try:
            usage(True)
        except Exception:  # a cache outage must not hide a letter that was stored
            logging.getLogger(__name__).exception("counting a letter towards the limit failed")
    return submission


def _log_not_stored() -> None:
    """The child is told the letter was not sent; the operators must hear why (a missing migration
    would otherwise refuse every letter in the city without a trace). No path, address or text goes
    into the line. Call it inside the ``except DatabaseError`` block."""
    logging.getLogger(__name__).error("a letter could not be stored", exc_info=True)


def client_key_of(group: str, request: HttpRequest) -> str:
    # submit_letter's own parameter is called client_key (the letter's idempotency key).
    return client_key(group, request)


def report_for_receipt(request: HttpRequest, receipt: Any) -> Report:
    """The report of a receipt. Only wrong receipts count towards the limit; a right one never does."""
    if _limited(request, increment=False):
        raise TooManyAttempts()
    try:
        return services.report_by_receipt(receipt)
    except NotFound:
        if _limited(request, increment=True):
            raise TooManyAttempts() from None
        raise


# --- Shared helpers (the API uses them too) ----------------------------------------------------


@contextmanager
def untraced() -> Iterator[None]:
    """Run a public write without the request id: a proxy may log that id beside the address."""
    token = request_id_var.set("")
    try:
        yield
    finally:
        request_id_var.reset(token)


def parse_day(value: Any) -> date | None:
    """A day typed as YYYY-MM-DD (what <input type=date> sends), or None when left empty."""
    if value in (None, ""):
        return None
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise Invalid(
        _("日期格式不正确，请按“年-月-日”填写。"),
        code=IntakeError.BAD_DATE,
        detail={"occurred_on": [_("日期不正确")]},
    )


def conversation(report: Report) -> list[dict[str, Any]]:
    """What the reporter may read of the exchange: who wrote, what, and when (Asia/Shanghai)."""
    return [
        {
            "from": m.sender,
            "text": m.text,
            "at": timezone.localtime(m.created_at),
            "photos": len(m.photos.all()),
        }
        for m in report.messages.prefetch_related("photos").order_by("created_at", "pk")
    ]


@dataclass(frozen=True)
class Progress:
    """What a reporter may know of where their report stands: plain words, nobody's details."""

    status: PublicStatus
    explanation: str
    #: The case's state when the report became part of a case, else "".
    case_status: str = ""
    #: "open" when the reporter may apply for re-examination here, "late" when the window has passed.
    reexam: str = ""
    #: The last day to apply, when the school has delivered the finding.
    appeal_due: date | None = None


def progress(report: Report) -> Progress:
    """The intake status words, or once the report is part of a case, the case's (anxin.intake.case_link)."""
    case = case_link().progress(report)
    if case is None:
        status = report.public_status
        return Progress(status, str(STATUS_EXPLAINED[status]))
    return Progress(
        case.status, case.words, case_status=case.case_status, reexam=case.reexam, appeal_due=case.appeal_due
    )


def _no_trace(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _page(template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    # Rendered without the request on purpose: see the module docstring.
    base = {
        "today": timezone.localdate().isoformat(),
        "text_min": TEXT_MIN,
        "text_max": TEXT_MAX,
        "message_max": MESSAGE_MAX,
        "max_photos": MAX_PHOTOS,
    }
    return _no_trace(
        HttpResponse(render_to_string(f"intake/box/{template}", {**base, **context}), status=status)
    )


def _posted(request: HttpRequest) -> tuple[QueryDict, list[Upload]]:
    try:
        return request.POST, [(f.name or "", f) for f in request.FILES.getlist("photos")]
    except RequestDataTooBig:
        raise Invalid(_("提交的内容太大了，请少写一些或少传几张照片。"), code=ErrorCode.TOO_LARGE) from None
    except (MultiPartParserError, TooManyFieldsSent, TooManyFilesSent):
        raise Invalid(_("提交的内容不完整，请重新填写后再提交。"), code=ErrorCode.BAD_FORM) from None


# --- The letter --------------------------------------------------------------------------------


def _letter(data: QueryDict) -> dict[str, Any]:
    """What was typed, as it will be shown again if something needs correcting."""
    return {
        "text": data.get("text", ""),
        "about": data.get("about", ""),
        "place": data.get("place", ""),
        "time_band": data.get("time_band", ""),
        "occurred_on": data.get("occurred_on", ""),
        "kinds": data.getlist("kinds"),
        "names": data.get("names", ""),
        "wants_contact": data.get("wants_contact", "").lower() in TRUTHY,
        "contact": data.get("contact", ""),
        # The letter's idempotency key: made with the empty form, shown back so that a retry, or a
        # refresh of the receipt page (the browser posts the form again), is the same letter, with
        # or without JavaScript. A random number: it tells nothing about who writes.
        "client_key": data.get("client_key", "")[:64] or str(uuid.uuid4()),
        #: The empty form, not an answer to a posted letter: box.js may put a kept letter back.
        "fresh": not data,
    }


def _box_context(school: Any, letter: dict[str, Any]) -> dict[str, Any]:
    return {
        "school": school,
        "letter": letter,
        "abouts": About.choices,
        "places": Place.choices,
        "time_bands": TimeBand.choices,
        "kind_choices": Kind.choices,
    }


# Exempt from CSRF because a CSRF token needs a cookie, and these pages must set none. What a
# forged POST could do here is what anybody can do anyway: hand in a new anonymous report (or a
# message to a report whose receipt the sender already holds). It changes nothing that exists, and
# a flood of such reports is what the limit per address and school (submit_letter) holds back
# and the per-school hourly cap in services.report_submit marks.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def box(request: HttpRequest, school_code: str) -> HttpResponse:
    try:
        school = selectors.box_school(school_code)
    except NotFound as exc:
        return _page("not_found.html", {"message": exc.message}, status=404)
    except DatabaseError:
        if request.method == "POST":
            _log_not_stored()
        return _unavailable(request, school_code)
    empty = _letter(QueryDict())
    if request.method != "POST":
        return _page("box.html", _box_context(school, empty))
    letter = empty
    photos: list[Upload] = []
    try:
        data, photos = _posted(request)
        letter = _letter(data)
        submission = submit_letter(
            request,
            school_code=school.code,
            client_key=letter["client_key"],
            text=letter["text"],
            about=letter["about"],
            place=letter["place"],
            time_band=letter["time_band"],
            occurred_on=parse_day(letter["occurred_on"]),
            kinds=letter["kinds"],
            names=letter["names"],
            wants_contact=letter["wants_contact"],
            contact=letter["contact"],
            photos=photos,
        )
    except ServiceError as exc:
        context = {
            **_box_context(school, letter),
            "error": exc,
            "error_fields": list(exc.detail) if isinstance(exc.detail, dict) else [],
            "photos_dropped": bool(photos),
            "not_sent": exc.status >= 429,
        }
        return _page("box.html", context, status=exc.status)
    return _page(
        "receipt.html",
        {
            "school": school,
            "receipt": submission.receipt,
            "receipt_groups": submission.receipt.split("-"),
            "urgent": submission.report.urgent,
            "wants_contact": submission.report.wants_contact,
        },
    )


def _unavailable(request: HttpRequest, school_code: str) -> HttpResponse:
    """The database is away before the school is even known: say so, and keep what was typed."""
    stand_in = {"name": _("学校"), "code": school_code[:40]}
    letter = _letter(QueryDict())
    if request.method != "POST":
        context = {**_box_context(stand_in, letter), "error": BoxUnavailable(), "error_fields": []}
        return _page("box.html", context, status=503)
    try:
        letter = _letter(request.POST)
    except (RequestDataTooBig, MultiPartParserError, TooManyFieldsSent, TooManyFilesSent):
        pass  # box.js still holds the letter in the tab
    context = {
        **_box_context(stand_in, letter),
        "error": NotSent(),
        "error_fields": [],
        "not_sent": True,
        "photos_dropped": True,
    }
    return _page("box.html", context, status=503)


# --- Following up with the receipt -------------------------------------------------------------


def _status_context(report: Report) -> dict[str, Any]:
    now_at = progress(report)
    status = now_at.status
    order = list(PublicStatus)
    now = order.index(status)
    return {
        "report": report,
        "school": report.school,
        "status": status,
        "status_label": status.label,
        "status_explained": now_at.explanation,
        "in_case": bool(now_at.case_status),
        "reexam": now_at.reexam,
        "appeal_due": now_at.appeal_due,
        "reexam_max": REEXAM_REASON_MAX,
        "statuses": [
            {
                "label": s.label,
                "explained": STATUS_EXPLAINED[s],
                "state": "done" if i < now else "current" if i == now else "todo",
            }
            for i, s in enumerate(order)
        ],
        "close_reason": report.close_reason if status == PublicStatus.CLOSED else "",
        "conversation": conversation(report),
        "school_sender": Sender.SCHOOL,
    }


@csrf_exempt  # no cookie, so no CSRF token: see box() above
@require_http_methods(["GET", "HEAD", "POST"])
def follow(request: HttpRequest) -> HttpResponse:
    """The receipt is only ever POSTed: a URL would leave it in the history, logs and referrers.

    With the receipt the reporter may add a message (``action=message``) or, when they are the
    child the report is about and the committee's finding may be appealed, apply for
    re-examination (``action=reexam``). Either needs the receipt, which a forged POST from another
    site does not have; a wrong one counts towards the same guessing limit as a lookup.
    """
    if request.method != "POST":
        return _page("follow.html", {})
    try:
        data, photos = _posted(request)
    except Invalid as exc:
        return _page("follow.html", {"error": exc}, status=exc.status)
    receipt = data.get("receipt", "")
    try:
        report = report_for_receipt(request, receipt)
    except ServiceError as exc:
        return _page("follow.html", {"error": exc, "receipt": receipt[:80]}, status=exc.status)
    context: dict[str, Any] = {"receipt": receipt}
    status = 200
    if data.get("action") == "message":
        text = data.get("text", "")
        try:
            with untraced():
                services.reporter_message_add(receipt=receipt, text=text, photos=photos)
            context["sent"] = True
        except ServiceError as exc:
            context.update(message_error=exc, message_text=text, photos_dropped=bool(photos))
            status = exc.status
    elif data.get("action") == "reexam":
        reason = data.get("reason", "")
        try:
            with untraced():
                case_link().apply_reexam(report, reason)
            context["reexam_sent"] = True
        except ServiceError as exc:
            refusal = _reexam_refusal(exc)
            context.update(reexam_error=refusal, reexam_reason=reason[:REEXAM_REASON_MAX])
            status = refusal.status
    return _page("follow.html", {**context, **_status_context(report)}, status=status)


def _reexam_refusal(exc: ServiceError) -> ServiceError:
    """A refusal of a re-examination in words for the child, keeping the service's code."""
    if isinstance(exc, NotFound):
        # The receipt was right (checked before): what is missing is a case to re-examine.
        return Conflict(_("学校还没有就这件事立案认定，暂时不能申请复查。"), code=IntakeError.NO_CASE)
    if exc.code == ErrorCode.TRANSITION_NOT_ALLOWED:
        return Conflict(
            _(
                "现在不能申请复查：学校欺凌治理委员会作出认定后，对认定结果有异议才可以申请；已经提交的申请不用重复提交。"
            ),
            code=exc.code,
        )
    if exc.code == ErrorCode.MISSING_INPUTS:
        return Invalid(_("请写下申请复查的理由（至少 4 个字）。"), code=exc.code, detail=exc.detail)
    return exc
