"""The phone forms and the list filters of the care ledgers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.core.formfields import model_choice_field
from anxin.org.forms import BootstrapMixin
from anxin.org.models import Unit, User
from anxin.org.pickers import StaffChoiceField, StudentPickField, StudentsPickField

from .models import Mood, PeerRelation, Severity, Topic


class LedgerForm(BootstrapMixin, forms.Form):
    client_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client_key"].error_messages["invalid"] = _("提交编号格式不正确，请刷新页面后重新提交。")


FOLLOW_UP_CHOICES = [
    ("", _("不需要回访")),
    ("7", _("1 周后回访")),
    ("14", _("2 周后回访")),
    ("30", _("1 个月后回访")),
    ("date", _("指定日期")),
]


class TalkForm(LedgerForm):
    student = StudentPickField(label=_("学生"), purpose="ledger_talk")
    talked_on = forms.DateField(label=_("谈话日期"), widget=forms.DateInput(attrs={"type": "date"}))
    topic = forms.ChoiceField(label=_("谈话主题"), choices=Topic.choices)
    content = forms.CharField(label=_("谈话内容"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    mood = forms.ChoiceField(label=_("情绪状态"), choices=Mood.choices, initial=Mood.CALM)
    peers = forms.ChoiceField(label=_("同伴关系"), choices=PeerRelation.choices, initial=PeerRelation.GOOD)
    named_students = StudentsPickField(
        label=_("谈话中提到的其他学生"),
        purpose="talk_named",
        required=False,
        help_text=_("可选：学生提到的本校其他同学（用于预警“多次被提到的学生”）。"),
    )
    follow_up = forms.ChoiceField(label=_("回访"), choices=FOLLOW_UP_CHOICES, required=False)
    follow_up_on = forms.DateField(
        label=_("回访日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, students: Any, named: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "student").queryset = students
        model_choice_field(self, "named_students").queryset = named
        self.fields["talked_on"].initial = timezone.localdate()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        choice = data.get("follow_up") or ""
        talked_on = data.get("talked_on") or timezone.localdate()
        data["follow_up_flag"] = bool(choice)
        if choice == "date":
            if not data.get("follow_up_on"):
                self.add_error("follow_up_on", _("请选择回访日期。"))
        elif choice:
            data["follow_up_on"] = talked_on + timedelta(days=int(choice))
        else:
            data["follow_up_on"] = None
        return data


class PlanForm(LedgerForm):
    student = StudentPickField(label=_("学生"), purpose="ledger_care_plan")
    owner = StaffChoiceField(label=_("负责人"), queryset=User.objects.none())
    goals = forms.CharField(label=_("帮扶目标"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    measures = forms.CharField(label=_("帮扶措施"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    review_days = forms.IntegerField(label=_("回顾周期（天）"), min_value=1, max_value=365, initial=30)
    next_review_on = forms.DateField(
        label=_("首次回顾日期"),
        required=False,
        help_text=_("不填则按回顾周期从今天算起。"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, students: Any, owners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "student").queryset = students
        model_choice_field(self, "owner").queryset = owners


class ReviewForm(LedgerForm):
    reviewed_on = forms.DateField(label=_("回顾日期"), widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(label=_("回顾记录"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    next_review_on = forms.DateField(
        label=_("下次回顾日期"),
        required=False,
        help_text=_("不填则按计划的回顾周期顺延。"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    close = forms.BooleanField(label=_("结束帮扶计划"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewed_on"].initial = timezone.localdate()


class WatchForm(LedgerForm):
    student = StudentPickField(label=_("学生"), purpose="ledger_watch")
    seen_on = forms.DateField(label=_("发现日期"), widget=forms.DateInput(attrs={"type": "date"}))
    seen = forms.CharField(label=_("观察到的情况"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    severity = forms.ChoiceField(label=_("程度"), choices=Severity.choices, initial=Severity.NOTICE)

    def __init__(self, *args: Any, students: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "student").queryset = students
        self.fields["seen_on"].initial = timezone.localdate()


class FilterForm(forms.Form):
    """The list filters; bad values are dropped with a message rather than failing the page."""

    klass = forms.ModelChoiceField(label=_("班级"), queryset=Unit.objects.none(), required=False)
    q = forms.CharField(label=_("学生"), max_length=50, required=False)
    due = forms.BooleanField(label=_("待回访"), required=False)
    overdue = forms.BooleanField(label=_("逾期未回顾"), required=False)
    severity = forms.ChoiceField(
        label=_("程度"), choices=[("", _("全部")), *Severity.choices], required=False
    )

    def __init__(self, *args: Any, classes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "klass").queryset = classes
        model_choice_field(self, "klass").label_from_instance = lambda u: u.display_name  # type: ignore[attr-defined]
        for field in self.fields.values():
            css = "form-check-input" if isinstance(field.widget, forms.CheckboxInput) else "form-control"
            if isinstance(field.widget, forms.Select):
                css = "form-select"
            field.widget.attrs.setdefault("class", css)

    def values(self) -> dict[str, Any]:
        if self.is_valid():
            return self.cleaned_data
        return {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}
