"""Token endpoints: issue one (password, and the code for a 2FA account), list and revoke one's own."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from anxin.core.schemas import ErrorOut

from . import services

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str
    otp: str | None = None


class TokenOut(Schema):
    token: str
    expires_at: datetime


class TokenInfo(Schema):
    id: int
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime


@router.post(
    "/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="用用户名和密码（已开启两步验证的账号另加 otp 验证码）换取访问令牌",
    description=(
        "错误码：bad_credentials（用户名或密码错误）、otp_required（缺少验证码）、otp_invalid（验证码错误）、"
        "otp_not_enrolled（必须先在网页绑定两步验证）、password_change_required（须先在网页修改密码）、"
        "locked_out（同一账号在同一地址失败过多，暂停一段时间）。"
    ),
)
def auth_token(request: HttpRequest, payload: TokenIn) -> Any:
    issued = services.token_issue(
        request=request,
        username=payload.username[:150],
        password=payload.password[:200],
        otp=(payload.otp or "")[:32] or None,
    )
    return {"token": issued.token, "expires_at": issued.expires_at}


@router.get("/tokens", response={200: list[TokenInfo], 401: ErrorOut}, summary="我的有效令牌")
def my_tokens(request: HttpRequest) -> Any:
    return list(services.tokens_of(request.user))


@router.delete(
    "/tokens/{token_id}", response={204: None, 401: ErrorOut, 404: ErrorOut}, summary="作废我的一个令牌"
)
def revoke_token(request: HttpRequest, token_id: int) -> Any:
    services.token_revoke(actor=request.user, token_id=token_id)
    return Status(204, None)
