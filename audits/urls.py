from __future__ import annotations

from django.urls import path

from . import views

app_name = "audits"

urlpatterns = [
    path("", views.audit_list, name="list"),
    path("mine/", views.my_audits, name="my_audits"),
    path("new/", views.audit_assign, name="assign"),
    path("templates/", views.template_list, name="templates"),
    path("templates/new/", views.template_create, name="template_create"),
    path("templates/<int:pk>/", views.template_detail, name="template"),
    path("templates/<int:pk>/edit/", views.template_edit, name="template_edit"),
    path(
        "templates/<int:pk>/items/<int:item_pk>/",
        views.template_item_toggle,
        name="template_item",
    ),
    path("templates/<int:pk>/update/", views.template_upgrade, name="template_upgrade"),
    path("templates/<int:pk>/archive/", views.template_archive, name="template_archive"),
    path("disputes/", views.dispute_list, name="disputes"),
    path("disputes/<int:pk>/decide/", views.dispute_decide, name="dispute_decide"),
    path("<int:pk>/", views.audit_report, name="report"),
    path("<int:pk>/fill/", views.audit_fill, name="fill"),
    path("<int:pk>/save/", views.audit_save, name="save"),
    path("<int:pk>/visit/", views.audit_visit_save, name="visit"),
    path("<int:pk>/steps/<int:step_pk>/", views.audit_step_save, name="step"),
    path("<int:pk>/items/<int:item_pk>/", views.audit_item_save, name="item"),
    path("<int:pk>/items/<int:item_pk>/photos/", views.evidence_upload, name="evidence_upload"),
    path("<int:pk>/items/<int:item_pk>/dispute/", views.dispute_create, name="dispute"),
    path("<int:pk>/photos/<int:evidence_pk>/", views.evidence_view, name="evidence"),
    path("<int:pk>/submit/", views.audit_submit, name="submit"),
    path("<int:pk>/result/", views.audit_result, name="result"),
    path("<int:pk>/finalize/", views.audit_finalize, name="finalize"),
    path("<int:pk>/withdraw/", views.audit_withdraw, name="withdraw"),
]
