from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from anxin.core.formfields import model_choice_field
from anxin.org.forms import BootstrapMixin

from .models import ActivityType
from .schooldays import SessionKind

#: The longest period a list or export covers at once.


class _Keyed(forms.Form):
    client_key = forms.CharField(required=False, widget=forms.HiddenInput)


class SessionForm(BootstrapMixin, _Keyed):
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("类型"), choices=SessionKind.choices)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class MeetingForm(BootstrapMixin, _Keyed):
    klass = forms.ModelChoiceField(label=_("班级"), queryset=None)  # type: ignore[arg-type]
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    topic = forms.CharField(label=_("主题"), max_length=100)
    summary = forms.CharField(
        label=_("内容摘要"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, classes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "klass").queryset = classes
        model_choice_field(self, "klass").label_from_instance = lambda u: u.display_name  # type: ignore[attr-defined]


class ActivityForm(BootstrapMixin, _Keyed):
    school = forms.ModelChoiceField(label=_("学校"), queryset=None)  # type: ignore[arg-type]
    type = forms.ChoiceField(label=_("活动类型"), choices=ActivityType.choices)
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    title = forms.CharField(label=_("主题"), max_length=100)
    summary = forms.CharField(
        label=_("内容摘要"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    expected = forms.IntegerField(label=_("应到人数"), min_value=0, max_value=100000, required=False)
    present = forms.IntegerField(label=_("实到人数"), min_value=0, max_value=100000, required=False)

    def __init__(self, *args: Any, schools: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "school").queryset = schools
        only = list(schools[:2])
        if len(only) == 1:
            self.fields["school"].initial = only[0].pk
            self.fields["school"].widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if (
            data.get("present") is not None
            and data.get("expected") is not None
            and data["present"] > data["expected"]
        ):
            self.add_error("present", _("实到人数不能多于应到人数。"))
        return data


class DocumentForm(BootstrapMixin, forms.Form):
    text = forms.CharField(label=_("正文"), max_length=50000, widget=forms.Textarea(attrs={"rows": 14}))
    note = forms.CharField(label=_("修改说明"), max_length=200, required=False)
