"""Pages of the care ledgers: talks, the key-group register with care plans, behaviour watch.

Thin: parse, call a selector or service, render. Out-of-reach rows are 404.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anxin.access.matrix import allowed, can
from anxin.core.errors import ServiceError
from anxin.core.params import query_int
from anxin.ledgers import pages
from anxin.ledgers.base import xlsx_response
from anxin.ledgers.kit import schools_for_write
from anxin.org.models import User
from anxin.org.requests import AuthenticatedRequest
from anxin.org.selectors import classes_visible, home_school, student_choices

from . import selectors, services
from .forms import FilterForm, PlanForm, ReviewForm, TalkForm, WatchForm
from .models import Talk


def _need(user: Any, resource: str, action: str = "view") -> None:
    if not allowed(user, resource, action):
        raise Http404


def _to(name: str) -> Any:
    """Where a saved entry's page is: its own detail page."""
    return lambda recorded: reverse(name, args=[recorded.entry.pk])


def _form_page(request: HttpRequest, template: str, form: Any) -> HttpResponse:
    return render(request, template, {"form": form}, status=pages.form_status(form))


def _filters(request: HttpRequest) -> tuple[FilterForm, dict[str, Any]]:
    form = FilterForm(request.GET or None, classes=classes_visible(request.user))
    values = form.values() if request.GET else {}
    if request.GET and form.errors:
        messages.warning(request, _("部分筛选条件无效，已忽略。"))
    return form, values


def _initial() -> dict[str, Any]:
    return {"client_key": uuid.uuid4()}


# --- talks ------------------------------------------------------------------------------------


def _talk_rows(user: Any, talks: list[Talk]) -> list[dict[str, Any]]:
    readable = selectors.readable_talk_ids(user, talks)
    return [{"talk": t, "readable": t.pk in readable} for t in talks]


@login_required
@require_GET
def talk_list(request: HttpRequest) -> HttpResponse:
    if not (allowed(request.user, "ledger_talk", "view") or allowed(request.user, "ledger_talk", "record")):
        raise Http404
    form, f = _filters(request)
    today = timezone.localdate()
    talks = selectors.talks_visible(
        request.user,
        klass=f.get("klass"),
        search=f.get("q") or "",
        follow_up_due=today if f.get("due") else None,
    )
    page = pages.page_of(request, talks, 30)
    school = home_school(request.user)
    context = {
        "form": form,
        "page": page,
        "rows": _talk_rows(request.user, list(page)),
        "can_record": allowed(request.user, "ledger_talk", "record"),
        "completeness": selectors.talk_completeness(school, today=today) if school else None,
        "query": request.GET.urlencode(),
    }
    return render(request, "ledgers/care/talk_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def talk_new(request: AuthenticatedRequest) -> HttpResponse:
    schools_for_write(request.user, "ledger_talk")
    students = student_choices(request.user, for_="ledger_talk")
    school_ids = set(students.values_list("school", flat=True))
    named = (
        student_choices(request.user, for_="talk_named")
        .filter(school__in=school_ids)
        .select_related("klass", "klass__parent")
    )
    form = TalkForm(request.POST or None, students=students, named=named, initial=_initial())

    def save(d: dict[str, Any]) -> Any:
        return services.talk_record(
            actor=request.user,
            student=d["student"],
            talked_on=d["talked_on"],
            topic=d["topic"],
            content=d["content"],
            mood=d["mood"],
            peers=d["peers"],
            named_students=d["named_students"],
            follow_up=d["follow_up_flag"],
            follow_up_on=d["follow_up_on"],
            client_key=d.get("client_key"),
        )

    return pages.record(
        request, form, save, done=_("谈心谈话已记录。"), then=_to("ledgers:care_talk")
    ) or _form_page(request, "ledgers/care/talk_form.html", form)


@login_required
@require_GET
def talk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    talk = selectors.talk_get(request.user, pk)
    readable = selectors.talk_read(request.user, talk)
    context = {
        "talk": talk,
        "readable": readable,
        "named": list(talk.named_students.select_related("klass", "klass__parent")) if readable else [],
        "today": timezone.localdate(),
    }
    return render(request, "ledgers/care/talk_detail.html", context)


@login_required
@require_POST
def talk_done(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    talk = selectors.talk_get(request.user, pk)
    try:
        services.talk_follow_up_done(actor=request.user, talk=talk)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已标记为已回访。"))
    return redirect("ledgers:care_talk", talk.pk)


@login_required
@require_GET
def talk_export(request: HttpRequest) -> HttpResponse:
    _need(request.user, "ledger_talk")
    _form, f = _filters(request)
    talks = list(
        selectors.talks_visible(request.user, klass=f.get("klass"), search=f.get("q") or "").prefetch_related(
            "named_students"
        )[:5000]
    )
    readable = selectors.talks_read(request.user, talks)
    header = [
        _("日期"),
        _("班级"),
        _("学生"),
        _("记录人"),
        _("谈话主题"),
        _("情绪状态"),
        _("同伴关系"),
        _("谈话内容"),
        _("提到的学生"),
        _("回访日期"),
        _("已回访"),
    ]

    def rows():  # noqa: ANN202
        for t in talks:
            mine = t.pk in readable
            yield [
                t.talked_on,
                t.student.klass.display_name,
                t.student.name if mine else t.student.masked_name,
                str(t.recorded_by),
                t.get_topic_display(),
                t.get_mood_display() if mine else "",
                t.get_peers_display() if mine else "",
                t.content if mine else "",
                "、".join(s.name for s in t.named_students.all()) if mine else "",
                t.follow_up_on,
                bool(t.followed_up_at) if t.follow_up else "",
            ]

    return pages.export(_("谈心谈话台账.xlsx"), _("谈心谈话"), header, rows())


# --- key-group register and care plans ------------------------------------------------------------


@login_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    if not (
        allowed(request.user, "ledger_care_plan", "view") or allowed(request.user, "student_care", "view")
    ):
        raise Http404
    form, f = _filters(request)
    today = timezone.localdate()
    register = selectors.key_group_register(request.user, klass=f.get("klass"), search=f.get("q") or "")
    plans = selectors.plans_visible(
        request.user,
        klass=f.get("klass"),
        search=f.get("q") or "",
        overdue_on=today if f.get("overdue") else None,
    )
    school = home_school(request.user)
    context = {
        "form": form,
        "register": register,
        "plans": list(plans[:200]),
        "today": today,
        "can_record": allowed(request.user, "ledger_care_plan", "record"),
        "completeness": selectors.care_completeness(school, today=today) if school else None,
        "query": request.GET.urlencode(),
    }
    return render(request, "ledgers/care/plan_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_new(request: AuthenticatedRequest) -> HttpResponse:
    schools_for_write(request.user, "ledger_care_plan")
    students = student_choices(request.user, for_="ledger_care_plan")
    school_ids = set(students.values_list("school", flat=True))
    owners = User.objects.filter(is_active=True, assignments__unit__school__in=school_ids).distinct()
    initial = _initial()
    student = query_int(request.GET, "student")
    if student is not None:
        initial["student"] = student
    initial["owner"] = request.user.pk
    form = PlanForm(request.POST or None, students=students, owners=owners, initial=initial)

    def save(d: dict[str, Any]) -> Any:
        return services.care_plan_record(
            actor=request.user,
            student=d["student"],
            owner=d["owner"],
            goals=d["goals"],
            measures=d["measures"],
            review_days=d["review_days"],
            next_review_on=d.get("next_review_on"),
            client_key=d.get("client_key"),
        )

    return pages.record(
        request, form, save, done=_("帮扶计划已建立。"), then=_to("ledgers:care_plan")
    ) or _form_page(request, "ledgers/care/plan_form.html", form)


@login_required
@require_http_methods(["GET", "POST"])
def plan_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    plan = selectors.plan_get(request.user, pk)
    may_review = can(request.user, "ledger_care_plan", "record", plan)
    form = ReviewForm(request.POST or None, initial=_initial())
    if request.method == "POST":
        if not may_review:
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            try:
                recorded = services.care_review_record(
                    actor=request.user,
                    plan=plan,
                    reviewed_on=d["reviewed_on"],
                    notes=d["notes"],
                    next_review_on=d.get("next_review_on"),
                    close=d.get("close", False),
                    client_key=d.get("client_key"),
                )
            except ServiceError as exc:
                form.apply_error(exc)
            else:
                messages.success(
                    request, _("回顾已记录。") if recorded.created else _("这条记录已提交过，未重复保存。")
                )
                return redirect("ledgers:care_plan", plan.pk)
    context = {
        "plan": plan,
        "reviews": list(selectors.reviews_visible(request.user, plan=plan)),
        "form": form,
        "may_review": may_review and plan.status == "active",
        "overdue": plan.is_overdue(timezone.localdate()),
    }
    return render(request, "ledgers/care/plan_detail.html", context, status=422 if form.errors else 200)


@login_required
@require_GET
def plan_export(request: HttpRequest) -> HttpResponse:
    _need(request.user, "ledger_care_plan")
    _form, f = _filters(request)
    plans = list(selectors.plans_visible(request.user, klass=f.get("klass"), search=f.get("q") or "")[:5000])
    reviews = list(selectors.reviews_visible(request.user).filter(plan__in=plans))
    plan_header = [
        _("编号"),
        _("班级"),
        _("学生"),
        _("负责人"),
        _("帮扶目标"),
        _("帮扶措施"),
        _("回顾周期（天）"),
        _("下次回顾日期"),
        _("状态"),
        _("建立人"),
        _("建立时间"),
    ]
    review_header = [
        _("计划编号"),
        _("学生"),
        _("回顾日期"),
        _("应回顾日期"),
        _("按时"),
        _("回顾记录"),
        _("下次回顾日期"),
        _("记录人"),
    ]
    plan_rows = (
        [
            p.pk,
            p.student.klass.display_name,
            p.student.name,
            str(p.owner),
            p.goals,
            p.measures,
            p.review_days,
            p.next_review_on,
            p.get_status_display(),
            str(p.recorded_by),
            p.recorded_at,
        ]
        for p in plans
    )
    review_rows = (
        [
            r.plan_id,
            r.plan.student.name,
            r.reviewed_on,
            r.due_on,
            r.on_time,
            r.notes,
            r.next_review_on,
            str(r.recorded_by),
        ]
        for r in reviews
    )
    return xlsx_response(
        _("关爱帮扶台账.xlsx"),
        [(_("帮扶计划"), plan_header, plan_rows), (_("回顾记录"), review_header, review_rows)],
    )


# --- behaviour watch ------------------------------------------------------------------------------


@login_required
@require_GET
def watch_list(request: HttpRequest) -> HttpResponse:
    _need(request.user, "ledger_watch")
    form, f = _filters(request)
    entries = selectors.watch_visible(
        request.user, klass=f.get("klass"), search=f.get("q") or "", severity=f.get("severity") or ""
    )
    page = pages.page_of(request, entries, 30)
    context = {
        "form": form,
        "page": page,
        "can_record": allowed(request.user, "ledger_watch", "record"),
        "query": request.GET.urlencode(),
    }
    return render(request, "ledgers/care/watch_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def watch_new(request: AuthenticatedRequest) -> HttpResponse:
    schools_for_write(request.user, "ledger_watch")
    students = student_choices(request.user, for_="ledger_watch")
    form = WatchForm(request.POST or None, students=students, initial=_initial())

    def save(d: dict[str, Any]) -> Any:
        return services.watch_record(
            actor=request.user,
            student=d["student"],
            seen_on=d["seen_on"],
            seen=d["seen"],
            severity=d["severity"],
            client_key=d.get("client_key"),
        )

    return pages.record(
        request, form, save, done=_("行为异常已记录。"), then=reverse("ledgers:care_watch")
    ) or _form_page(request, "ledgers/care/watch_form.html", form)


@login_required
@require_GET
def watch_export(request: HttpRequest) -> HttpResponse:
    _need(request.user, "ledger_watch")
    _form, f = _filters(request)
    entries = selectors.watch_visible(
        request.user, klass=f.get("klass"), search=f.get("q") or "", severity=f.get("severity") or ""
    )[:5000]
    header = [_("发现日期"), _("班级"), _("学生"), _("程度"), _("观察到的情况"), _("记录人")]
    rows = (
        [
            e.seen_on,
            e.student.klass.display_name,
            e.student.name,
            e.get_severity_display(),
            e.seen,
            str(e.recorded_by),
        ]
        for e in entries
    )
    return pages.export(_("行为异常台账.xlsx"), _("行为异常"), header, rows)
