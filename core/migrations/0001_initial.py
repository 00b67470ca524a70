# The history (activity) model moves here from `roles`. State only: the table
# `roles_activity` and every row in it stay exactly where they are.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("roles", "0004_apitoken"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Activity",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("action", models.CharField(max_length=100, verbose_name="action")),
                        ("target_type", models.CharField(max_length=100)),
                        ("target_id", models.CharField(max_length=50)),
                        ("summary", models.CharField(max_length=500, verbose_name="what")),
                        ("data", models.JSONField(blank=True, default=dict)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="when")),
                        ("actor", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="activities", to=settings.AUTH_USER_MODEL, verbose_name="who")),
                    ],
                    options={
                        "verbose_name": "activity",
                        "verbose_name_plural": "activity",
                        "db_table": "roles_activity",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [models.Index(fields=["target_type", "target_id"], name="roles_activ_target__f5f67b_idx")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
