from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from anxin.core.models import ApiToken, Notification
from anxin.org import services as org_services
from anxin.org.models import CommitteeRole, Role, RoleAssignment
from anxin.testing import PASSWORD, Cast, totp_code

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Qiuyu-lake-4827"


def _login(client: Client, username: str, password: str = PASSWORD, ip: str = "127.0.0.1") -> Any:
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def _token(
    client: Client, username: str, password: str = PASSWORD, otp: str | None = None, ip: str = "127.0.0.1"
):
    body: dict[str, Any] = {"username": username, "password": password}
    if otp is not None:
        body["otp"] = otp
    return client.post("/api/auth/token", json.dumps(body), content_type="application/json", REMOTE_ADDR=ip)


def _issue(user: Any) -> str:
    """A working token for the user, issued through the endpoint."""
    otp = totp_code(user) if TOTPDevice.objects.filter(user=user, confirmed=True).exists() else None
    response = _token(Client(), user.username, otp=otp)
    assert response.status_code == 200, response.content.decode()
    return response.json()["token"]


def _works(token: str) -> bool:
    return Client().get("/api/org/students", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def _forget_backoff(user: Any) -> None:
    """django-otp makes a device wait 1 s (doubling) after a wrong code; a test does not sleep."""
    from django_otp.plugins.otp_static.models import StaticDevice

    for model in (TOTPDevice, StaticDevice):
        model.objects.filter(user=user).update(throttling_failure_count=0, throttling_failure_timestamp=None)


# --- password change ------------------------------------------------------------------------------


def test_password_change_works_and_revokes_tokens(client: Client, cast: Cast, login) -> None:
    teacher = cast.users["class_teacher"]
    token = _issue(teacher)
    assert _works(token)
    login(teacher)
    response = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # still signed in on this browser
    teacher.refresh_from_db()
    assert teacher.check_password(NEW_PASSWORD)
    assert not _works(token)
    assert _login(Client(), teacher.username, NEW_PASSWORD).status_code == 302


def test_wrong_current_password_is_refused(client: Client, cast: Cast, login) -> None:
    login(cast.users["class_teacher"])
    response = client.post(
        "/account/password/",
        {"old_password": "not-mine-123", "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 422
    assert "当前密码不正确" in response.content.decode()


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("t_class_teacher1", "太相似"),  # the username, by Django's similarity check
        ("xq班主任甲2026", "不能包含您的用户名、姓名或手机号"),  # the full name
        ("password123", "太常见"),
        ("83920174", "只包含数字"),
        ("Ab3$x", "密码太短，至少需要 8 个字符"),
    ],
)
def test_weak_or_similar_password_is_refused_in_chinese(
    client: Client, cast: Cast, login, new: str, message: str
) -> None:
    login(cast.users["class_teacher"])
    response = client.post(
        "/account/password/", {"old_password": PASSWORD, "new_password": new, "new_password2": new}
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "密码不符合要求" in body and message in body, body[body.find("password-error") :][:300]
    cast.users["class_teacher"].refresh_from_db()
    assert cast.users["class_teacher"].check_password(PASSWORD)


# --- forced change at first login -----------------------------------------------------------------


def test_account_an_administrator_created_must_change_password_first(client: Client, cast: Cast) -> None:
    org_services.staff_create(
        actor=cast.users["principal"],
        username="new_teacher",
        full_name="新老师",
        password="Chosen-by-admin-77",
        unit=cast.school,
        role=Role.DUTY_STAFF,
    )
    assert _login(client, "new_teacher", "Chosen-by-admin-77").status_code == 302
    response = client.get("/org/students/")
    assert response.status_code == 302 and response.url.startswith("/account/password/")
    page = client.get(response.url)
    assert "请先换成只有您自己知道的新密码" in page.content.decode()
    # The API (with this session) refuses too, with a clear code.
    api = client.get("/api/org/students")
    assert api.status_code == 403 and api.json()["code"] == "password_change_required"
    # No token until the password is the person's own.
    refused = _token(Client(), "new_teacher", "Chosen-by-admin-77")
    assert refused.status_code == 403 and refused.json()["code"] == "password_change_required"
    client.post(
        "/account/password/",
        {"old_password": "Chosen-by-admin-77", "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert client.get("/").status_code == 200
    assert _token(Client(), "new_teacher", NEW_PASSWORD).status_code == 200


def test_imported_accounts_must_change_password_at_first_login(client: Client, cast: Cast) -> None:
    import io

    from openpyxl import Workbook

    from anxin.org.imports import staff_import

    book = Workbook()
    sheet = book.active
    sheet.title = "教职工名单"
    sheet.append(["用户名", "姓名", "手机号", "角色", "任职单位代码", "初始密码"])
    sheet.append(["imported1", "导入甲", "", "门卫", cast.school.code, "Given-in-file-55"])
    buffer = io.BytesIO()
    book.save(buffer)
    staff_import(actor=cast.users["principal"], fileobj=io.BytesIO(buffer.getvalue()))
    assert _login(client, "imported1", "Given-in-file-55").status_code == 302
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/account/password/")


# --- two-factor -----------------------------------------------------------------------------------


def test_principal_without_2fa_is_sent_to_enrolment(client: Client, cast: Cast) -> None:
    principal = cast.users["principal"]
    TOTPDevice.objects.filter(user=principal).delete()
    assert _login(client, principal.username).status_code == 302
    response = client.get("/org/students/")
    assert response.status_code == 302 and response.url.startswith("/account/2fa/setup/")
    page = client.get(response.url)
    body = page.content.decode()
    assert "<svg" in body and 'data-testid="otp-secret"' in body
    # Confirm with the code an app fed with that key shows.
    device = TOTPDevice.objects.get(user=principal, confirmed=False)
    from django_otp.oath import TOTP

    code = f"{TOTP(device.bin_key).token():06d}"
    assert (
        client.post("/account/2fa/setup/", {"code": "000000" if code != "000000" else "111111"}).status_code
        == 422
    )
    _forget_backoff(principal)
    done = client.post("/account/2fa/setup/", {"code": code})
    assert done.status_code == 200 and "恢复码" in done.content.decode()
    assert client.get("/org/students/").status_code == 200


def test_teacher_is_not_asked_for_2fa(client: Client, cast: Cast) -> None:
    _login(client, "t_class_teacher")
    assert client.get("/org/students/").status_code == 200


def test_committee_member_must_use_2fa(client: Client, cast: Cast) -> None:
    teacher = cast.users["class_teacher"]
    org_services.committee_member_add(
        actor=cast.users["principal"],
        school=cast.school,
        name=teacher.full_name,
        committee_role=CommitteeRole.TEACHER,
        user=teacher,
    )
    _login(client, teacher.username)
    response = client.get("/org/students/")
    assert response.status_code == 302 and response.url.startswith("/account/2fa/setup/")


def test_login_with_wrong_then_right_totp(client: Client, cast: Cast) -> None:
    principal = cast.users["principal"]
    _login(client, principal.username)
    response = client.get("/")
    assert response.url.startswith("/account/2fa/verify/")
    wrong = client.post(
        "/account/2fa/verify/", {"code": "123456" if totp_code(principal) != "123456" else "654321"}
    )
    assert wrong.status_code == 422 and "验证码不正确" in wrong.content.decode()
    assert client.get("/").status_code == 302
    right = client.post("/account/2fa/verify/?next=/org/students/", {"code": totp_code(principal)})
    assert right.status_code == 302 and right.url == "/org/students/"
    assert client.get("/org/students/").status_code == 200


def test_recovery_code_works_once(client: Client, cast: Cast) -> None:
    from anxin.accounts.services import recovery_codes_renew

    principal = cast.users["principal"]
    codes = recovery_codes_renew(user=principal)
    assert len(codes) == 10
    _login(client, principal.username)
    assert client.post("/account/2fa/verify/", {"code": codes[0]}).status_code == 302
    assert client.get("/").status_code == 200
    client.post("/logout/")
    other = Client()
    _login(other, principal.username)
    again = other.post("/account/2fa/verify/", {"code": codes[0]})
    assert again.status_code == 422
    assert other.get("/").status_code == 302
    _forget_backoff(principal)
    assert other.post("/account/2fa/verify/", {"code": codes[1]}).status_code == 302


def test_token_endpoint_requires_otp_for_a_2fa_user(cast: Cast) -> None:
    principal = cast.users["principal"]
    missing = _token(Client(), principal.username)
    assert missing.status_code == 401 and missing.json()["code"] == "otp_required"
    assert "验证码" in missing.json()["message"]
    wrong = _token(
        Client(), principal.username, otp="000000" if totp_code(principal) != "000000" else "111111"
    )
    assert wrong.status_code == 401 and wrong.json()["code"] == "otp_invalid"
    ok = _token(Client(), principal.username, otp=totp_code(principal))
    assert ok.status_code == 200 and _works(ok.json()["token"])


def test_token_for_a_principal_who_never_enrolled_is_refused(cast: Cast) -> None:
    TOTPDevice.objects.filter(user=cast.users["principal"]).delete()
    response = _token(Client(), "t_principal")
    assert response.status_code == 403 and response.json()["code"] == "otp_not_enrolled"


# --- token revocation -----------------------------------------------------------------------------


def test_tokens_revoked_on_logout(client: Client, cast: Cast) -> None:
    token = _issue(cast.users["class_teacher"])
    _login(client, "t_class_teacher")
    client.post("/logout/")
    assert not _works(token)


def test_tokens_revoked_on_deactivation(cast: Cast) -> None:
    teacher = cast.users["class_teacher"]
    token = _issue(teacher)
    teacher.is_active = False
    teacher.save()
    teacher.is_active = True  # reactivating does not bring the old token back
    teacher.save()
    assert not _works(token)


def test_tokens_revoked_when_the_last_role_is_removed(cast: Cast) -> None:
    teacher = cast.users["class_teacher"]
    org_services.role_assign(actor=None, user=teacher, role=Role.DUTY_STAFF, unit=cast.school)
    token = _issue(teacher)
    first, second = RoleAssignment.objects.filter(user=teacher)
    org_services.role_revoke(actor=cast.users["principal"], assignment=first)
    assert _works(token)  # still holds a role
    org_services.role_revoke(actor=cast.users["principal"], assignment=second)
    assert ApiToken.objects.get(prefix=token[3:9]).revoked is True


def test_token_page_lists_and_revokes_own_tokens(client: Client, cast: Cast, login) -> None:
    teacher = cast.users["class_teacher"]
    token = _issue(teacher)
    login(teacher)
    page = client.get("/account/tokens/")
    assert page.status_code == 200 and token[3:9] in page.content.decode()
    row = ApiToken.objects.get(prefix=token[3:9])
    assert client.post(f"/account/tokens/{row.pk}/revoke/").status_code == 302
    assert not _works(token)
    assert 'data-testid="token-empty"' in client.get("/account/tokens/").content.decode()


def test_outsider_revoking_someone_elses_token_gets_404(client: Client, cast: Cast, login) -> None:
    token = _issue(cast.users["class_teacher"])
    row = ApiToken.objects.get(prefix=token[3:9])
    login(cast.outsider)
    assert client.post(f"/account/tokens/{row.pk}/revoke/").status_code == 404
    assert token[3:9] not in client.get("/account/tokens/").content.decode()
    assert _works(token)
    # The API alike.
    assert client.delete(f"/api/auth/tokens/{row.pk}").status_code == 404
    assert client.delete("/api/auth/tokens/99999999999999999999999").status_code in (404, 422)
    assert _works(token)


def test_api_lists_and_revokes_own_token(cast: Cast) -> None:
    token = _issue(cast.users["class_teacher"])
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    listed = api.get("/api/auth/tokens")
    assert listed.status_code == 200 and [t["prefix"] for t in listed.json()] == [token[3:9]]
    assert api.delete(f"/api/auth/tokens/{listed.json()[0]['id']}").status_code == 204
    assert not _works(token)


# --- lockout per (account, address) ---------------------------------------------------------------


def test_attacker_cannot_lock_the_principal_out_from_another_address(cast: Cast) -> None:
    principal = cast.users["principal"]
    attacker = Client()
    for _ in range(4):
        assert _login(attacker, principal.username, "guess-guess-1", ip="203.0.113.9").status_code == 200
    assert _login(attacker, principal.username, "guess-guess-1", ip="203.0.113.9").status_code == 429
    # The attacker's address is now locked, even with the right password...
    locked = _login(attacker, principal.username, PASSWORD, ip="203.0.113.9")
    assert locked.status_code == 429 and "锁定" in locked.content.decode()
    assert _token(Client(), principal.username, otp=totp_code(principal), ip="203.0.113.9").status_code == 429
    # ...and each further failure there makes the wait longer.
    waits = [_minutes(locked)]
    for _ in range(2):
        waits.append(_minutes(_login(attacker, principal.username, "guess-guess-2", ip="203.0.113.9")))
    assert waits[0] >= 15 and waits[0] < waits[1] < waits[2], waits
    # The principal at school signs in as usual, by page and by API.
    school = Client()
    assert _login(school, principal.username, PASSWORD, ip="198.51.100.20").status_code == 302
    assert (
        _token(Client(), principal.username, otp=totp_code(principal), ip="198.51.100.20").status_code == 200
    )


def _minutes(response: Any) -> int:
    assert response.status_code == 429
    return int(re.search(r"(\d+) 分钟", response.content.decode()).group(1))


def test_delay_grows_with_each_failure_past_the_limit() -> None:
    from datetime import timedelta

    from anxin.accounts.lockout import delay_for

    assert delay_for(5) == timedelta(minutes=15)
    assert delay_for(6) == timedelta(minutes=30)
    assert delay_for(8) == timedelta(minutes=120)
    assert delay_for(50) == timedelta(hours=24)


def test_wrong_codes_count_towards_the_lockout(client: Client, cast: Cast) -> None:
    principal = cast.users["principal"]
    _login(client, principal.username, ip="203.0.113.9")
    wrong = "000000" if totp_code(principal) != "000000" else "111111"
    for _ in range(5):
        client.post("/account/2fa/verify/", {"code": wrong}, REMOTE_ADDR="203.0.113.9")
    locked = client.post("/account/2fa/verify/", {"code": totp_code(principal)}, REMOTE_ADDR="203.0.113.9")
    assert locked.status_code == 429


def test_owner_is_notified_once_per_lockout(cast: Cast) -> None:
    principal = cast.users["principal"]
    attacker = Client()
    for _ in range(8):
        _login(attacker, principal.username, "guess-guess-1", ip="203.0.113.9")
    notices = Notification.objects.filter(user=principal)
    assert notices.count() == 1
    notice = notices.get()
    assert "登录失败" in notice.title and "203.0.113.9" in notice.body and notice.urgent
    # Nobody else hears about it, and a made-up username notifies no one.
    for _ in range(5):
        _login(attacker, "no_such_user", "guess-guess-1", ip="203.0.113.9")
    assert Notification.objects.count() == 1


def test_password_alone_opens_no_account_page_of_a_2fa_user(client: Client, cast: Cast) -> None:
    # Someone who has only the principal's password cannot list tokens, change the password or
    # turn the second factor off.
    _login(client, "t_principal")
    for path in ("/account/", "/account/tokens/", "/account/password/"):
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith("/account/2fa/verify/"), path
    for path in ("/account/2fa/remove/", "/account/2fa/recovery/"):
        assert client.post(path).url.startswith("/account/2fa/verify/"), path
    # Nor through the API, whose token-issuing path is open but whose token list is not.
    listed = client.get("/api/auth/tokens")
    assert listed.status_code == 403 and listed.json()["code"] == "otp_required"
    assert client.delete("/api/auth/tokens/1").status_code == 403
    assert TOTPDevice.objects.filter(user=cast.users["principal"], confirmed=True).exists()


def test_signing_in_again_with_the_password_does_not_forget_wrong_codes(client: Client, cast: Cast) -> None:
    principal = cast.users["principal"]
    wrong = "000000" if totp_code(principal) != "000000" else "111111"
    _login(client, principal.username, ip="203.0.113.9")
    for _ in range(4):
        assert (
            client.post("/account/2fa/verify/", {"code": wrong}, REMOTE_ADDR="203.0.113.9").status_code == 422
        )
    # The password is right again: that alone must not wipe the four wrong codes.
    _login(client, principal.username, ip="203.0.113.9")
    locked = client.post("/account/2fa/verify/", {"code": wrong}, REMOTE_ADDR="203.0.113.9")
    assert locked.status_code == 429
    assert Notification.objects.filter(user=principal, urgent=True).count() == 1


def test_a_completed_sign_in_forgets_earlier_failures(client: Client, cast: Cast) -> None:
    teacher = cast.users["class_teacher"]
    for _ in range(4):
        _login(client, teacher.username, "guess-guess-1", ip="203.0.113.9")
    _login(client, teacher.username, ip="203.0.113.9")  # no second factor: the password completes it
    client.logout()
    for _ in range(4):
        _login(client, teacher.username, "guess-guess-1", ip="203.0.113.9")
    assert _login(client, teacher.username, ip="203.0.113.9").status_code == 302


def test_the_account_gate_asks_the_database_once_per_request(
    cast: Cast, login, django_assert_num_queries
) -> None:
    from django.test import RequestFactory

    from anxin.accounts.middleware import pending_step

    request = RequestFactory().get("/")
    request.user = cast.users["class_teacher"]
    request.user.is_verified = lambda: False  # a teacher without a second factor is never "verified"
    with django_assert_num_queries(1):
        assert pending_step(request) is None
