"""Forms of 值班巡逻: they parse; the services decide."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.core.formfields import model_choice_field
from anxin.core.params import MAX_ID
from anxin.org.forms import BootstrapMixin
from anxin.org.models import Unit, User
from anxin.org.pickers import StaffChoiceField, StaffMultipleChoiceField

from .models import Frequency, PointType, Shift


class SchoolField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return obj.name


#: Staff are named with their roles and class (three 李建国 in one school are told apart).
StaffField = StaffChoiceField
StaffMultipleField = StaffMultipleChoiceField


def school_staff(schools: QuerySet[Unit]) -> QuerySet[User]:
    from django.db.models import Q

    q = Q(pk__in=[])
    for s in schools:
        q |= Q(assignments__unit__path__startswith=s.path)
    return User.objects.filter(q, is_active=True).distinct().order_by("full_name", "username")


class SchoolMixin:
    """A school choice, hidden when the caller has only one."""

    def setup_school(self, schools: QuerySet[Unit]) -> None:
        field = SchoolField(queryset=schools, label=_("学校"), empty_label=None)
        self._only_school = schools.first() if schools.count() == 1 else None
        if self._only_school is not None:
            field.widget = forms.HiddenInput()
            field.initial = self._only_school.pk
            field.required = False
        else:
            field.widget.attrs["class"] = "form-select"
        self.fields["school"] = field  # type: ignore[attr-defined]

    def clean_school(self) -> Unit:
        school = self.cleaned_data.get("school") or self._only_school  # type: ignore[attr-defined]
        if school is None:
            raise forms.ValidationError(_("请选择学校。"))
        return school


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class CheckinForm(BootstrapMixin, forms.Form):
    client_key = forms.CharField(required=False, widget=forms.HiddenInput())
    finding = forms.CharField(
        label=_("发现的问题（可不填）"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    needs_report = forms.BooleanField(label=_("需要上报（转入学校举报处理）"), required=False)
    photo = forms.FileField(label=_("照片"), required=False)


class DormRoundForm(SchoolMixin, BootstrapMixin, forms.Form):
    client_key = forms.CharField(required=False, widget=forms.HiddenInput())
    building = forms.CharField(label=_("楼栋"), max_length=40)
    floor = forms.CharField(label=_("楼层"), max_length=10, required=False)
    patrolled_at = forms.DateTimeField(
        label=_("巡查时间（不填为现在）"), required=False, widget=DateTimeInput()
    )
    expected = forms.IntegerField(label=_("应到人数"), min_value=0, max_value=2000)
    present = forms.IntegerField(label=_("实到人数"), min_value=0, max_value=2000)
    absent_beds = forms.CharField(
        label=_("缺勤床位"), max_length=300, required=False, help_text=_("如 312-4, 315-1")
    )
    anomalies = forms.CharField(
        label=_("异常情况"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, schools: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_school(schools)
        self.order_fields(["school"])


class HandoverForm(SchoolMixin, BootstrapMixin, forms.Form):
    client_key = forms.CharField(required=False, widget=forms.HiddenInput())
    receiver = StaffField(queryset=User.objects.none(), label=_("接班人"))
    handed_at = forms.DateTimeField(label=_("交接时间（不填为现在）"), required=False, widget=DateTimeInput())
    keys = forms.BooleanField(label=_("钥匙"), required=False)
    radio = forms.BooleanField(label=_("对讲机"), required=False)
    pending = forms.BooleanField(label=_("未完成事项"), required=False)
    hazards = forms.BooleanField(label=_("安全隐患"), required=False)
    notes = forms.CharField(
        label=_("交接内容"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, schools: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_school(schools)
        model_choice_field(self, "receiver").queryset = school_staff(schools)
        self.order_fields(["school"])


class DutyFields(forms.Form):
    """A point's required frequency and responsible person; empty means the school's defaults."""

    frequency = forms.ChoiceField(
        label=_("巡查频次"),
        choices=[("", _("按学校设置（宿舍每晚，其他每天）")), *Frequency.choices],
        required=False,
    )
    rounds = forms.IntegerField(
        label=_("每期巡查次数（不填按学校设置）"), min_value=1, max_value=12, required=False
    )
    responsible = StaffField(
        queryset=User.objects.none(),
        label=_("责任人（不填则由当班值班人员负责；每周巡查的点由安全管理员负责）"),
        required=False,
    )


class PointForm(SchoolMixin, BootstrapMixin, DutyFields):
    name = forms.CharField(label=_("名称"), max_length=60)
    place_type = forms.ChoiceField(label=_("地点类型"), choices=PointType.choices, initial=PointType.OTHER)
    building = forms.CharField(label=_("楼栋"), max_length=40, required=False)
    floor = forms.CharField(label=_("楼层"), max_length=10, required=False)

    def __init__(self, *args: Any, schools: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_school(schools)
        model_choice_field(self, "responsible").queryset = school_staff(schools)
        self.order_fields(["school", "name", "place_type", "building", "floor"])


class PointDutyForm(BootstrapMixin, DutyFields):
    def __init__(self, *args: Any, school: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "responsible").queryset = school_staff(Unit.objects.filter(pk=school.pk))


class SettingsForm(SchoolMixin, BootstrapMixin, forms.Form):
    day_rounds = forms.IntegerField(label=_("普通巡查点每日巡查次数"), min_value=0, max_value=12)
    night_rounds = forms.IntegerField(label=_("宿舍巡查点每晚巡查次数"), min_value=0, max_value=12)

    def __init__(self, *args: Any, schools: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_school(schools)
        self.order_fields(["school"])


WEEKDAYS = [
    (str(i), n)
    for i, n in enumerate([_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")])
]


class RotaWeekForm(SchoolMixin, BootstrapMixin, forms.Form):
    """One shift for several days of a week at once: the leader on duty and the other people."""

    week_start = forms.DateField(label=_("周一日期"), widget=forms.DateInput(attrs={"type": "date"}))
    shift = forms.ChoiceField(label=_("班次"), choices=Shift.choices)
    days = forms.MultipleChoiceField(
        label=_("日期"),
        choices=WEEKDAYS,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    leader = StaffField(queryset=User.objects.none(), label=_("值班领导"), required=False)
    people = StaffMultipleField(
        queryset=User.objects.none(),
        label=_("值班人员"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args: Any, schools: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_school(schools)
        staff = school_staff(schools)
        model_choice_field(self, "leader").queryset = staff
        model_choice_field(self, "people").queryset = staff
        if not self.is_bound:
            today = timezone.localdate()
            self.initial.setdefault("week_start", today + timedelta(days=7 - today.weekday()))
            self.initial.setdefault("days", [str(i) for i in range(7)])
        self.order_fields(["school"])

    def clean_week_start(self) -> date:
        value = self.cleaned_data["week_start"]
        if value.weekday() != 0:
            raise forms.ValidationError(_("请选择一个周一。"))
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not data.get("leader") and not data.get("people"):
            raise forms.ValidationError(_("请至少选择一位值班领导或值班人员。"))
        return data


class FilterForm(BootstrapMixin, forms.Form):
    """Query parameters of the lists and exports."""

    start = forms.DateField(
        label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    point = forms.IntegerField(label=_("巡查点"), required=False, min_value=1, max_value=MAX_ID)
    recorder = forms.IntegerField(label=_("记录人"), required=False, min_value=1, max_value=MAX_ID)

    # The period itself is read and checked by anxin.ledgers.kit.read_period, like every ledger's.


def form_errors_text(form: forms.Form) -> str:
    return "；".join(str(e) for errors in form.errors.values() for e in errors)
