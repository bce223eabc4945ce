from django.urls import path

from . import views

urlpatterns = [
    path("", views.warning_list, name="warnings"),
    path("risk/", views.risk, name="warnings_risk"),
    path("<int:pk>/", views.warning_detail, name="warning"),
    path("<int:pk>/action/", views.warning_do, name="warning_do"),
]
