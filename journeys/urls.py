from __future__ import annotations

from django.urls import path

from . import views

app_name = "journeys"

urlpatterns = [
    path("", views.journey_list, name="list"),
    path("new/", views.journey_create, name="journey_create"),
    path("<int:journey_id>/", views.journey_map_view, name="map"),
    path("<int:journey_id>/edit/", views.journey_update, name="journey_update"),
    path("<int:journey_id>/active/", views.journey_set_active, name="journey_set_active"),
    path("<int:journey_id>/stages/new/", views.stage_create, name="stage_create"),
    path(
        "<int:journey_id>/situations/new/",
        views.situation_create_cross_cutting,
        name="situation_create",
    ),
    path("stages/<int:stage_id>/edit/", views.stage_update, name="stage_update"),
    path("stages/<int:stage_id>/delete/", views.stage_delete, name="stage_delete"),
    path("stages/<int:stage_id>/move/", views.stage_move, name="stage_move"),
    path("stages/<int:stage_id>/steps/new/", views.step_create, name="step_create"),
    path("steps/<int:step_id>/edit/", views.step_update, name="step_update"),
    path("steps/<int:step_id>/delete/", views.step_delete, name="step_delete"),
    path("steps/<int:step_id>/move/", views.step_move, name="step_move"),
    path(
        "steps/<int:step_id>/situations/new/",
        views.situation_create_at_step,
        name="step_situation_create",
    ),
    path("situations/<int:situation_id>/edit/", views.situation_update, name="situation_update"),
    path("situations/<int:situation_id>/delete/", views.situation_delete, name="situation_delete"),
    path("situations/<int:situation_id>/move/", views.situation_move, name="situation_move"),
    path("positions/<int:position_id>/duties/", views.position_duties_view, name="position_duties"),
]
