from django.urls import path

from . import views, views_import

app_name = "org"

urlpatterns = [
    path("units/", views.unit_list, name="units"),
    path("units/<int:unit_id>/", views.unit_detail, name="unit"),
    path("units/<int:unit_id>/edit/", views.school_edit, name="school_edit"),
    path("units/<int:parent_id>/new/", views.unit_new, name="unit_new"),
    path("students/", views.student_list, name="students"),
    path("students/new/", views.student_new, name="student_new"),
    path("students/<int:student_id>/", views.student_detail, name="student"),
    path("students/<int:student_id>/edit/", views.student_edit, name="student_edit"),
    path("staff/", views.staff_list, name="staff"),
    path("staff/new/", views.staff_new, name="staff_new"),
    path("staff/<int:person_id>/", views.staff_detail, name="person"),
    path("committee/", views.committee, name="committee"),
    path("import/<str:kind>/", views_import.import_page, name="import"),
    path("import/<str:kind>/template.xlsx", views_import.import_template, name="import_template"),
]
