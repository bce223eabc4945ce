from django.urls import path

from . import views

app_name = "ops"

urlpatterns = [
    path("calendar/", views.calendar, name="calendar"),
]
