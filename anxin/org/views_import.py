"""Bulk import pages (students and staff from .xlsx): a form, a call to anxin.org.imports, the result."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from anxin.access.matrix import allowed, scoped
from anxin.core.errors import ServiceError
from anxin.core.formfields import model_choice_field
from anxin.core.params import query_int
from anxin.org.requests import AuthenticatedRequest

from . import imports
from .forms import BootstrapMixin
from .models import Unit, UnitKind

#: kind -> (resource, action) that opens the page.
PERMISSION = {imports.STUDENTS: ("student", "import"), imports.STAFF: ("staff", "change")}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportForm(BootstrapMixin, forms.Form):
    school = forms.ModelChoiceField(label=_l("导入到学校"), queryset=Unit.objects.none())
    # Empty files reach the service, which gives the same message as for any unreadable file.
    file = forms.FileField(
        label=_l("Excel 文件（.xlsx，不超过 5 MB）"),
        allow_empty_file=True,
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )

    def __init__(self, *args: Any, schools: QuerySet[Unit] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if schools is None:
            del self.fields["school"]
        else:
            model_choice_field(self, "school").queryset = schools
            if len(schools) == 1:
                self.fields["school"].initial = schools[0].pk


def _open(request: HttpRequest, kind: str) -> None:
    if kind not in PERMISSION or not allowed(request.user, *PERMISSION[kind]):
        raise Http404


def _importable_schools(user: Any) -> QuerySet[Unit]:
    schools = Unit.objects.filter(kind=UnitKind.SCHOOL, is_active=True)
    return scoped(user, "student", "import", schools, path_field="path").order_by("path")


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def import_page(request: AuthenticatedRequest, kind: str) -> HttpResponse:
    _open(request, kind)
    schools = _importable_schools(request.user) if kind == imports.STUDENTS else None
    form = ImportForm(request.POST or None, request.FILES or None, schools=schools)
    error: ServiceError | None = None
    result: imports.ImportResult | None = None
    if request.method == "POST" and form.is_valid():
        try:
            if kind == imports.STUDENTS:
                result = imports.students_import(
                    actor=request.user, school=form.cleaned_data["school"], fileobj=form.cleaned_data["file"]
                )
            else:
                result = imports.staff_import(actor=request.user, fileobj=form.cleaned_data["file"])
        except ServiceError as exc:
            error = exc
        else:
            if kind == imports.STUDENTS:
                messages.success(
                    request,
                    _("导入成功：新增学生 %(n)d 名，重点群体标记 %(groups)d 条，监护人 %(guardians)d 位。")
                    % {"n": result.created, "groups": result.key_groups, "guardians": result.guardians},
                )
                return redirect("org:students")
            # Staff: stay on this page, the only place the generated passwords are ever shown.
            messages.success(
                request,
                _("导入成功：新建账号 %(n)d 个，分配岗位 %(posts)d 个。")
                % {"n": result.created, "posts": result.assignments},
            )
    error_rows = [d for d in (error.detail or []) if d.get("row") or d.get("column")] if error else []
    return render(
        request,
        "org/import.html",
        {
            "kind": kind,
            "title": _("批量导入学生") if kind == imports.STUDENTS else _("批量导入教职工"),
            "form": form,
            "schools": schools,
            "error": error,
            "error_rows": error_rows,
            "result": result,
            "columns": imports.student_columns() if kind == imports.STUDENTS else imports.staff_columns(),
            "max_rows": imports.MAX_ROWS,
        },
    )


@login_required
@require_GET
def import_template(request: AuthenticatedRequest, kind: str) -> HttpResponse:
    _open(request, kind)
    school = None
    chosen = query_int(request.GET, "school")
    if kind == imports.STUDENTS and chosen is not None:
        school = _importable_schools(request.user).filter(pk=chosen).first()
    content = imports.import_template(kind=kind, actor=request.user, school=school)
    name = _("学生导入模板") if kind == imports.STUDENTS else _("教职工导入模板")
    if school is not None:
        name = f"{name}-{school.name}"
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=f"{name}.xlsx")
    return response
