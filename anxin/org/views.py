"""Organisation pages: thin views over selectors and services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from anxin.access.matrix import allowed, can, can_at, scoped
from anxin.core.errors import ServiceError
from anxin.core.params import query_int
from anxin.org.requests import AuthenticatedRequest

from . import selectors, services
from .forms import CommitteeMemberForm, RoleAssignForm, SchoolProfileForm, StaffForm, StudentForm, UnitForm
from .models import CHILD_KIND, CommitteeMember, RoleAssignment, Unit, UnitKind


def _need(request: HttpRequest, resource: str, action: str = "view") -> None:
    if not allowed(request.user, resource, action):
        raise Http404


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    _need(request, "unit")
    search = request.GET.get("q", "").strip()[:50]
    schools = selectors.schools_visible(request.user).select_related("parent", "profile")
    if search:
        schools = schools.filter(Q(name__icontains=search) | Q(code__icontains=search))
    bureaus = selectors.units_visible(request.user).filter(kind__in=[UnitKind.CITY, UnitKind.COUNTY])
    page = Paginator(schools.order_by("path"), 50).get_page(request.GET.get("page"))
    return render(request, "org/units.html", {"page": page, "bureaus": bureaus, "q": search})


@login_required
def unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = selectors.unit_get(request.user, unit_id)
    children = selectors.units_visible(request.user, parent_id=unit.pk).order_by("path")
    if unit.kind in (UnitKind.GRADE, UnitKind.SCHOOL):
        children = children.annotate(n_students=Count("students", filter=Q(students__is_active=True)))
    context = {
        "unit": unit,
        "children": children,
        "child_kind": CHILD_KIND.get(unit.kind),
        "can_change": can(request.user, "unit", "change", unit),
        "can_students": can_at(request.user, "student", "view", unit.path),
        # The breadcrumb links up only where the person may go (a school's staff stop at the school).
        "parent_reachable": unit.parent is not None and can(request.user, "unit", "view", unit.parent),
    }
    if unit.kind == UnitKind.CLASS:
        context["students"] = selectors.students_visible(request.user, klass=unit)
    return render(request, "org/unit_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def school_edit(request: AuthenticatedRequest, unit_id: int) -> HttpResponse:
    school = selectors.unit_get(request.user, unit_id, action="change")
    if school.kind != UnitKind.SCHOOL:
        raise Http404
    form = SchoolProfileForm(request.POST or None, instance=school.profile)
    if request.method == "POST" and form.is_valid():
        try:
            services.school_profile_update(actor=request.user, school=school, **form.cleaned_data)
        except ServiceError as exc:
            form.apply_error(exc)
        else:
            messages.success(request, _("学校信息已保存。"))
            return redirect("org:unit", unit_id=school.pk)
    return render(request, "org/form.html", {"form": form, "title": _("编辑学校信息"), "back": school})


@login_required
@require_http_methods(["GET", "POST"])
def unit_new(request: AuthenticatedRequest, parent_id: int) -> HttpResponse:
    parent = selectors.unit_get(request.user, parent_id, action="change")
    kind = CHILD_KIND.get(parent.kind)
    if kind is None:
        raise Http404
    form = UnitForm(request.POST or None)
    if kind != UnitKind.SCHOOL:
        del form.fields["stage"], form.fields["boarding"]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if kind == UnitKind.SCHOOL:
                unit = services.school_create(
                    actor=request.user,
                    county=parent,
                    code=data["code"],
                    name=data["name"],
                    stage=data.get("stage") or "",
                    boarding=data.get("boarding", False),
                )
            else:
                unit = services.unit_create(
                    actor=request.user,
                    parent=parent,
                    kind=kind,
                    code=data["code"],
                    name=data["name"],
                    number=data.get("number"),
                )
        except ServiceError as exc:
            form.apply_error(exc)
        else:
            messages.success(request, _("已创建：%(name)s") % {"name": unit.display_name})
            return redirect("org:unit", unit_id=parent.pk)
    title = _("新建%(kind)s") % {"kind": UnitKind(kind).label}
    return render(request, "org/form.html", {"form": form, "title": title, "back": parent})


@login_required
def student_list(request: HttpRequest) -> HttpResponse:
    _need(request, "student")
    search = request.GET.get("q", "").strip()[:50]
    classes = selectors.classes_visible(request.user)
    klass = None
    chosen = query_int(request.GET, "klass")
    if chosen is not None:
        klass = classes.filter(pk=chosen).first()
    students = selectors.students_visible(request.user, klass=klass, search=search)
    page = Paginator(students, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "org/students.html",
        {
            "page": page,
            "q": search,
            "klass": klass,
            "classes": classes[:500],
            "can_add": allowed(request.user, "student", "change"),
            "can_import": allowed(request.user, "student", "import"),
        },
    )


@login_required
def student_detail(request: HttpRequest, student_id: int) -> HttpResponse:
    profile = selectors.student_profile(request.user, student_id)
    return render(request, "org/student_detail.html", profile)


@login_required
@require_http_methods(["GET", "POST"])
def student_new(request: AuthenticatedRequest) -> HttpResponse:
    _need(request, "student", "change")
    classes = scoped(
        request.user,
        "student",
        "change",
        Unit.objects.filter(kind=UnitKind.CLASS),
        path_field="path",
    ).select_related("parent")
    form = StudentForm(request.POST or None, classes=classes, initial={"klass": request.GET.get("klass")})
    if request.method == "POST" and form.is_valid():
        try:
            student = services.student_create(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.apply_error(exc)
        else:
            messages.success(request, _("已添加学生。"))
            return redirect("org:student", student_id=student.pk)
    return render(request, "org/form.html", {"form": form, "title": _("添加学生")})


@login_required
@require_http_methods(["GET", "POST"])
def student_edit(request: AuthenticatedRequest, student_id: int) -> HttpResponse:
    student = selectors.student_get(request.user, student_id, action="change")
    classes = scoped(
        request.user,
        "student",
        "change",
        Unit.objects.filter(kind=UnitKind.CLASS, school=student.school),
        path_field="path",
    )
    initial = {
        "name": student.name,
        "gender": student.gender,
        "student_no": student.student_no,
        "klass": student.klass_id,
        "boarder": student.boarder,
    }
    form = StudentForm(request.POST or None, classes=classes, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.student_update(actor=request.user, student=student, **form.cleaned_data)
        except ServiceError as exc:
            form.apply_error(exc)
        else:
            messages.success(request, _("学生信息已保存。"))
            return redirect("org:student", student_id=student.pk)
    return render(request, "org/form.html", {"form": form, "title": _("编辑学生信息")})


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    _need(request, "staff")
    search = request.GET.get("q", "").strip()[:50]
    people = selectors.staff_visible(request.user, search=search)
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "org/staff.html",
        {
            "page": page,
            "q": search,
            "can_add": allowed(request.user, "staff", "change"),
            "can_import": allowed(request.user, "staff", "change"),
        },
    )


def _assignable_units(user):  # noqa: ANN001, ANN202
    return (
        scoped(user, "staff", "change", Unit.objects.filter(is_active=True), path_field="path")
        .exclude(kind=UnitKind.GRADE)
        .order_by("path")
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_new(request: AuthenticatedRequest) -> HttpResponse:
    _need(request, "staff", "change")
    form = StaffForm(request.POST or None, units=_assignable_units(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            person = services.staff_create(actor=request.user, **form.cleaned_data)
        except ServiceError as exc:
            form.apply_error(exc)
        else:
            messages.success(request, _("已创建账号。"))
            return redirect("org:person", person_id=person.pk)
    return render(request, "org/form.html", {"form": form, "title": _("新建教职工账号")})


@login_required
@require_http_methods(["GET", "POST"])
def staff_detail(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    person = selectors.staff_get(request.user, person_id)
    units = _assignable_units(request.user)
    can_change = can(request.user, "staff", "change", person)
    form = RoleAssignForm(request.POST or None, units=units) if can_change else None
    if request.method == "POST":
        if not can_change:
            raise Http404
        try:
            if "revoke" in request.POST:
                assignment = RoleAssignment.objects.filter(user=person, pk=request.POST.get("revoke")).first()
                if assignment is None:
                    raise Http404
                services.role_revoke(actor=request.user, assignment=assignment)
                messages.success(request, _("已撤销岗位。"))
                return redirect("org:person", person_id=person.pk)
            if form is not None and form.is_valid():
                services.role_assign(actor=request.user, user=person, **form.cleaned_data)
                messages.success(request, _("已分配岗位。"))
                return redirect("org:person", person_id=person.pk)
        except ServiceError as exc:
            if form is not None:
                form.apply_error(exc)
            else:
                messages.error(request, exc.message)
    assignments = person.assignments.select_related("unit").order_by("unit__path")
    return render(
        request,
        "org/person.html",
        {
            "person": person,
            "assignments": assignments,
            "form": form,
            "can_change": can_change,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def committee(request: AuthenticatedRequest) -> HttpResponse:
    _need(request, "committee")
    schools = selectors.schools_visible(request.user)
    school = None
    chosen = query_int(request.GET, "school")
    if chosen is not None:
        school = schools.filter(pk=chosen).first()
    elif schools.count() == 1:
        school = schools.first()
    members = []
    form = None
    can_change = False
    if school is not None:
        members = list(
            scoped(
                request.user, "committee", "view", CommitteeMember.objects.filter(school=school, active=True)
            ).select_related("user")
        )
        can_change = can_at(request.user, "committee", "change", school.path)
        if can_change:
            form = CommitteeMemberForm(request.POST or None)
            if request.method == "POST":
                try:
                    if "remove" in request.POST:
                        member = next((m for m in members if str(m.pk) == request.POST["remove"]), None)
                        if member is None:
                            raise Http404
                        services.committee_member_remove(actor=request.user, member=member)
                        messages.success(request, _("已移除委员。"))
                        return redirect(f"{request.path}?school={school.pk}")
                    if form.is_valid():
                        services.committee_member_add(actor=request.user, school=school, **form.cleaned_data)
                        messages.success(request, _("已添加委员。"))
                        return redirect(f"{request.path}?school={school.pk}")
                except ServiceError as exc:
                    form.apply_error(exc)
        elif request.method == "POST":
            raise Http404
    return render(
        request,
        "org/committee.html",
        {
            "schools": schools[:500],
            "school": school,
            "members": members,
            "form": form,
            "can_change": can_change,
        },
    )
