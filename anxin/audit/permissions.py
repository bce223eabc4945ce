from anxin.access.matrix import Resource, Scope, register
from anxin.access.roles import Role

register(
    Resource(
        name="audit",
        label="审计日志",
        models=("audit.AuditEvent",),
        path_field="unit_path",
        path_of=lambda event: event.unit_path,
        actions={
            "view": {
                Role.CITY_ADMIN: Scope.UNIT,
                Role.COUNTY_ADMIN: Scope.UNIT,
                Role.PRINCIPAL: Scope.SCHOOL,
                Role.VICE_PRINCIPAL: Scope.SCHOOL,
            },
        },
    )
)
