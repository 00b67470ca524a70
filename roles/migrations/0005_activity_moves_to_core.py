# The history (activity) model now belongs to `core`. State only: the table and its
# rows stay; the content type follows the model so permissions keep pointing at it.

from django.db import migrations


def content_type_to_core(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if ContentType.objects.filter(app_label="core", model="activity").exists():
        return
    ContentType.objects.filter(app_label="roles", model="activity").update(app_label="core")


def content_type_to_roles(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if ContentType.objects.filter(app_label="roles", model="activity").exists():
        return
    ContentType.objects.filter(app_label="core", model="activity").update(app_label="roles")


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0001_initial"),
        ("roles", "0004_apitoken"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Activity")],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_core, content_type_to_roles),
    ]
