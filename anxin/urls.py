from django.urls import include, path

from anxin.api import api
from anxin.core import views as core_views
from anxin.intake.urls import public_urlpatterns as box_urls

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("api/", api.urls),
    path("", include("anxin.core.urls")),
    path("", include("anxin.ops.urls")),
    path("account/", include("anxin.accounts.urls")),
    path("org/", include("anxin.org.urls")),
    path("audit/", include("anxin.audit.urls")),
    path("intake/", include("anxin.intake.urls")),
    path("ledgers/", include("anxin.ledgers.urls")),
    path("cases/", include("anxin.cases.urls")),
    path("oversight/opinion/", include("anxin.oversight.opinion.urls")),
    path("oversight/reports/", include("anxin.oversight.reports.urls")),
    path("oversight/supervision/", include("anxin.oversight.supervision.urls")),
    path("oversight/", include("anxin.oversight.stats.urls")),
    path("wellbeing/", include("anxin.wellbeing.urls")),
    path("box/", include((box_urls, "box"))),
    path("", include("anxin.surveys.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]

handler404 = "anxin.core.views.not_found"
handler500 = "anxin.core.views.server_error"
handler403 = "anxin.core.views.forbidden"
handler400 = "anxin.core.views.bad_request"
