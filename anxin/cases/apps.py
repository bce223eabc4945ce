from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "anxin.cases"
    label = "cases"
    verbose_name = _("案件处置")

    def ready(self) -> None:
        from anxin.access.matrix import install_rules

        from . import panels, permissions, tasks  # noqa: F401  (register the case resource, panels and the deadline sweep)

        install_rules()

        from anxin.audit.labels import register

        from .events import step_taken
        from .workflow import TABLE

        # Every step is written to the audit trail as case.<step> (services.acting.case_act).
        register({step_taken(step.name): step.label for step in TABLE})

        from anxin.intake.case_link import register as link_cases

        from .reporter_link import ReporterLink

        # The public 爱心信箱 shows a reporter where the case stands (intake cannot import cases).
        link_cases(ReporterLink())
