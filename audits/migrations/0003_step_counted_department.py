import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def stamp_submitted_steps(apps, schema_editor):
    """Steps of audits already submitted count where they counted until now: the
    observed employee's department, or the audited department."""
    AuditStep = apps.get_model("audits", "AuditStep")
    Employee = apps.get_model("roles", "Employee")
    Audit = apps.get_model("audits", "Audit")
    submitted = AuditStep.objects.filter(
        department__isnull=True, audit__status__in=["submitted", "final"]
    )
    submitted.filter(employee__isnull=False).update(
        department=Subquery(
            Employee.objects.filter(pk=OuterRef("employee_id")).values("department_id")[:1]
        )
    )
    submitted.filter(employee__isnull=True).update(
        department=Subquery(Audit.objects.filter(pk=OuterRef("audit_id")).values("department_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0002_role_permissions"),
        ("journeys", "0002_updated_at"),
        ("roles", "0004_apitoken"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditstep",
            name="department",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="roles.department",
                verbose_name="counts for department",
            ),
        ),
        migrations.AddIndex(
            model_name="auditstep",
            index=models.Index(fields=["department", "audit"], name="audit_step_department"),
        ),
        migrations.RunPython(stamp_submitted_steps, migrations.RunPython.noop),
    ]
