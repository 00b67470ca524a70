from __future__ import annotations

from django.urls import path

from . import views

app_name = "roles"

urlpatterns = [
    path("departments/", views.department_list, name="department_list"),
    path("departments/new/", views.department_create_view, name="department_create"),
    path("departments/<int:department_id>/row/", views.department_row, name="department_row"),
    path("departments/<int:department_id>/edit/", views.department_edit, name="department_edit"),
    path(
        "departments/<int:department_id>/active/",
        views.department_set_active_view,
        name="department_set_active",
    ),
    path("positions/", views.position_list, name="position_list"),
    path("positions/new/", views.position_create_view, name="position_create"),
    path("positions/<int:position_id>/row/", views.position_row, name="position_row"),
    path("positions/<int:position_id>/edit/", views.position_edit, name="position_edit"),
    path(
        "positions/<int:position_id>/active/",
        views.position_set_active_view,
        name="position_set_active",
    ),
    path("employees/", views.employee_list, name="employee_list"),
    path("employees/new/", views.employee_create_view, name="employee_create"),
    path("employees/<int:employee_id>/", views.employee_detail, name="employee_detail"),
    path("employees/<int:employee_id>/row/", views.employee_row, name="employee_row"),
    path("employees/<int:employee_id>/edit/", views.employee_edit, name="employee_edit"),
    path(
        "employees/<int:employee_id>/active/",
        views.employee_set_active_view,
        name="employee_set_active",
    ),
    path(
        "employees/<int:employee_id>/login/",
        views.employee_login_create,
        name="employee_login_create",
    ),
    path("employees/import/", views.employee_import_upload, name="employee_import"),
    path(
        "employees/import/template.csv",
        views.employee_import_template,
        name="employee_import_template",
    ),
    path(
        "employees/import/<int:import_id>/",
        views.employee_import_detail,
        name="employee_import_detail",
    ),
    path(
        "employees/import/<int:import_id>/confirm/",
        views.employee_import_confirm_view,
        name="employee_import_confirm",
    ),
]
