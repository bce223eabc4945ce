"""Phone-first forms of 隐患排查整治 and 视频监控. Fields only: the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from anxin.core.formfields import choice_field
from anxin.core.params import MAX_ID
from anxin.org.forms import BootstrapMixin
from anxin.org.models import User
from anxin.org.selectors import staff_choices

from .models import CameraStatus, HazardStatus, PlaceKind, ScreeningResult


class SchoolFormMixin:
    """A school choice shown only when the person may write at more than one school."""

    def _school_field(self, schools: Any) -> None:
        field = forms.ModelChoiceField(label=_("学校"), queryset=schools)
        if schools.count() <= 1:
            field.widget = forms.HiddenInput()
            first = schools.first()
            if first is not None:
                field.initial = first.pk
        self.fields["school"] = field  # type: ignore[attr-defined]
        self.order_fields(["school"])  # type: ignore[attr-defined]


class HazardReportForm(SchoolFormMixin, BootstrapMixin, forms.Form):
    client_key = forms.CharField(widget=forms.HiddenInput, required=False)
    place = forms.IntegerField(label=_("重点部位"), required=False, widget=forms.Select)
    description = forms.CharField(
        label=_("隐患描述"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例如：B栋后楼梯照明灯损坏，晚自习后楼梯无光。"),
    )

    def __init__(self, *args: Any, schools: Any, places: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._school_field(schools)
        self.fields["place"].widget.choices = [("", _("（不在重点部位）"))] + [(p.pk, str(p)) for p in places]


class ScreeningForm(SchoolFormMixin, BootstrapMixin, forms.Form):
    client_key = forms.CharField(widget=forms.HiddenInput, required=False)
    place = forms.IntegerField(label=_("重点部位"), widget=forms.Select)
    screened_on = forms.DateField(
        label=_("排查日期"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    result = forms.ChoiceField(label=_("排查结果"), choices=ScreeningResult.choices, widget=forms.RadioSelect)
    notes = forms.CharField(
        label=_("情况说明"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("发现隐患时必填，将自动生成整改任务。"),
    )

    def __init__(self, *args: Any, schools: Any, places: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._school_field(schools)
        self.fields["place"].widget.choices = [("", "---------")] + [(p.pk, str(p)) for p in places]


class PlaceForm(SchoolFormMixin, BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=60)
    kind = forms.ChoiceField(label=_("类型"), choices=PlaceKind.choices)
    location = forms.CharField(label=_("楼栋/位置"), max_length=100, required=False)
    responsible = forms.IntegerField(label=_("网格责任人"), widget=forms.Select)
    frequency_days = forms.IntegerField(label=_("排查周期（天）"), min_value=1, max_value=365, initial=7)

    def __init__(self, *args: Any, schools: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._school_field(schools)
        self.fields["responsible"].widget.choices = [("", _("请选择")), *staff_choices(staff)]


class CameraForm(SchoolFormMixin, BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("名称/编号"), max_length=60)
    place = forms.IntegerField(label=_("重点部位"), widget=forms.Select)
    status = forms.ChoiceField(label=_("状态"), choices=CameraStatus.choices)

    def __init__(self, *args: Any, schools: Any, places: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._school_field(schools)
        self.fields["place"].widget.choices = [("", "---------")] + [(p.pk, str(p)) for p in places]


class ReviewForm(SchoolFormMixin, BootstrapMixin, forms.Form):
    client_key = forms.CharField(widget=forms.HiddenInput, required=False)
    cameras = forms.MultipleChoiceField(label=_("摄像头"), widget=forms.CheckboxSelectMultiple)
    period_from = forms.DateTimeField(
        label=_("回看开始"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    period_to = forms.DateTimeField(
        label=_("回看结束"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    findings = forms.CharField(
        label=_("发现情况"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, schools: Any, cameras: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._school_field(schools)
        choice_field(self, "cameras").choices = [(str(c.pk), f"{c.name}（{c.place.name}）") for c in cameras]
        self.fields["cameras"].widget.attrs["class"] = "form-check-input"


class TransitionForm(BootstrapMixin, forms.Form):
    action = forms.ChoiceField(
        choices=[(a, a) for a in ("start", "rectify", "accept", "reject")], widget=forms.HiddenInput
    )
    owner = forms.IntegerField(label=_("整改责任人"), required=False, widget=forms.Select)
    deadline = forms.DateField(
        label=_("整改期限"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    photo = forms.FileField(label=_("整改后照片"), required=False)
    note = forms.CharField(
        label=_("说明"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = forms.CharField(
        label=_("退回原因"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, staff: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].widget.choices = [("", _("请选择")), *staff_choices(staff)]


class HazardFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", _("全部状态"))] + list(HazardStatus.choices), required=False)
    place = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    overdue = forms.BooleanField(required=False)


def school_staff(school: Any) -> Any:
    return (
        User.objects.filter(is_active=True, assignments__unit__school=school).distinct().order_by("full_name")
    )
