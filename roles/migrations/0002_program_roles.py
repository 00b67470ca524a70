"""Create the program roles as auth groups with their model permissions.

Views check roles and scope on top of these; the permissions also drive the admin.
Later apps add their own permissions to these groups in their own migrations.
"""

from __future__ import annotations

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "manager": [
        ("roles", "department", ("add", "change", "view")),
        ("roles", "position", ("add", "change", "view")),
        ("roles", "employee", ("add", "change", "view")),
        ("roles", "employeeimport", ("add", "view")),
        ("roles", "activity", ("view",)),
        ("journeys", "journey", ("add", "change", "delete", "view")),
        ("journeys", "stage", ("add", "change", "delete", "view")),
        ("journeys", "step", ("add", "change", "delete", "view")),
        ("journeys", "situation", ("add", "change", "delete", "view")),
    ],
    "auditor": [
        ("journeys", "journey", ("view",)),
        ("journeys", "stage", ("view",)),
        ("journeys", "step", ("view",)),
        ("journeys", "situation", ("view",)),
    ],
    "staff": [],
    "api_client": [],
}


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, grants in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for app_label, model, actions in grants:
            for action in actions:
                permission = Permission.objects.get(
                    content_type__app_label=app_label, codename=f"{action}_{model}"
                )
                group.permissions.add(permission)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("roles", "0001_initial"),
        ("journeys", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
