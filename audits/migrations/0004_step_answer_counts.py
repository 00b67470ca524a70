from django.db import migrations, models
from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce


def count_submitted_answers(apps, schema_editor):
    """Steps of audits already submitted get their answer counts from their items."""
    AuditStep = apps.get_model("audits", "AuditStep")
    AuditItem = apps.get_model("audits", "AuditItem")

    def counted(condition: Q) -> Coalesce:
        per_step = (
            AuditItem.objects.filter(condition, audit_step_id=OuterRef("pk"))
            .order_by()
            .values("audit_step_id")
            .annotate(total=Count("pk"))
            .values("total")
        )
        return Coalesce(Subquery(per_step), Value(0))

    AuditStep.objects.filter(audit__status__in=["submitted", "final"]).update(
        answers=counted(Q(answer__in=["yes", "no"])),
        failed_answers=counted(Q(answer="no")),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0003_step_counted_department"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditstep",
            name="answers",
            field=models.PositiveIntegerField(default=0, verbose_name="answers"),
        ),
        migrations.AddField(
            model_name="auditstep",
            name="failed_answers",
            field=models.PositiveIntegerField(default=0, verbose_name="answers “no”"),
        ),
        migrations.RunPython(count_submitted_answers, migrations.RunPython.noop),
    ]
