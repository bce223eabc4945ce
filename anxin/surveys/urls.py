"""Mounted at the site's root by one line of anxin/urls.py: staff pages under /surveys/, the public
answering pages under /s/ (short, for a code typed by a child)."""

from django.urls import include, path

urlpatterns = [
    path("surveys/", include(("anxin.surveys.urls_staff", "surveys"))),
    path("s/", include("anxin.surveys.urls_public")),
]
