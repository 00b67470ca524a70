from __future__ import annotations

from django.urls import path

from . import views

app_name = "scorecards"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("me/", views.my_scorecard, name="my_scorecard"),
    path("employees/<int:employee_id>/", views.employee_scorecard, name="employee"),
    path(
        "departments/<int:department_id>/audits/",
        views.department_audits,
        name="department_audits",
    ),
    path("payroll.csv", views.payroll_csv, name="payroll_csv"),
    path("recompute/", views.recompute_start, name="recompute"),
    path("recompute/<int:run_id>/", views.recompute_status, name="recompute_status"),
    path("rules/", views.bands, name="bands"),
    path("rules/<int:band_set_id>/", views.band_edit, name="band_edit"),
    path("rules/<int:band_set_id>/delete/", views.band_delete, name="band_delete"),
]
