from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("roles", "0002_program_roles"),
    ]

    operations = [
        migrations.AddField(
            model_name="employeeimport",
            name="started_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
