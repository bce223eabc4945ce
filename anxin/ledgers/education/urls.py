from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="education_home"),
    path("1530/", views.sessions, name="education_1530"),
    path("1530/export/", views.sessions_export, name="education_1530_export"),
    path("1530/class/<int:class_id>/", views.class_page, name="education_class"),
    path("meetings/", views.meetings, name="education_meetings"),
    path("meetings/new/", views.meeting_new, name="education_meeting_new"),
    path("activities/", views.activities, name="education_activities"),
    path("activities/new/", views.activity_new, name="education_activity_new"),
    path("activities/export/", views.activities_export, name="education_activities_export"),
    path("documents/", views.documents, name="education_documents"),
    path("documents/<str:kind>/", views.document, name="education_document"),
]
