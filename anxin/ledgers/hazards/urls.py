from django.urls import path

from . import views

urlpatterns = [
    path("", views.hazard_list, name="hazards_list"),
    path("new/", views.hazard_report, name="hazards_report"),
    path("<int:hazard_id>/", views.hazard_detail, name="hazards_detail"),
    path("<int:hazard_id>/photo/", views.hazard_photo, name="hazards_photo"),
    path("screenings/", views.screening_list, name="hazards_screenings"),
    path("screenings/new/", views.screening_new, name="hazards_screening_new"),
    path("places/", views.place_list, name="hazards_places"),
    path("cameras/", views.camera_list, name="hazards_cameras"),
    path("reviews/", views.review_list, name="hazards_reviews"),
    path("reviews/new/", views.review_new, name="hazards_review_new"),
    path("export.xlsx", views.export, name="hazards_export"),
]
