from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    """专项调查: the term's anonymous anti-bullying survey, answered with one-time class codes."""

    name = "anxin.surveys"
    label = "surveys"
    verbose_name = _("专项调查")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from anxin.access.matrix import install_rules
        from anxin.audit.labels import register

        from . import permissions, tasks  # noqa: F401  (matrix rows, reminder job)
        from .events import LABELS

        install_rules()
        register(LABELS)

        from anxin.warnings.models import Rule
        from anxin.warnings.rules import register_rule

        from .hotspots import survey_hotspot

        register_rule(Rule.SURVEY_HOTSPOT, survey_hotspot)
