from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from anxin.access.matrix import allowed

from . import labels
from .selectors import events_visible


class EventFilter(forms.Form):
    # A code or a dotted prefix ("case" = every case event); the list offers the named codes.
    action = forms.CharField(label=_("操作"), required=False, max_length=60, widget=forms.Select)
    actor = forms.CharField(label=_("操作人"), required=False, max_length=50)
    subject = forms.CharField(label=_("对象"), required=False, max_length=50)
    date_from = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["action"].widget.choices = [("", _("全部操作")), *labels.choices()]


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    if not allowed(request.user, "audit", "view"):
        raise Http404
    form = EventFilter(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = events_visible(request.user, **{k: v for k, v in filters.items() if v})
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "audit/events.html", {"form": form, "page": page})
