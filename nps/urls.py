from __future__ import annotations

from django.urls import path

from . import views

app_name = "nps"

urlpatterns = [
    path("", views.response_list, name="responses"),
    path("responses/export.csv", views.export_csv, name="export_csv"),
    path("responses/<int:response_id>/", views.response_detail, name="response_detail"),
    path("responses/<int:response_id>/tags/", views.response_tags_view, name="response_tags"),
    path(
        "responses/<int:response_id>/follow-up/",
        views.response_follow_up_view,
        name="response_follow_up",
    ),
    path("surveys/", views.survey_list, name="surveys"),
    path("surveys/new/", views.survey_create_view, name="survey_create"),
    path("surveys/<int:survey_id>/", views.survey_detail, name="survey_detail"),
    path("surveys/<int:survey_id>/edit/", views.survey_edit, name="survey_edit"),
    path("surveys/<int:survey_id>/active/", views.survey_set_active_view, name="survey_set_active"),
    path("surveys/<int:survey_id>/qr.<str:kind>", views.survey_qr, name="survey_qr"),
    path("surveys/<int:survey_id>/poster/", views.survey_poster, name="survey_poster"),
    path("tags/", views.tag_list, name="tags"),
    path("tags/new/", views.tag_create, name="tag_create"),
    path("tags/<int:tag_id>/edit/", views.tag_edit, name="tag_edit"),
    path("tags/<int:tag_id>/active/", views.tag_set_active, name="tag_set_active"),
    path("import/", views.import_upload, name="import"),
    path("import/<int:import_id>/", views.import_detail, name="import_detail"),
    path("import/<int:import_id>/confirm/", views.import_confirm, name="import_confirm"),
    path("exports/", views.export_list, name="exports"),
    path("exports/new/", views.export_create, name="export_create"),
    path("exports/<int:job_id>/download/", views.export_download, name="export_download"),
    path("api-tokens/", views.api_tokens, name="api_tokens"),
    path("api-tokens/new/", views.api_token_create_view, name="api_token_create"),
    path("api-tokens/<int:token_id>/revoke/", views.api_token_revoke_view, name="api_token_revoke"),
]
