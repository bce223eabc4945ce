from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("<int:pk>/", views.campaign, name="campaign"),
    path("<int:pk>/codes/", views.issue, name="issue"),
    path("<int:pk>/codes/<int:klass_id>.pdf", views.slips, name="slips"),
    path("<int:pk>/remind/", views.remind, name="remind"),
    path("<int:pk>/results/", views.results, name="results"),
    path("<int:pk>/results.xlsx", views.results_xlsx, name="results_xlsx"),
    path("<int:pk>/results.pdf", views.results_pdf, name="results_pdf"),
]
