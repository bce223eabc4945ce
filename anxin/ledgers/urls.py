from django.urls import include, path

from . import views

app_name = "ledgers"

urlpatterns = [
    path("", views.index, name="index"),
    path("print/", views.print_index, name="print_index"),
    path("print/<slug:slug>/", views.print_form, name="print_form"),
    path("patrol/", include("anxin.ledgers.patrol.urls")),
    path("gate/", include("anxin.ledgers.gate.urls")),
    path("hazards/", include("anxin.ledgers.hazards.urls")),
    path("care/", include("anxin.ledgers.care.urls")),
    path("education/", include("anxin.ledgers.education.urls")),
    # The early warnings are their own app (anxin.warnings); their pages keep these addresses and names.
    path("warnings/", include("anxin.warnings.urls")),
]
