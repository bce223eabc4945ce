"""``anxin check --deploy --database default``: warn when the application's database role could
change the audit trail (docs/deployment.md, "Two database roles")."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Tags, Warning, register
from django.db import connections
from django.utils.translation import gettext as _


@register(Tags.database, deploy=True)
def audit_role_is_append_only(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT to_regclass('audit_auditevent') IS NOT NULL AND ("
                "has_table_privilege('audit_auditevent', 'UPDATE') OR "
                "has_table_privilege('audit_auditevent', 'DELETE') OR "
                "has_table_privilege('audit_auditevent', 'TRUNCATE'))"
            )
            if cursor.fetchone()[0]:
                messages.append(
                    Warning(
                        _(
                            "应用所用的数据库角色可以修改、删除或清空审计日志表（它是表的所有者、超级用户，或被授予了这些权限）。"
                        ),
                        hint=_(
                            "生产环境请用只能读取和追加审计日志的应用角色连接数据库：见 docs/deployment.md 与 anxin audit grants。"
                        ),
                        id="anxin.audit.W001",
                    )
                )
    return messages
