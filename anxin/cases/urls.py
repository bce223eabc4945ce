from django.urls import path

from . import views, views_oversight, views_pdf

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/act/<str:action>/", views.case_action, name="act"),
    path("<int:pk>/attachments/<int:att_pk>/", views.attachment, name="attachment"),
    path("involved/", views_oversight.involved, name="involved"),
    path("bureau/", views_oversight.bureau, name="bureau"),
    path("policy/", views_oversight.policy, name="policy"),
    path("<int:pk>/file.pdf", views_pdf.case_file_pdf, name="file_pdf"),
    path("<int:pk>/notice/<int:party_pk>.pdf", views_pdf.notice_pdf, name="notice_pdf"),
]
