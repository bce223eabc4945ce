"""Typed access to a bound form's fields, for the forms that fill their choices per request.

``form.fields[name]`` is a plain ``Field`` to the type checker; these return the field as the kind
its form declared, and fail loudly if a form is changed to declare another kind.
"""

from __future__ import annotations

from typing import Any

from django import forms


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{type(form).__name__}.{name} is not a choice field")
    return field


def model_choice_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{type(form).__name__}.{name} is not a model choice field")
    return field


def refused_file_field(form: forms.BaseForm, code: str) -> str | None:
    """The field a refused upload belongs to: a ``photo_*``/``attachment_*`` refusal on a form with
    exactly one file field is said there, where the user looks for it, not in a banner at the top."""
    files = [name for name, field in form.fields.items() if isinstance(field, forms.FileField)]
    return files[0] if len(files) == 1 and str(code).startswith(("photo_", "attachment_")) else None
