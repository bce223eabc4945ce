from django.urls import path

from . import views

urlpatterns = [
    path("", views.talk_list, name="care_list"),
    path("talks/new/", views.talk_new, name="care_talk_new"),
    path("talks/export/", views.talk_export, name="care_talk_export"),
    path("talks/<int:pk>/", views.talk_detail, name="care_talk"),
    path("talks/<int:pk>/followed-up/", views.talk_done, name="care_talk_done"),
    path("plans/", views.plan_list, name="care_plans"),
    path("plans/new/", views.plan_new, name="care_plan_new"),
    path("plans/export/", views.plan_export, name="care_plan_export"),
    path("plans/<int:pk>/", views.plan_detail, name="care_plan"),
    path("watch/", views.watch_list, name="care_watch"),
    path("watch/new/", views.watch_new, name="care_watch_new"),
    path("watch/export/", views.watch_export, name="care_watch_export"),
]
