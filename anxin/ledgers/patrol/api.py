"""值班巡逻 API under /api/ledgers/patrol: check-ins by QR token, dormitory rounds, points.

Thin like the pages: the same selectors and services; errors in the shared {code, message, detail}.
"""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status as Reply

from anxin.core.errors import Invalid
from anxin.core.params import MAX_ID, PageNumberPagination
from anxin.core.schemas import ErrorOut
from anxin.ledgers.errors import LedgerError
from anxin.ledgers.kit import DateParam, read_period, school_for_write
from anxin.org.models import User
from anxin.org.requests import AuthenticatedRequest

from . import selectors, services
from .models import DormRound, PatrolCheckin

router = Router(tags=["ledgers-patrol"])

ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class Period(Schema):
    start: DateParam = None
    end: DateParam = None
    point: int | None = None
    recorder: int | None = None


def _period(q: Period) -> dict[str, Any]:
    period = read_period(q.dict(), keys=("start", "end"))
    for name in ("point", "recorder"):
        value = getattr(q, name)
        if value is not None and not 0 < value <= MAX_ID:
            raise Invalid(
                _("筛选条件不正确。"), code=LedgerError.BAD_FILTER, detail={name: [_("数值不正确")]}
            )
    filters = {"point": q.point, "recorder": q.recorder, **period.as_filter()}
    return {k: v for k, v in filters.items() if v is not None}


class PointOut(Schema):
    id: int
    school_id: int
    name: str
    place_type: str
    building: str
    floor: str
    active: bool
    is_dorm: bool
    #: Blank / null: the school's setting (see ``PatrolSettings``).
    frequency: str
    rounds: int | None
    responsible_id: int | None


class CheckinOut(Schema):
    id: int
    school_id: int
    point_id: int
    point_name: str
    recorded_by_id: int
    recorded_at: datetime
    finding: str
    needs_report: bool
    report_id: int | None
    created: bool = False

    @staticmethod
    def resolve_point_name(obj: PatrolCheckin) -> str:
        return str(obj.point)


class CheckinIn(Schema):
    token: str
    client_key: str | None = None
    finding: str | None = None
    needs_report: bool = False


class DormOut(Schema):
    id: int
    school_id: int
    building: str
    floor: str
    patrolled_at: datetime
    expected: int
    present: int
    absent_beds: str
    anomalies: str
    has_issue: bool
    recorded_by_id: int
    recorded_at: datetime
    created: bool = False


class DormIn(Schema):
    school_id: int | None = None
    client_key: str | None = None
    building: str
    floor: str = ""
    patrolled_at: datetime | None = None
    expected: int
    present: int
    absent_beds: str = ""
    anomalies: str = ""


@router.get("/points", response=list[PointOut])
def points(request: HttpRequest) -> Any:
    return list(selectors.points_visible(request.user))


class PointDutyIn(Schema):
    frequency: str = Field("", max_length=10, description="day / night / week; blank: the school's setting")
    rounds: int | None = Field(None, description="rounds per period, 1–12; null: the school's setting")
    responsible: int | None = Field(None, description="a staff member's user id; null: the duty staff")


@router.put(
    "/points/{int:point_id}/duty", response={200: PointOut, **ERRORS}, summary="设置巡查点频次和责任人"
)
def point_duty(request: AuthenticatedRequest, point_id: int, payload: PointDutyIn) -> Any:
    point = selectors.point_get(request.user, point_id, action="manage")
    responsible: Any = None
    if payload.responsible is not None:
        # Anything that is not a person of this school is refused by the service (bad_person).
        found = (
            User.objects.filter(pk=payload.responsible).first() if 0 < payload.responsible <= MAX_ID else None
        )
        responsible = found or payload.responsible
    return services.patrol_point_set_duty(
        actor=request.user,
        point=point,
        frequency=payload.frequency,
        rounds=payload.rounds,
        responsible=responsible,
    )


@router.get("/checkins", response=list[CheckinOut])
@paginate(PageNumberPagination, page_size=50)
def checkins(request: HttpRequest, q: Query[Period]) -> Any:
    return selectors.checkins_visible(request.user, **_period(q))


@router.post("/checkins", response={200: CheckinOut, 201: CheckinOut, **ERRORS})
def checkin_create(request: AuthenticatedRequest, payload: CheckinIn) -> Any:
    recorded = services.patrol_checkin_record(
        actor=request.user,
        token=payload.token,
        client_key=payload.client_key,
        finding=payload.finding or "",
        needs_report=payload.needs_report,
    )
    entry: PatrolCheckin = recorded.entry
    entry.created = recorded.created  # type: ignore[attr-defined]
    return Reply(201 if recorded.created else 200, entry)


@router.get("/dorm-rounds", response=list[DormOut])
@paginate(PageNumberPagination, page_size=50)
def dorm_rounds(request: HttpRequest, q: Query[Period]) -> Any:
    filters = _period(q)
    filters.pop("point", None)
    return selectors.dorm_rounds_visible(request.user, **filters)


@router.post("/dorm-rounds", response={200: DormOut, 201: DormOut, **ERRORS})
def dorm_round_create(request: AuthenticatedRequest, payload: DormIn) -> Any:
    school = school_for_write(request.user, "ledger_patrol_dorm", payload.school_id, field="school_id")
    data = payload.dict(exclude={"school_id"})
    recorded = services.dorm_round_record(actor=request.user, school=school, **data)
    entry: DormRound = recorded.entry
    entry.created = recorded.created  # type: ignore[attr-defined]
    return Reply(201 if recorded.created else 200, entry)


__all__ = ["router"]
