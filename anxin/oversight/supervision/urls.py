from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("", views.index, name="index"),
    path("scorecard/", views.scorecard_list, name="scorecard"),
    path("scorecard/<int:school_id>/", views.scorecard_school, name="scorecard_school"),
    path("scorecard/policy/", views.policy, name="policy"),
    path("orders/", views.order_list, name="orders"),
    path("orders/new/", views.order_new, name="order_new"),
    path("orders/<int:order_id>/", views.order_detail, name="order"),
    path("orders/<int:order_id>/evidence/", views.order_evidence, name="order_evidence"),
    path("visits/", views.visit_list, name="visits"),
    path("visits/new/", views.visit_new, name="visit_new"),
    path("visits/<int:visit_id>/", views.visit_detail, name="visit"),
    path("visits/<int:visit_id>/photos/<int:photo_id>/", views.visit_photo, name="visit_photo"),
    path("interviews/", views.interviews, name="interviews"),
    path("notices/", views.notice_list, name="notices"),
    path("notices/<int:notice_id>/", views.notice_detail, name="notice"),
    path("notices/<int:notice_id>/confirm/", views.notice_confirm, name="notice_confirm"),
    path("inspectors/", views.inspectors, name="inspectors"),
]
