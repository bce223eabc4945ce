from django.urls import path

from . import views_public

app_name = "surveys_answer"

# The public answering pages, under /s/: no account, no cookie.
urlpatterns = [
    path("", views_public.enter, name="enter"),
    path("<str:code>/", views_public.start, name="start"),
    path("<str:code>/<int:n>/", views_public.step, name="step"),
    path("<str:code>/review/", views_public.review, name="review"),
]
