"""The JSON API: one NinjaAPI with its authentication and error answers, and every app's router
mounted on it. It sits at the top, beside urls.py: it may import every app, and no app imports it
(the shared error schema lives in anxin.core.schemas)."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, django_auth

from anxin.accounts.api import router as accounts_router
from anxin.audit.api import router as audit_router
from anxin.cases.api import router as cases_router
from anxin.core.errors import ErrorCode, ServiceError
from anxin.core.services import token_user
from anxin.intake.api import router as intake_router
from anxin.intake.api_staff import router as intake_staff_router
from anxin.ledgers.api import router as ledgers_router
from anxin.org.api import router as org_router
from anxin.org.models import User
from anxin.oversight.opinion.api import router as opinion_router
from anxin.oversight.reports.api import router as reports_router
from anxin.oversight.stats.api import router as oversight_stats_router
from anxin.oversight.supervision.api import router as supervision_router
from anxin.surveys.api import router as surveys_router
from anxin.warnings.api import router as warnings_router
from anxin.wellbeing.api import router as wellbeing_router


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_user(token)
        if isinstance(user, User):
            request.user = user
        return user


def _docs_access(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """/api/docs is public outside production; in production (API_DOCS_PUBLIC off) it needs a login."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.API_DOCS_PUBLIC and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


api = NinjaAPI(
    title="安心校园 API",
    version="1",
    description="学生欺凌防治平台接口。错误统一为 {code, message, detail}。",
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
    docs_url="/docs",
    docs_decorator=_docs_access,
)


def error_response(
    request: HttpRequest, status: int, code: str, message: str, detail: Any = None
) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, "detail": detail}, status=status)


@api.exception_handler(ServiceError)
def _service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    return error_response(request, exc.status, exc.code, exc.message, exc.detail)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(request, 404, ErrorCode.NOT_FOUND, _("未找到，或您无权查看。"))


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    detail = [
        {"loc": [str(p) for p in err.get("loc", [])], "msg": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors
    ]
    return error_response(
        request, 422, ErrorCode.INVALID_INPUT, _("提交的数据格式不正确，请检查后重试。"), detail
    )


@api.exception_handler(OverflowError)
def _overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    # A last guard: inputs are bounded where they are parsed (anxin.core.params), but a number past
    # SQLite's 64-bit integers must never surface as a 500.
    return error_response(request, 422, ErrorCode.NUMBER_OUT_OF_RANGE, _("数字超出允许的范围。"))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(request, 401, ErrorCode.UNAUTHENTICATED, _("请先登录或提供有效的访问令牌。"))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    messages = {
        400: (ErrorCode.BAD_REQUEST, _("请求格式不正确。")),
        # ninja raises 403 only when a cookie-session call fails the CSRF check.
        403: (ErrorCode.CSRF_FAILED, _("无法确认请求来自本站，内容没有提交。请刷新页面后重试。")),
        405: (ErrorCode.METHOD_NOT_ALLOWED, _("不支持该请求方法。")),
        413: (ErrorCode.TOO_LARGE, _("提交的内容过大。")),
        415: (ErrorCode.UNSUPPORTED_MEDIA_TYPE, _("不支持的内容类型。")),
    }
    code, message = messages.get(exc.status_code, (ErrorCode.ERROR, str(exc)))
    return error_response(request, exc.status_code, code, message)


api.add_router("/auth", accounts_router)
api.add_router("/org", org_router)
api.add_router("/audit", audit_router)
api.add_router("/intake", intake_router)
api.add_router("/intake", intake_staff_router)
api.add_router("/ledgers", ledgers_router)
# The early warnings are their own app above the ledgers; their API keeps its address under them.
api.add_router("/ledgers/warnings", warnings_router, tags=["ledgers"])
api.add_router("/cases", cases_router)
api.add_router("/oversight", oversight_stats_router)
api.add_router("/oversight", supervision_router)
api.add_router("/oversight/opinion", opinion_router)
api.add_router("/oversight/reports", reports_router)
api.add_router("/surveys", surveys_router)
api.add_router("/wellbeing", wellbeing_router)
