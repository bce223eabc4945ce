"""Importing staff accounts and their roles: every row checked first, then all written or none."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from anxin.access.matrix import allowed, can_at
from anxin.audit.services import audit_record
from anxin.core.errors import Conflict, NotFound

from .. import events
from ..errors import OrgError
from ..models import (
    ROLE_UNIT_KIND,
    Role,
    RoleAssignment,
    Unit,
    UnitKind,
    User,
)
from ..signals import password_set_by_other
from .format import (
    MAX_STAFF_ROWS,
    STAFF,
    STAFF_SHEET,
    GeneratedPassword,
    ImportResult,
    _role_labels,
    staff_columns,
)
from .reading import _check_length, _check_phone, _Errors, _filter_in, _read_rows, _require, _Row

# --- Staff -----------------------------------------------------------------------------------


@dataclass
class _Account:
    row: int
    username: str
    full_name: str
    phone: str
    password: str
    generated: bool
    roles: list[tuple[str, Unit]] = field(default_factory=list)


_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _generate_password() -> str:
    while True:
        password = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(12))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password


def _role_fits(role: str, unit: Unit) -> bool:
    return unit.kind == ROLE_UNIT_KIND[role] or (role == Role.INSPECTOR and unit.kind == UnitKind.CITY)


def _check_staff(actor: User | None, rows: list[_Row]) -> list[_Account]:
    errors = _Errors()
    roles_by_label = _role_labels()
    username_field = User._meta.get_field("username")
    usernames = {row["用户名"].lower() for row in rows if row["用户名"]}
    taken = set(
        _filter_in(
            User.objects.annotate(lower=Lower("username")).values_list("lower", flat=True),
            "lower__in",
            usernames,
        )
    )
    codes = {row["任职单位代码"] for row in rows if row["任职单位代码"]}
    units = {u.code: u for u in _filter_in(Unit.objects.filter(is_active=True), "code__in", codes)}
    accounts: dict[str, _Account] = {}

    for row in rows:
        _require(errors, row, ("用户名", "姓名", "角色", "任职单位代码"))
        username, full_name = row["用户名"], row["姓名"]
        _check_length(errors, row, "姓名", 50)
        _check_phone(errors, row, "手机号")

        if username:
            try:
                username_field.clean(username, None)
            except ValidationError:
                errors.add(
                    row.number,
                    "用户名",
                    _("用户名只能包含字母、数字和 @ . + - _，且不超过 150 个字符。"),
                )
            if username.lower() in taken:
                errors.add(
                    row.number, "用户名", _("用户名 %(name)s 已存在；导入只能新建账号。") % {"name": username}
                )

        role = roles_by_label.get(row["角色"]) or (row["角色"] if row["角色"] in Role.values else None)
        if row["角色"] and role is None:
            errors.add(
                row.number,
                "角色",
                _("无法识别的角色“%(value)s”，请从下拉列表中选择。") % {"value": row["角色"]},
            )
        unit = units.get(row["任职单位代码"])
        if row["任职单位代码"]:
            if unit is None or (actor is not None and not can_at(actor, "staff", "change", unit.path)):
                # The same words whether the unit is missing or out of reach: codes are not to be probed.
                unit = None
                errors.add(
                    row.number,
                    "任职单位代码",
                    _("单位代码 %(code)s 不存在，或不在您的管理范围内。") % {"code": row["任职单位代码"]},
                )
            elif role is not None and not _role_fits(role, unit):
                kind = UnitKind(ROLE_UNIT_KIND[role]).label
                errors.add(
                    row.number,
                    "任职单位代码",
                    _("%(role)s必须任职于%(kind)s，%(code)s 是%(actual)s。")
                    % {
                        "role": Role(role).label,
                        "kind": kind,
                        "code": unit.code,
                        "actual": unit.get_kind_display(),
                    },
                )

        password = row["初始密码"]
        if password:
            try:
                validate_password(password, user=User(username=username, full_name=full_name))
            except ValidationError as exc:
                errors.add(
                    row.number, "初始密码", _("密码不符合要求：%(why)s") % {"why": "；".join(exc.messages)}
                )

        if not username:
            continue
        account = accounts.get(username.lower())
        if account is None:
            account = _Account(
                row=row.number,
                username=username,
                full_name=full_name,
                phone=row["手机号"],
                password=password or _generate_password(),
                generated=not password,
            )
            accounts[username.lower()] = account
        else:
            # One person may hold several posts: same username on several rows, one post a row.
            same = {"other": account.row}
            if full_name != account.full_name:
                errors.add(row.number, "姓名", _("与第 %(other)d 行同一用户名的姓名不一致。") % same)
            if row["手机号"] and row["手机号"] != account.phone:
                errors.add(row.number, "手机号", _("与第 %(other)d 行同一用户名的手机号不一致。") % same)
            if password and (account.generated or password != account.password):
                errors.add(
                    row.number, "初始密码", _("同一用户名的初始密码只需在第 %(other)d 行填写一次。") % same
                )
        if role is not None and unit is not None:
            if any(r == role and u.pk == unit.pk for r, u in account.roles):
                errors.add(row.number, "角色", _("该岗位与前面的行重复。"))
            account.roles.append((role, unit))

    errors.raise_rows()
    return list(accounts.values())


def _summary_unit(units: Iterable[Unit]) -> Unit | None:
    """The lowest unit, no deeper than a school, that holds all the given units."""
    paths = [u.path.strip("/").split("/") for u in units]
    if not paths:
        return None
    common = paths[0]
    for parts in paths[1:]:
        n = 0
        while n < min(len(common), len(parts)) and common[n] == parts[n]:
            n += 1
        common = common[:n]
    common = common[:3]
    if not common:
        return None
    return Unit.objects.filter(path="/" + "/".join(common) + "/").first()


def staff_import(*, actor: User | None, fileobj: IO[bytes]) -> ImportResult:
    """Create every account in the workbook with its posts, or none if any row is wrong."""
    if actor is not None and not allowed(actor, "staff", "change"):
        raise NotFound()
    rows = _read_rows(fileobj, sheet=STAFF_SHEET, columns=staff_columns(), max_rows=MAX_STAFF_ROWS)
    accounts = _check_staff(actor, rows)
    # Hashing is slow on purpose (~0.3 s each); do it before taking the write lock.
    hashes = [make_password(a.password) for a in accounts]
    with transaction.atomic():
        try:
            users = User.objects.bulk_create(
                [
                    User(username=a.username, full_name=a.full_name, phone=a.phone, password=h)
                    for a, h in zip(accounts, hashes, strict=True)
                ],
                batch_size=500,
            )
        except IntegrityError:
            raise Conflict(
                _("导入时有其他人创建了相同用户名的账号，未导入任何数据，请重新上传。"),
                code=OrgError.IMPORT_CONFLICT,
            ) from None
        # The import page promises it: these accounts choose their own password at first login.
        password_set_by_other.send(sender=User, users=users, reason="import")
        assignments = RoleAssignment.objects.bulk_create(
            [
                RoleAssignment(user=user, role=role, unit=unit)
                for user, account in zip(users, accounts, strict=True)
                for role, unit in account.roles
            ],
            batch_size=500,
        )
        # The same per-account trail as accounts made one by one, so a person's history reads alike.
        for user, account in zip(users, accounts, strict=True):
            audit_record(
                actor=actor,
                action=events.STAFF_CREATED,
                unit=account.roles[0][1],
                subject=user,
                after={"username": user.username, "full_name": user.full_name, "source": "import"},
            )
            for role, unit in account.roles:
                audit_record(
                    actor=actor,
                    action=events.STAFF_ROLE_ASSIGNED,
                    unit=unit,
                    subject=user,
                    after={"role": role, "unit": unit.code},
                )
        audit_record(
            actor=actor,
            action=events.STAFF_IMPORTED,
            unit=_summary_unit(unit for a in accounts for _r, unit in a.roles),
            subject_type="org.user",
            subject_label=_("批量导入 %(n)d 个账号") % {"n": len(users)},
            after={
                "accounts": len(users),
                "assignments": len(assignments),
                "generated_passwords": sum(a.generated for a in accounts),
                "file": _file_name(fileobj),
                "user_ids": [u.pk for u in users],
            },
        )
    return ImportResult(
        kind=STAFF,
        created=len(users),
        assignments=len(assignments),
        generated_passwords=tuple(
            GeneratedPassword(row=a.row, username=a.username, full_name=a.full_name, password=a.password)
            for a in accounts
            if a.generated
        ),
    )


def _file_name(fileobj: Any) -> str:
    return str(getattr(fileobj, "name", "") or "")[:200]
