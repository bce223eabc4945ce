from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from anxin.core.errors import ServiceError
from anxin.core.formfields import model_choice_field, refused_file_field

from .models import CommitteeRole, Gender, Role, SchoolProfile, Stage, Unit

#: The largest photo a staff form takes (the services refuse above it: anxin.intake.images).
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_TOO_BIG = _("照片超过 10 MB，请换一张，或用手机相机的较小尺寸重新拍。")


class BootstrapMixin:
    fields: dict[str, forms.Field]  # a mixin for forms: the form's own fields

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(field, forms.FileField):
                # Checked on the phone before a long upload (anxin.js), and said at the field.
                widget.attrs.setdefault("data-max-bytes", str(PHOTO_MAX_BYTES))
                widget.attrs.setdefault("data-msg-too-big", str(PHOTO_TOO_BIG))
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")

    def apply_error(self, exc: ServiceError) -> None:
        """Show a service refusal on the form: per field when the service named fields."""
        detail = exc.detail if isinstance(exc.detail, dict) else {}
        placed = False
        for name, messages in detail.items():
            if name in self.fields:
                for message in messages if isinstance(messages, list) else [messages]:
                    self.add_error(name, message)  # type: ignore[attr-defined]  # the form's, after the mixin
                placed = True
        if not placed:
            field = refused_file_field(self, exc.code)  # type: ignore[arg-type]  # the form's, after the mixin
            self.add_error(field, exc.message)  # type: ignore[attr-defined]


class ClassChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        school = obj.path.strip("/").split("/")
        return f"{obj.display_name}" if len(school) < 3 else f"{obj.display_name}"


class StudentForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    gender = forms.ChoiceField(label=_("性别"), choices=Gender.choices)
    student_no = forms.CharField(label=_("学号"), max_length=30)
    klass = ClassChoiceField(label=_("班级"), queryset=Unit.objects.none())
    boarder = forms.BooleanField(label=_("住校"), required=False)

    def __init__(self, *args: Any, classes: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if classes is not None:
            model_choice_field(self, "klass").queryset = classes


class SchoolProfileForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = SchoolProfile
        fields = ["stage", "boarding", "address", "contact_person", "hotline", "email"]


class UnitForm(BootstrapMixin, forms.Form):
    code = forms.CharField(label=_("代码"), max_length=40)
    name = forms.CharField(label=_("名称"), max_length=100)
    number = forms.IntegerField(
        label=_("序号"),
        required=False,
        min_value=1,
        max_value=99,
        help_text=_("年级填年级数字（如初一为 7），班级填班号。"),
    )
    stage = forms.ChoiceField(label=_("学段"), choices=Stage.choices, required=False)
    boarding = forms.BooleanField(label=_("寄宿制"), required=False)


class StaffForm(BootstrapMixin, forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    full_name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    password = forms.CharField(label=_("初始密码"), widget=forms.PasswordInput, min_length=8)
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    unit = forms.ModelChoiceField(label=_("任职单位"), queryset=Unit.objects.none())

    def __init__(self, *args: Any, units: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if units is not None:
            model_choice_field(self, "unit").queryset = units


class RoleAssignForm(BootstrapMixin, forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    unit = forms.ModelChoiceField(label=_("任职单位"), queryset=Unit.objects.none())

    def __init__(self, *args: Any, units: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if units is not None:
            model_choice_field(self, "unit").queryset = units


class CommitteeMemberForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    committee_role = forms.ChoiceField(label=_("委员会职务"), choices=CommitteeRole.choices)
    is_external = forms.BooleanField(label=_("校外成员"), required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
