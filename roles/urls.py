from __future__ import annotations

from django.urls import path

from . import views

app_name = "roles"

urlpatterns = [
    path("employees/", views.employee_list, name="employee_list"),
    path("departments/", views.department_list, name="department_list"),
    path("positions/", views.position_list, name="position_list"),
]
