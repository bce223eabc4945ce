from django.urls import path

from . import views_poster, views_public, views_staff

app_name = "intake"

# Staff pages, under /intake/.
urlpatterns = [
    path("", views_staff.queue, name="queue"),
    path("new/", views_staff.record, name="record"),
    path("quick/", views_staff.quick, name="quick"),
    path("<int:report_id>/", views_staff.report_detail, name="report"),
    path("<int:report_id>/photos/<int:photo_id>/", views_staff.photo, name="photo"),
    path("poster/<int:school_id>.pdf", views_poster.poster_pdf, name="poster_pdf"),
    path("poster/<int:school_id>.png", views_poster.poster_png, name="poster_png"),
    path("posters/<int:unit_id>.pdf", views_poster.posters_pdf, name="posters_pdf"),
    path("posters/", views_poster.poster_index, name="posters"),
]

# The public 爱心信箱, under /box/: no account, no cookie, nothing that identifies the sender.
public_urlpatterns = [
    path("follow/", views_public.follow, name="follow"),
    path("<str:school_code>/", views_public.box, name="box"),
]
