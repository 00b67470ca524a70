"""The customers' survey pages (no login)."""

from __future__ import annotations

from django.urls import path

from . import survey_views

app_name = "nps_public"

urlpatterns = [
    path("i/<str:token>/", survey_views.invitation_page, name="invitation"),
    path("answer/<str:signed>/", survey_views.details_page, name="details"),
    path("<str:key>/", survey_views.survey_page, name="survey"),
    path("<str:key>/thanks/", survey_views.thanks_page, name="thanks"),
]
