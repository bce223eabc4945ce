from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

#: The ledger areas, each a sub-package with models, services, selectors, permissions, views, api.
AREAS = ("patrol", "gate", "hazards", "care", "education")


class LedgersConfig(AppConfig):
    """The umbrella: shared base (base.py), the kit (kit.py), the 台账 home page, offline submission.
    Each area is its own Django app (anxin.ledgers.<area>, label ledger_<area>) with its own models
    and migrations."""

    name = "anxin.ledgers"
    label = "ledgers"
    verbose_name = _("日常防控台账")


class LedgerAreaConfig(AppConfig):
    """What every ledger area does when Django starts: register its permissions (and its 工作台
    panels, if it has any) and turn the matrix into django-rules permissions.

    An area's apps.py subclasses this with its ``name``, its ``label`` (``ledger_<area>``: the label
    its migrations and tables carry) and ``default = True``, since Django picks an app's config
    among the AppConfig classes its apps.py holds and this base is one of them when imported.
    """

    default = False
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from anxin.access.matrix import install_rules

        import_module(f"{self.name}.permissions")
        try:
            import_module(f"{self.name}.panels")
        except ModuleNotFoundError as exc:
            if exc.name != f"{self.name}.panels":
                raise
        install_rules()
