from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

#: The ledger areas, each a sub-package with models, services, selectors, permissions, views, api.
AREAS = ("patrol", "gate", "hazards", "care", "education")


class LedgersConfig(AppConfig):
    """The umbrella: shared base (base.py), the 台账 home page, offline submission. Each area is its
    own Django app (anxin.ledgers.<area>, label ledger_<area>) with its own models and migrations."""

    name = "anxin.ledgers"
    label = "ledgers"
    verbose_name = _("日常防控台账")
