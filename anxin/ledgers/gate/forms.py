"""The gate's phone forms. They check the shape of the input; the services decide the rest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.core.errors import Invalid
from anxin.core.formfields import model_choice_field
from anxin.core.params import MAX_ID, parse_id
from anxin.org.forms import BootstrapMixin
from anxin.org.models import Student, Unit, User
from anxin.org.pickers import StaffChoiceField
from anxin.org.selectors import student_choices

from . import selectors, services
from .models import ItemAction, ItemKind, StopAction

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


class DateTimeLocal(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class SchoolField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return obj.name


#: Staff are named with their roles and class (three 李建国 in one school are told apart).
StaffField = StaffChoiceField


class StudentField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Student) -> str:
        return f"{obj.name} · {obj.klass.display_name}"


class LedgerForm(BootstrapMixin, forms.Form):
    client_key = forms.UUIDField(required=False, widget=forms.HiddenInput)


class SchoolLedgerForm(LedgerForm):
    """A form recorded at one school: the school is asked only when the person works at several."""

    school = SchoolField(label=_("学校"), queryset=Unit.objects.none(), empty_label=None)

    def __init__(self, *args: Any, schools: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "school").queryset = schools
        first = list(schools[:2])
        self.single_school = first[0] if len(first) == 1 else None
        if self.single_school is not None:
            self.fields["school"].widget = forms.HiddenInput()
            self.fields["school"].initial = self.single_school.pk
            self.fields["school"].required = False

    def clean_school(self) -> Unit | None:
        return self.single_school or self.cleaned_data.get("school")


class VisitorForm(SchoolLedgerForm):
    name = forms.CharField(label=_("来访人姓名"), max_length=50)
    # No max_length here: a full ID number typed by mistake must reach clean_id_last4 to be refused
    # with the right message. The browser stops typing at four characters anyway.
    id_last4 = forms.CharField(
        label=_("身份证号后4位"),
        help_text=_("只登记后4位，不要输入完整身份证号。"),
        widget=forms.TextInput(attrs={"maxlength": "18", "inputmode": "text", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("联系电话（可不填）"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    host = StaffField(label=_("被访教职工"), queryset=User.objects.none(), required=False)
    host_text = forms.CharField(
        label=_("或填写被访人/班级"),
        max_length=100,
        required=False,
        help_text=_("如：初一(2)班 李小雨的班主任"),
    )
    reason = forms.CharField(label=_("来访事由"), max_length=200, initial="")
    items = forms.CharField(label=_("携带物品（可不填）"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        school = self.single_school
        if school is None and self.is_bound:
            school = (
                model_choice_field(self, "school").queryset.filter(pk=_pk(self.data.get("school"))).first()
            )
        if school is not None:
            model_choice_field(self, "host").queryset = selectors.school_staff(school)

    def clean_id_last4(self) -> str:
        try:
            return services.clean_id_last4(self.cleaned_data.get("id_last4"))
        except Invalid as exc:
            # Never send a refused value back to the page: it may be a whole ID number.
            self.data = self.data.copy()
            self.data["id_last4"] = ""
            raise forms.ValidationError(exc.message, code=exc.code) from None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("host") and not (data.get("host_text") or "").strip():
            self.add_error("host_text", _("请选择被访教职工，或填写被访人姓名/班级。"))
        return data


class LeaveForm(LedgerForm):
    student = StudentField(label=_("学生"), queryset=Student.objects.none())
    starts_at = forms.DateTimeField(
        label=_("开始时间"), widget=DateTimeLocal(), input_formats=DATETIME_FORMATS
    )
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=DateTimeLocal(), input_formats=DATETIME_FORMATS)
    reason = forms.CharField(label=_("请假事由"), max_length=200)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "student").queryset = student_choices(
            user, for_="gate_leave"
        ).select_related("klass", "klass__parent")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("请假结束时间必须晚于开始时间。"))
        return data


class ExitForm(LedgerForm):
    student = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    action = forms.ChoiceField(
        label=_("处理方式（拦下时必选）"),
        choices=StopAction.choices,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
    )
    note = forms.CharField(label=_("备注（可不填）"), max_length=200, required=False)


class ItemForm(SchoolLedgerForm):
    kind = forms.ChoiceField(
        label=_("物品类别"), choices=ItemKind.choices, widget=forms.RadioSelect(attrs={"class": "btn-check"})
    )
    description = forms.CharField(label=_("物品说明（选“其他”时必填）"), max_length=200, required=False)
    action = forms.ChoiceField(
        label=_("处理方式"),
        choices=ItemAction.choices,
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
    )
    student = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=MAX_ID)
    visitor = forms.IntegerField(label=_("来访人"), required=False, widget=forms.Select)
    photo = forms.FileField(
        label=_("照片（可不传）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/heic"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        inside = selectors.visitors_visible(user, date_from=today, date_to=today)
        self.fields["visitor"].widget.choices = [("", _("（不是来访人）"))] + [
            (v.pk, f"{v.name} · {timezone.localtime(v.time_in):%H:%M}") for v in inside[:50]
        ]


class FilterForm(forms.Form):
    """The list filters besides the period (?date_from=&date_to=, read by anxin.ledgers.kit)."""

    inside = forms.BooleanField(required=False)
    stopped = forms.BooleanField(required=False)


def _pk(raw: Any) -> int | None:
    return parse_id(raw)
