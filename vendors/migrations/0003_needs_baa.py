from django.db import migrations, models


def backfill(apps, schema_editor):
    """``RiskProfile.needs_baa`` for every vendor, and for every history row (the binder reads
    the record as it stood from them): handles PHI, or remote or privileged access."""
    needs = models.Q(handles_phi=True) | models.Q(remote_access=True)
    for name in ("BusinessAssociate", "HistoricalBusinessAssociate"):
        apps.get_model("vendors", name).objects.filter(needs).update(needs_baa=True)


class Migration(migrations.Migration):
    dependencies = [
        ("vendors", "0002_baa_status_fields"),
    ]

    operations = [
        migrations.AddField(
            model_name="businessassociate",
            name="needs_baa",
            field=models.BooleanField(default=False, editable=False, verbose_name="needs a BAA"),
        ),
        migrations.AddField(
            model_name="historicalbusinessassociate",
            name="needs_baa",
            field=models.BooleanField(default=False, editable=False, verbose_name="needs a BAA"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
