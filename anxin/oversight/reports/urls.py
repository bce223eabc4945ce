from django.urls import path

from . import views

app_name = "oversight_reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("generate/", views.generate, name="generate"),
    path("<int:pk>/download/", views.download, name="download"),
    path("export/cases.xlsx", views.export, name="export"),
]
