"""The PostgreSQL grants of the application's database role (docs/deployment.md, "Two database roles").

The owner role runs ``anxin migrate`` and owns every table; the application connects as a role with
ordinary rights on the other tables but only SELECT and INSERT on the audit trail, so neither it nor
anyone who takes over the application can change, delete or truncate an audit event, or switch the
append-only trigger off (that needs the table's owner). Run the SQL as the owner after every migrate:
tables created by a migration get no grants until then.
"""

from __future__ import annotations

import re

#: Tables the application may only read and append to.
APPEND_ONLY_TABLES = ("audit_auditevent",)
#: Tables the application may only read.
READ_ONLY_TABLES = ("django_migrations",)

_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def grants_sql(role: str) -> str:
    if not _ROLE.match(role):
        raise ValueError(role)
    lines = [
        "-- As the database owner (the role that runs `anxin migrate`), after every migrate.",
        f"GRANT USAGE ON SCHEMA public TO {role};",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};",
        "-- The audit trail: read and append, nothing else (no UPDATE, DELETE, TRUNCATE).",
    ]
    for table in APPEND_ONLY_TABLES:
        lines += [f"REVOKE ALL ON {table} FROM {role};", f"GRANT SELECT, INSERT ON {table} TO {role};"]
    for table in READ_ONLY_TABLES:
        lines += [f"REVOKE ALL ON {table} FROM {role};", f"GRANT SELECT ON {table} TO {role};"]
    return "\n".join(lines) + "\n"
