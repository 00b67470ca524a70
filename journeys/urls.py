from __future__ import annotations

from django.urls import path

from . import views

app_name = "journeys"

urlpatterns = [
    path("", views.journey_list, name="list"),
    path("<int:journey_id>/", views.journey_map_view, name="map"),
    path("positions/<int:position_id>/duties/", views.position_duties_view, name="position_duties"),
]
