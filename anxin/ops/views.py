"""The working-day calendar page: which years are known, and entering a year's official schedule."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import FileResponse, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.core import workdays
from anxin.core.calendar_package import package_years
from anxin.core.errors import Invalid, NotFound
from anxin.core.models import CalendarYear

from . import calendar_file
from .calendar import can_manage, load_file

SAMPLE_CALENDAR = Path(__file__).resolve().parent / "data" / "calendar-2027.sample.csv"


class CalendarUploadForm(forms.Form):
    year = forms.IntegerField(
        label=gettext_lazy("年份"),
        min_value=calendar_file.MIN_YEAR,
        max_value=calendar_file.MAX_YEAR,
        widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"}),
    )
    file = forms.FileField(
        label=gettext_lazy("安排文件"),
        help_text=gettext_lazy("UTF-8 文本，每行“日期,休/班,名称”；同一年已录入的安排会被整体替换。"),
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control", "accept": ".csv,.tsv,.txt,text/csv,text/plain"}
        ),
    )
    source = forms.CharField(
        label=gettext_lazy("依据"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("如“国务院办公厅关于2027年部分节假日安排的通知”；不填则记文件名。"),
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )


@login_required
def calendar(request: HttpRequest) -> HttpResponseBase:
    """The working-day calendar: which years are known, and entering a year's official schedule."""
    if not can_manage(request.user):
        raise NotFound()
    if request.GET.get("download") == "sample":
        return FileResponse(SAMPLE_CALENDAR.open("rb"), as_attachment=True, filename=SAMPLE_CALENDAR.name)
    today = timezone.localdate()
    upcoming = [y for y in (today.year, today.year + 1) if not workdays.is_known(date(y, 1, 1))]
    form = CalendarUploadForm(
        request.POST or None,
        request.FILES or None,
        initial={"year": upcoming[0] if upcoming else today.year + 1},
    )
    error: Invalid | None = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            entered = load_file(
                actor=request.user,
                data=upload.read(calendar_file.MAX_FILE_BYTES + 1),
                year=form.cleaned_data["year"],
                source=form.cleaned_data["source"] or upload.name,
            )
        except Invalid as exc:
            error = exc
        else:
            messages.success(request, _("已录入 %(year)s 年的节假日安排。") % {"year": entered.year})
            return redirect("ops:calendar")
    years = list(
        CalendarYear.objects.select_related("loaded_by")
        .prefetch_related("days")
        .annotate(
            holidays=Count("days", filter=Q(days__is_workday=False)),
            makeups=Count("days", filter=Q(days__is_workday=True)),
        )
        .order_by("-year")
    )
    first, last = package_years()
    context = {
        "form": form,
        "error": error,
        "years": years,
        "package_first": first,
        "package_last": last,
        "upcoming": upcoming,
    }
    return render(request, "ops/calendar.html", context, status=422 if error or form.errors else 200)
