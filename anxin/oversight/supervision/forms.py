"""Phone-first forms of supervision. Fields only: the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from anxin.org.forms import BootstrapMixin

from .models import Finding, OrderLevel
from .scorecard import ITEMS


class SchoolChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


def _school_field(form: forms.Form, schools: Any, initial: Any = None) -> None:
    field = SchoolChoice(label=_("学校"), queryset=schools, initial=initial)
    field.widget.attrs["class"] = "form-select"
    form.fields["school"] = field
    form.order_fields(["school"])


class OrderForm(BootstrapMixin, forms.Form):
    title = forms.CharField(
        label=_("事由"), max_length=100, help_text=_("例如：1530安全教育连续十个上学日无记录")
    )
    level = forms.ChoiceField(label=_("级别"), choices=OrderLevel.choices, initial=OrderLevel.NOTICE)
    deadline = forms.DateField(label=_("整改期限"), widget=forms.DateInput(attrs={"type": "date"}))
    items = forms.CharField(
        label=_("整改事项"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("每行一条。"),
    )
    visit = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, schools: Any, school: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _school_field(self, schools, school.pk if school is not None else None)


class RespondForm(BootstrapMixin, forms.Form):
    action = forms.CharField(widget=forms.HiddenInput, initial="respond")
    response = forms.CharField(
        label=_("整改情况"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("写明每条事项做了什么、何时完成。"),
    )
    evidence = forms.FileField(
        label=_("佐证材料（照片或 PDF，可选）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}),
    )


class CheckForm(BootstrapMixin, forms.Form):
    action = forms.ChoiceField(
        choices=[("close", "close"), ("send_back", "send_back")], widget=forms.HiddenInput
    )
    reason = forms.CharField(
        label=_("退回原因"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    note = forms.CharField(label=_("复查意见"), max_length=1000, required=False)


class ExtendForm(BootstrapMixin, forms.Form):
    action = forms.ChoiceField(choices=[("extend", "extend")], widget=forms.HiddenInput)
    deadline = forms.DateField(label=_("新的整改期限"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("延期原因"), max_length=1000)


class CancelForm(BootstrapMixin, forms.Form):
    action = forms.ChoiceField(choices=[("cancel", "cancel")], widget=forms.HiddenInput)
    reason = forms.CharField(label=_("撤销原因"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class VisitForm(BootstrapMixin, forms.Form):
    client_key = forms.CharField(required=False, widget=forms.HiddenInput)
    visited_on = forms.DateField(label=_("检查日期"), widget=forms.DateInput(attrs={"type": "date"}))
    summary = forms.CharField(
        label=_("总体情况"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photo1 = forms.FileField(label=_("现场照片"), required=False)
    photo2 = forms.FileField(label=_("现场照片"), required=False)
    photo3 = forms.FileField(label=_("现场照片"), required=False)

    def __init__(self, *args: Any, schools: Any, school: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _school_field(self, schools, school.pk if school is not None else None)
        choices = [("", _("未检查")), *Finding.choices]
        for key, label in ITEMS.items():
            self.fields[f"result_{key}"] = forms.ChoiceField(
                label=label, choices=choices, required=False, widget=forms.RadioSelect
            )
            self.fields[f"note_{key}"] = forms.CharField(
                label=_("问题说明"), max_length=500, required=False, widget=forms.TextInput
            )
        for name in ("photo1", "photo2", "photo3"):
            self.fields[name].widget.attrs.update({"accept": "image/*", "capture": "environment"})

    def checklist(self) -> dict[str, dict[str, str]]:
        data = self.cleaned_data
        return {
            key: {"result": data[f"result_{key}"], "note": data.get(f"note_{key}", "")}
            for key in ITEMS
            if data.get(f"result_{key}")
        }

    def rows(self) -> list[tuple[str, Any, Any]]:
        return [(key, self[f"result_{key}"], self[f"note_{key}"]) for key in ITEMS]


class InterviewForm(BootstrapMixin, forms.Form):
    person = forms.CharField(label=_("被约谈人"), max_length=50)
    position = forms.CharField(label=_("职务"), max_length=50, required=False)
    held_on = forms.DateField(label=_("约谈日期"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("约谈事由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    outcome = forms.CharField(
        label=_("约谈结果"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    order = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, schools: Any, school: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _school_field(self, schools, school.pk if school is not None else None)


class NoticeForm(BootstrapMixin, forms.Form):
    unit = forms.ChoiceField(label=_("发布单位"))
    title = forms.CharField(label=_("标题"), max_length=100)
    body = forms.CharField(label=_("正文"), max_length=10000, widget=forms.Textarea(attrs={"rows": 6}))

    def __init__(self, *args: Any, units: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(u.pk, u.name) for u in units]
        field.widget.attrs["class"] = "form-select"


class AssignForm(BootstrapMixin, forms.Form):
    inspector = forms.ChoiceField(label=_("责任督学"))

    def __init__(self, *args: Any, schools: Any, inspectors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _school_field(self, schools)
        field = self.fields["inspector"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "---------"), *[(u.pk, str(u)) for u in inspectors]]
        field.widget.attrs["class"] = "form-select"


class PolicyForm(BootstrapMixin, forms.Form):
    unit = forms.ChoiceField(label=_("适用单位"))
    effective_from = forms.DateField(label=_("生效日期"), widget=forms.DateInput(attrs={"type": "date"}))
    pass_percent = forms.IntegerField(label=_("符合（%）不低于"), min_value=0, max_value=100)
    partial_percent = forms.IntegerField(label=_("基本符合（%）不低于"), min_value=0, max_value=100)
    attention_below = forms.IntegerField(label=_("总分低于此值需要关注"), min_value=0, max_value=100)
    attention_failures = forms.IntegerField(
        label=_("不符合项达到此数需要关注"), min_value=1, max_value=len(ITEMS)
    )
    patrol_days = forms.IntegerField(label=_("巡查统计天数"), min_value=1, max_value=200)
    safety_school_days = forms.IntegerField(label=_("1530统计上学日数"), min_value=1, max_value=200)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args: Any, units: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(u.pk, u.name) for u in units]
        field.widget.attrs["class"] = "form-select"
        for key, label in ITEMS.items():
            self.fields[f"weight_{key}"] = forms.IntegerField(
                label=_("权重：%(item)s") % {"item": label}, min_value=0, max_value=100
            )

    def rules(self) -> dict[str, Any]:
        d = self.cleaned_data
        keys = ("pass_percent", "partial_percent", "attention_below", "attention_failures", "patrol_days")
        out: dict[str, Any] = {k: d[k] for k in (*keys, "safety_school_days")}
        out["weights"] = {key: d[f"weight_{key}"] for key in ITEMS}
        return out
