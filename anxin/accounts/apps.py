from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "anxin.accounts"
    label = "accounts"
    verbose_name = _("账号安全")

    def ready(self) -> None:
        from anxin.access.matrix import internal

        from . import signals  # noqa: F401  (token revocation and lockout notices)

        internal("accounts.PasswordChangeRequired")
