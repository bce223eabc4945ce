from django.apps import AppConfig


class WarningsConfig(AppConfig):
    """预警: rules over the other ledgers that tell the right person early, with the reasons."""

    name = "anxin.ledgers.warnings"
    label = "ledger_warnings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from importlib import import_module

        from anxin.access.matrix import install_rules

        import_module(f"{self.name}.permissions")
        import_module(f"{self.name}.panels")
        import_module(f"{self.name}.tasks")
        install_rules()
