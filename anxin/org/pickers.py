"""Picking students on a phone: type a name or 学号, choose from suggestions within the form's scope.

A form of 720 pupils used to offer them all in a native multi-select. A picker field instead renders
only the students already chosen (as checked boxes: untick to remove) and a search box whose
suggestions come from ``/api/org/students/suggest`` for the field's *purpose* — the same queryset
the field validates against, so a suggestion is always acceptable and nothing out of reach is named.

Without JavaScript (or offline), the typed text is resolved when the form is sent: an exact 学号 or
a full name that only one student of the choices bears. The typed text is kept on a refused form.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.forms.models import ModelChoiceIterator
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Student
from .selectors import STAFF_LABEL_PREFETCH, SUGGESTIBLE, staff_label, student_label

#: Suffix of the search box's name: ``student__q`` beside ``student``.
TYPED = "__q"

NOT_FOUND = _("找不到这名学生：请输入姓名或学号，再从提示中点选。")


class StudentPicker(forms.Widget):
    template_name = "org/widgets/student_picker.html"

    def __init__(self, *, purpose: str, multiple: bool = False, attrs: dict[str, Any] | None = None) -> None:
        if purpose not in SUGGESTIBLE:
            raise ValueError(f"student purpose {purpose} takes no suggestions")
        super().__init__(attrs)
        self.purpose = purpose
        self.allow_multiple_selected = multiple
        self.choices: Any = ()  # the field's ModelChoiceIterator, set by ModelChoiceField
        #: The choices when the field is not a model choice (a form that resolves ids itself).
        self.queryset: QuerySet[Student] | None = None
        self.typed = ""

    # -- the queryset and labels of the field this widget serves ------------------------------------

    def _queryset(self) -> QuerySet[Student]:
        qs = self.queryset if self.queryset is not None else getattr(self.choices, "queryset", None)
        return qs if qs is not None else Student.objects.none()

    def _label(self, student: Student) -> str:
        field = getattr(self.choices, "field", None)
        return field.label_from_instance(student) if field is not None else student_label(student)

    # -- reading the form -------------------------------------------------------------------------

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        self.typed = (data.get(name + TYPED) or "").strip()[:30]
        if self.allow_multiple_selected:
            raw = data.getlist(name) if hasattr(data, "getlist") else data.get(name) or []
            values = [v for v in raw if v not in (None, "")]
        else:
            single = data.get(name)
            values = [] if single in (None, "") else [single]
        if not values and self.typed:
            values = [self._resolve(self.typed)]
        if self.allow_multiple_selected:
            return values
        return values[0] if values else None

    def _resolve(self, typed: str) -> str:
        """The id of the one student of the choices with this exact 学号 or full name; else the text
        itself, which the field refuses as not a choice (with the picker's words)."""
        found = list(
            self._queryset().filter(Q(student_no=typed) | Q(name=typed)).values_list("pk", flat=True)[:2]
        )
        return str(found[0]) if len(found) == 1 else typed

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and name + TYPED not in data

    def format_value(self, value: Any) -> list[str]:
        if value is None or value == "":
            return []
        values = value if isinstance(value, list | tuple) else [value]
        return [str(v) for v in values if v not in (None, "")]

    # -- drawing it -------------------------------------------------------------------------------

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        ids = [int(v) for v in context["widget"]["value"] if str(v).isdigit() and len(str(v)) < 19]
        chosen = (
            list(self._queryset().filter(pk__in=ids).select_related("klass", "klass__parent")) if ids else []
        )
        order = {pk: i for i, pk in enumerate(ids)}
        chosen.sort(key=lambda s: order.get(s.pk, 0))
        context["widget"].update(
            chosen=[(s.pk, self._label(s)) for s in chosen],
            typed=self.typed,
            multiple=self.allow_multiple_selected,
            input_type="checkbox" if self.allow_multiple_selected else "radio",
            purpose=self.purpose,
            url=reverse("api:org_student_suggest"),
        )
        return context

    def id_for_label(self, id_: str) -> str:
        return id_


class StudentPickField(forms.ModelChoiceField):
    """One student, picked by typing; label: class · name（学号）."""

    def __init__(self, *, purpose: str, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Student.objects.none())
        super().__init__(widget=StudentPicker(purpose=purpose), **kwargs)
        self.error_messages["invalid_choice"] = NOT_FOUND

    def label_from_instance(self, obj: Student) -> str:
        return student_label(obj)


class StudentsPickField(forms.ModelMultipleChoiceField):
    """Several students, picked by typing one after another."""

    def __init__(self, *, purpose: str, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Student.objects.none())
        super().__init__(widget=StudentPicker(purpose=purpose, multiple=True), **kwargs)
        self.error_messages["invalid_choice"] = NOT_FOUND
        self.error_messages["invalid_pk_value"] = NOT_FOUND

    def label_from_instance(self, obj: Student) -> str:
        return student_label(obj)


class _StaffIterator(ModelChoiceIterator):
    """The field's people with their roles read in one query (:func:`staff_label` per option)."""

    def __init__(self, field: forms.ModelChoiceField[Any]) -> None:
        super().__init__(field)
        self.queryset = self.queryset.prefetch_related(STAFF_LABEL_PREFETCH)


class StaffChoiceField(forms.ModelChoiceField):
    """One person of a school's staff, named with roles and class (:func:`staff_label`)."""

    iterator = _StaffIterator

    def label_from_instance(self, obj: Any) -> str:
        return staff_label(obj)


class StaffMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several people of a school's staff, each named with roles and class."""

    iterator = _StaffIterator

    def label_from_instance(self, obj: Any) -> str:
        return staff_label(obj)
