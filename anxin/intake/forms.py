"""Forms of the staff intake: they parse what people type; the services decide everything else.

The action forms are shared by the report page and the JSON API, so both accept the same inputs
and name the same missing ones.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.core.errors import ErrorCode, Invalid, NotFound
from anxin.core.formfields import model_choice_field
from anxin.org.forms import BootstrapMixin
from anxin.org.models import Unit, User
from anxin.org.pickers import StaffChoiceField

from . import selectors, services
from .errors import IntakeError
from .images import MAX_PHOTOS
from .models import About, Channel, Kind, Place, Report, Status, TimeBand
from .selectors import school_staff

PHOTO_ACCEPT = "image/jpeg,image/png,image/heic,image/heif"


def uploads(files: list[Any]) -> list[services.Upload]:
    return [(f.name or "", f) for f in files]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Zero or more images; the service checks their content and count."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": PHOTO_ACCEPT, "multiple": True}))
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class SchoolMixin:
    """A school field cut to where the caller may record; with only one school, it is implied."""

    single_school: Unit | None = None

    def limit_schools(self, schools: QuerySet[Unit]) -> None:
        field = self.fields["school"]  # type: ignore[attr-defined]
        field.queryset = schools
        only = list(schools[:2])
        if len(only) == 1:
            self.single_school = only[0]
            field.initial = only[0].pk
            field.required = False
            field.widget = forms.HiddenInput()

    def clean_school(self) -> Unit | None:
        return self.cleaned_data.get("school") or self.single_school  # type: ignore[attr-defined]


def _checkboxes() -> forms.CheckboxSelectMultiple:
    return forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})


class RecordForm(SchoolMixin, BootstrapMixin, forms.Form):
    """A report received by a member of staff (hotline, walk-in, email, letter, parent, duty)."""

    school = forms.ModelChoiceField(label=gettext_lazy("学校"), queryset=Unit.objects.none())
    channel = forms.ChoiceField(
        label=gettext_lazy("收到的渠道"),
        choices=[(c, Channel(c).label) for c in services.STAFF_CHANNELS],
    )
    reporter_name = forms.CharField(label=gettext_lazy("反映人姓名"), max_length=100, required=False)
    reporter_relation = forms.CharField(
        label=gettext_lazy("与学生的关系"),
        max_length=30,
        required=False,
        help_text=gettext_lazy("例如：学生本人、母亲、同班同学、班主任。"),
    )
    contact = forms.CharField(
        label=gettext_lazy("联系方式"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("反映人愿意留下时填写；只有负责处理的老师能看到。"),
    )
    about = forms.ChoiceField(
        label=gettext_lazy("反映的是"), choices=About.choices, initial=About.UNSURE, required=False
    )
    place = forms.ChoiceField(
        label=gettext_lazy("地点"), choices=Place.choices, initial=Place.OTHER, required=False
    )
    time_band = forms.ChoiceField(
        label=gettext_lazy("时间段"), choices=TimeBand.choices, initial=TimeBand.OTHER, required=False
    )
    occurred_on = forms.DateField(
        label=gettext_lazy("发生日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    kinds = forms.MultipleChoiceField(
        label=gettext_lazy("反映的行为"), choices=Kind.choices, required=False, widget=_checkboxes()
    )
    text = forms.CharField(
        label=gettext_lazy("发生了什么"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=services.TEXT_MAX,
        error_messages={"required": gettext_lazy("请写下发生了什么。")},
        help_text=gettext_lazy("尽量记下反映人的原话：谁、在哪里、做了什么、持续多久。"),
    )
    names = forms.CharField(
        label=gettext_lazy("涉及的人"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    photos = PhotosField(
        label=gettext_lazy("照片"),
        help_text=gettext_lazy("最多 %(n)d 张 JPEG、PNG 或 HEIC 照片；位置等隐藏信息会被去除。")
        % {"n": MAX_PHOTOS},
    )

    def __init__(self, *args: Any, schools: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_schools(schools)
        self.fields["occurred_on"].widget.attrs["max"] = timezone.localdate().isoformat()

    def submit(self, *, actor: User) -> services.Submission:
        data = dict(self.cleaned_data)
        photos = uploads(data.pop("photos"))
        return services.report_record(actor=actor, photos=photos, **data)


class QuickForm(SchoolMixin, BootstrapMixin, forms.Form):
    """One screen for gate, duty and dormitory staff: where, what, and maybe a photo."""

    school = forms.ModelChoiceField(label=gettext_lazy("学校"), queryset=Unit.objects.none())
    place = forms.ChoiceField(
        label=gettext_lazy("在哪里"),
        choices=Place.choices,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
    )
    text = forms.CharField(
        label=gettext_lazy("看到了什么"),
        max_length=services.TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("请写下看到了什么。")},
    )
    photo = forms.FileField(
        label=gettext_lazy("拍照（可不拍）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    def __init__(self, *args: Any, schools: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_schools(schools)

    def submit(self, *, actor: User) -> services.Submission:
        data = self.cleaned_data
        photo = data.get("photo")
        return services.report_record(
            actor=actor,
            school=data["school"],
            channel=Channel.STAFF_OBSERVED,
            text=data["text"],
            place=data.get("place") or Place.OTHER,
            occurred_on=timezone.localdate(),
            photos=uploads([photo] if photo else []),
        )


class ActionForm(BootstrapMixin, forms.Form):
    """One action on a report; ``submit`` calls its service."""

    action = ""

    def __init__(self, *args: Any, report: Report, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.report = report

    def submit(self, *, actor: User) -> Any:
        raise NotImplementedError


class AcknowledgeForm(ActionForm):
    action = "acknowledge"

    def submit(self, *, actor: User) -> Any:
        return services.report_acknowledge(actor=actor, report=self.report)


class AssignForm(ActionForm):
    action = "assign"
    owner = StaffChoiceField(
        label=gettext_lazy("分派给"),
        # Set to the school's staff in __init__; the service checks again.
        queryset=User.objects.none(),
        error_messages={
            "required": gettext_lazy("请选择负责人。"),
            "invalid_choice": gettext_lazy("只能分派给本校教职工。"),
        },
    )

    #: The stable code of a refused field (an id that does not exist and one of another school alike).
    error_codes = {"owner": ErrorCode.OWNER_NOT_STAFF}

    def __init__(self, *args: Any, report: Report, **kwargs: Any) -> None:
        super().__init__(*args, report=report, **kwargs)
        # Only the school's staff validate: an id of anyone else gets the same "invalid choice".
        model_choice_field(self, "owner").queryset = school_staff(report.school)
        # The select offers the same people (built lazily, only when rendered).
        self.fields["owner"].widget.choices = _StaffChoices(report.school)

    def submit(self, *, actor: User) -> Any:
        return services.report_assign(actor=actor, report=self.report, owner=self.cleaned_data["owner"])


class _StaffChoices:
    """Choices for the assign select, built on first iteration."""

    def __init__(self, school: Unit) -> None:
        self.school = school

    def __iter__(self) -> Any:
        yield "", _("请选择")
        for person in school_staff(self.school):
            roles = "、".join(sorted({a.get_role_display() for a in person.assignments.all()}))
            yield person.pk, f"{person}（{roles}）" if roles else str(person)


class ReplyForm(ActionForm):
    action = "reply"
    text = forms.CharField(
        label=gettext_lazy("回复反映人"),
        max_length=services.MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("请填写回复内容。")},
        help_text=gettext_lazy("反映人凭回执码查询时会看到；请不要写出其他学生的姓名。"),
    )

    def submit(self, *, actor: User) -> Any:
        return services.report_reply(actor=actor, report=self.report, text=self.cleaned_data["text"])


class MergeForm(ActionForm):
    action = "merge"
    into = forms.IntegerField(
        label=gettext_lazy("合并到（报告编号）"),
        min_value=1,
        error_messages={
            "required": gettext_lazy("请填写要合并到的报告编号。"),
            "invalid": gettext_lazy("报告编号应为数字。"),
            "min_value": gettext_lazy("报告编号应为数字。"),
        },
    )

    def submit(self, *, actor: User) -> Any:
        try:
            target = selectors.report_get(actor, self.cleaned_data["into"], action="handle")
        except NotFound:
            # The same answer for a number that does not exist and one out of reach.
            raise Invalid(
                _("只能合并到本校的另一份报告。"),
                code=IntakeError.BAD_MERGE_TARGET,
                detail={"into": [_("没有这份报告，或不属于本校")]},
            ) from None
        return services.report_merge(actor=actor, report=self.report, into=target)


class AcceptForm(ActionForm):
    action = "accept"

    def submit(self, *, actor: User) -> Any:
        return services.report_accept(actor=actor, report=self.report)


class CloseForm(ActionForm):
    action = "close"
    reason = forms.CharField(
        label=gettext_lazy("关闭原因"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("请填写关闭原因。")},
        help_text=gettext_lazy(
            "反映人凭回执码查询时会读到这段话，请用平实、尊重的语言说明为什么不属于欺凌。"
        ),
    )

    def submit(self, *, actor: User) -> Any:
        return services.report_close(actor=actor, report=self.report, reason=self.cleaned_data["reason"])


ACTION_FORMS: dict[str, type[ActionForm]] = {
    form.action: form for form in (AcknowledgeForm, AssignForm, ReplyForm, MergeForm, AcceptForm, CloseForm)
}


def form_errors_text(form: forms.Form) -> str:
    """Every error of a form in one line, for a message at the top of the page."""
    parts = [str(e) for e in form.non_field_errors()]
    for name, errors in form.errors.items():
        if name != "__all__":
            parts += [str(e) for e in errors]
    return " ".join(parts)


def filter_value(value: str, choices: Any) -> str:
    return value if value in choices.values else ""


def queue_filters(params: Any) -> dict[str, Any]:
    """The queue's filters from a query string: status, urgent only, open only (on by default)."""
    status = filter_value(params.get("status", ""), Status)
    # A checkbox sends nothing when unchecked, so the form also sends open=0 before it.
    open_only = params.get("open", "1") != "0" and not status
    return {
        "status": status,
        "urgent": True if params.get("urgent") == "1" else None,
        "open_only": open_only,
    }
