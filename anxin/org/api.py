"""Organisation endpoints: units, people and students, each within the caller's scope."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from anxin.core.errors import Invalid
from anxin.core.params import MAX_ID, PageNumberPagination

from . import selectors
from .errors import OrgError
from .models import UnitKind

router = Router(tags=["org"])

#: The longest text a picker sends (a name or a 学号 is far shorter).
SUGGEST_MAX = 30


class UnitOut(Schema):
    id: int
    kind: str
    code: str
    name: str
    parent_id: int | None
    path: str
    number: int | None = None


class SchoolProfileOut(Schema):
    stage: str
    boarding: bool
    address: str
    contact_person: str
    hotline: str
    email: str


class UnitDetailOut(UnitOut):
    profile: SchoolProfileOut | None = None


class AssignmentOut(Schema):
    role: str
    role_label: str
    unit_id: int
    unit_name: str


class PersonOut(Schema):
    id: int
    username: str
    full_name: str
    roles: list[AssignmentOut]


class StudentOut(Schema):
    id: int
    name: str
    gender: str
    student_no: str
    boarder: bool
    class_id: int = Field(..., alias="klass_id")
    class_name: str
    school_id: int


class KeyGroupOut(Schema):
    group: str
    reason: str


class GuardianOut(Schema):
    name: str
    relation: str
    phone: str


class StudentDetailOut(StudentOut):
    key_groups: list[KeyGroupOut] | None = None
    guardians: list[GuardianOut] | None = None


class UnitFilter(Schema):
    kind: UnitKind | None = None
    parent: int | None = Field(None, ge=1, le=MAX_ID)


def _person(user: Any) -> dict[str, Any]:
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.full_name,
        "roles": [
            {
                "role": a.role,
                "role_label": a.get_role_display(),
                "unit_id": a.unit_id,
                "unit_name": a.unit.name,
            }
            for a in user.assignments.all()
        ],
    }


def _student(s: Any) -> dict[str, Any]:
    return {
        "id": s.pk,
        "name": s.name,
        "gender": s.gender,
        "student_no": s.student_no,
        "boarder": s.boarder,
        "klass_id": s.klass_id,
        "class_name": s.klass.display_name,
        "school_id": s.school_id,
    }


@router.get("/units", response=list[UnitOut], summary="可见的单位")
@paginate(PageNumberPagination, page_size=100)
def list_units(request: HttpRequest, filters: Query[UnitFilter]) -> Any:
    return selectors.units_visible(request.user, kind=filters.kind, parent_id=filters.parent)


@router.get("/units/{unit_id}", response=UnitDetailOut, summary="单位详情")
def get_unit(request: HttpRequest, unit_id: int) -> Any:
    unit = selectors.unit_get(request.user, unit_id)
    profile = getattr(unit, "profile", None) if unit.kind == UnitKind.SCHOOL else None
    data = UnitOut.from_orm(unit).dict()
    data["profile"] = SchoolProfileOut.from_orm(profile).dict() if profile else None
    return data


@router.get("/people", response=list[PersonOut], summary="可见的教职工")
@paginate(PageNumberPagination, page_size=100)
def list_people(request: HttpRequest, q: str = "") -> Any:
    return [_person(u) for u in selectors.staff_visible(request.user, search=q[:50])]


@router.get("/people/{person_id}", response=PersonOut, summary="教职工详情")
def get_person(request: HttpRequest, person_id: int) -> Any:
    return _person(selectors.staff_get(request.user, person_id))


@router.get("/students", response=list[StudentOut], summary="可见的学生")
@paginate(PageNumberPagination, page_size=100)
def list_students(request: HttpRequest, klass: int | None = Query(None, ge=1, le=MAX_ID), q: str = "") -> Any:
    klass_unit = selectors.unit_get(request.user, klass) if klass else None
    return [_student(s) for s in selectors.students_visible(request.user, klass=klass_unit, search=q[:50])]


class SuggestionOut(Schema):
    id: int
    label: str


@router.get(
    "/students/suggest",
    response=list[SuggestionOut],
    summary="按姓名或学号查找可选的学生（表单输入提示）",
    url_name="org_student_suggest",
)
def suggest_students(
    request: HttpRequest,
    purpose: str = Query(..., alias="for", max_length=40),
    q: str = Query("", max_length=SUGGEST_MAX),
) -> Any:
    """The students a form of ``for`` (ledger_talk, talk_named, ledger_care_plan, ledger_watch,
    case_party) would accept whose name or 学号 matches ``q``: at most 12, best first."""
    if purpose not in selectors.SUGGESTIBLE:
        raise Invalid(
            _("不支持的用途。"), code=OrgError.UNKNOWN_PURPOSE, detail={"for": [_("不支持的用途。")]}
        )
    found = selectors.student_suggestions(request.user, for_=purpose, q=q)
    return [{"id": s.pk, "label": selectors.student_label(s)} for s in found]


@router.get("/students/{student_id}", response=StudentDetailOut, summary="学生详情（查看记入审计）")
def get_student(request: HttpRequest, student_id: int) -> Any:
    profile = selectors.student_profile(request.user, student_id)
    data = _student(profile["student"])
    if profile["care_visible"]:
        data["key_groups"] = [{"group": f.group, "reason": f.reason} for f in profile["key_groups"]]
        data["guardians"] = [
            {"name": g.name, "relation": g.relation, "phone": g.phone} for g in profile["guardians"]
        ]
    return data
