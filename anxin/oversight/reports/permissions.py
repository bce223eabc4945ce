"""Reports upward in the permission matrix: the county's and the city's bureau keep their own
reports; inspectors read their county's. Schools have none. The case-list exports follow the case
resource's ``bureau`` right (anxin.cases.permissions)."""

from __future__ import annotations

from anxin.access.matrix import Resource, Scope, register
from anxin.org.models import Role

U = Scope.UNIT
R = Role

register(
    Resource(
        name="oversight_report",
        label="统计报表",
        models=("oversight_reports.ReportArchive",),
        path_field="unit_path",
        path_of=lambda r: r.unit_path,
        actions={
            "view": {R.CITY_ADMIN: U, R.COUNTY_ADMIN: U, R.INSPECTOR: U},
            "generate": {R.CITY_ADMIN: U, R.COUNTY_ADMIN: U},
        },
        action_labels={"generate": "生成"},
        note="报表只含统计数字（小数字不隐去，属官方统计），不含任何学生姓名。下载与导出均记入审计日志。",
    )
)
