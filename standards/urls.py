from __future__ import annotations

from django.urls import path

from . import views

app_name = "standards"

urlpatterns = [
    path("", views.book_home, name="book"),
    path("books/new/", views.book_create, name="book_create"),
    path("mine/", views.my_standards_view, name="mine"),
    path("acknowledge/", views.acknowledge_view, name="acknowledge"),
    path("search/", views.search_view, name="search"),
    path("steps/<int:step_id>/", views.step_view, name="step"),
    path("versions/", views.versions_view, name="versions"),
    path("versions/new-draft/", views.draft_new, name="draft_new"),
    path("versions/compare/", views.diff_pick, name="diff_pick"),
    path("versions/<int:version_id>/", views.version_detail, name="version"),
    path("versions/<int:version_id>/edit/", views.editor_view, name="editor"),
    path("versions/<int:version_id>/publish/", views.publish_view, name="publish"),
    path("versions/<int:version_id>/discard/", views.discard_view, name="discard"),
    path(
        "versions/<int:version_id>/acknowledgements/",
        views.acknowledgements_view,
        name="acknowledgements",
    ),
    path("versions/<int:old_id>/diff/<int:new_id>/", views.diff_view, name="diff"),
    path("versions/<int:version_id>/add/<str:kind_name>/", views.item_add, name="item_add"),
    path(
        "versions/<int:version_id>/add/requirement/<str:parent_kind>/<int:parent_id>/",
        views.requirement_add,
        name="requirement_add",
    ),
    path("items/<str:kind_name>/<int:pk>/", views.item_show, name="item_show"),
    path("items/<str:kind_name>/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<str:kind_name>/<int:pk>/delete/", views.item_delete, name="item_delete"),
    path(
        "items/<str:kind_name>/<int:pk>/move/<str:direction>/",
        views.item_move,
        name="item_move",
    ),
]
