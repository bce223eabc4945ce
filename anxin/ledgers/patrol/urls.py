"""值班巡逻 pages, under /ledgers/patrol/ in the "ledgers" namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="patrol_home"),
    path("checkins/", views.checkin_list, name="patrol_list"),
    path("checkins/export/", views.checkin_export, name="patrol_checkin_export"),
    path("scan/<str:token>/", views.scan, name="patrol_scan"),
    path("points/", views.points, name="patrol_points"),
    path("points/<int:pk>/edit/", views.point_edit, name="patrol_point_edit"),
    path("points/<int:pk>/toggle/", views.point_toggle, name="patrol_point_toggle"),
    path("points/print/", views.points_print, name="patrol_points_print"),
    path("settings/", views.settings_edit, name="patrol_settings"),
    path("dorm/", views.dorm_list, name="patrol_dorm_list"),
    path("dorm/new/", views.dorm_new, name="patrol_dorm_new"),
    path("dorm/export/", views.dorm_export, name="patrol_dorm_export"),
    path("handovers/", views.handover_list, name="patrol_handovers"),
    path("handovers/new/", views.handover_new, name="patrol_handover_new"),
    path("handovers/<int:pk>/confirm/", views.handover_confirm, name="patrol_handover_confirm"),
    path("rota/", views.rota, name="patrol_rota"),
    path("rota/<int:pk>/delete/", views.rota_delete, name="patrol_rota_delete"),
]
