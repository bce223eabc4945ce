from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.security, name="security"),
    path("password/", views.password_change, name="password"),
    path("2fa/setup/", views.otp_setup, name="otp_setup"),
    path("2fa/verify/", views.otp_verify, name="otp_verify"),
    path("2fa/recovery/", views.recovery_codes_renew, name="recovery_renew"),
    path("2fa/remove/", views.otp_remove, name="otp_remove"),
    path("tokens/", views.tokens, name="tokens"),
    path("channels/", views.notify_channels, name="channels"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
