from django.urls import path

from . import views

app_name = "oversight_opinion"

urlpatterns = [
    path("", views.opinion_list, name="list"),
    path("new/", views.opinion_new, name="new"),
    path("<int:pk>/", views.opinion_detail, name="detail"),
    path("<int:pk>/steps/", views.opinion_step, name="step"),
]
