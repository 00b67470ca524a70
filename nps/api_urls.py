"""The versioned REST API, mounted at /api/v1/ under the namespace "api-v1".

One module for the whole version: another app adds its endpoints by appending its own
list here (e.g. `*scorecards.api.urlpatterns`), paths under "<app>/" and URL names
starting with "<app>-", so the schema and the docs pick them up with no other change.
"""

from __future__ import annotations

from django.urls import path, re_path

from scorecards import api as scorecards_api

from . import api

app_name = "api-v1"

nps_urlpatterns = [
    path("nps/responses/", api.ResponseListView.as_view(), name="nps-responses"),
    path("nps/responses/export.csv", api.ResponseExportView.as_view(), name="nps-responses-export"),
    path("nps/summary/", api.SummaryView.as_view(), name="nps-summary"),
    path("nps/surveys/", api.SurveyListView.as_view(), name="nps-surveys"),
    path("nps/invitations/", api.InvitationListView.as_view(), name="nps-invitations"),
    path(
        "nps/invitations/<int:pk>/",
        api.InvitationDetailView.as_view(),
        name="nps-invitation-detail",
    ),
    path("nps/exports/", api.ExportJobListView.as_view(), name="nps-exports"),
    path("nps/exports/<int:pk>/", api.ExportJobDetailView.as_view(), name="nps-export-detail"),
    path(
        "nps/exports/<int:pk>/download/",
        api.ExportJobDownloadView.as_view(),
        name="nps-export-download",
    ),
]

urlpatterns = [
    *nps_urlpatterns,
    *scorecards_api.urlpatterns,
    # Anything else under the API prefix answers like the API does: JSON, not a page.
    re_path(r"^.*$", api.not_found),
]
