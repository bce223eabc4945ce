from django.urls import path

from . import views

app_name = "wellbeing"

urlpatterns = [
    path("", views.round_list, name="rounds"),
    path("new/", views.round_new, name="round_new"),
    path("answer/", views.answer, name="answer"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/classes/<int:class_id>/notice/", views.notice, name="notice"),
    path("rounds/<int:pk>/classes/<int:class_id>/codes/", views.codes_sheet, name="codes"),
    path("screenings/<int:pk>/", views.screening_detail, name="screening"),
    path("students/<int:student_id>/", views.student_history, name="student"),
    path("warnings/", views.warning_list, name="warnings"),
    path("warnings/<int:pk>/", views.warning_detail, name="warning"),
    path("warnings/<int:pk>/action/", views.warning_do, name="warning_do"),
]
