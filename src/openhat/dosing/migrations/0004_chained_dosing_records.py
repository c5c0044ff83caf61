"""Decisions, administrations and adverse events join their clinic's keyed hash chains.

Existing rows are chained in the order they were written (audit.resealing), then each table's
(chain, position) becomes unique.
"""

from typing import Any

from django.db import migrations, models


def chain_existing(apps: Any, schema_editor: Any) -> None:
    from openhat.audit.resealing import reseal
    from openhat.dosing.models import Administration, AdverseEvent, SessionDecision

    reseal(
        apps.get_model("dosing", "SessionDecision"),
        SessionDecision,
        schema_editor,
        order=("at", "id"),
        chain_key_of=lambda row: int(row.session.clinic_id),
    )
    reseal(
        apps.get_model("dosing", "Administration"),
        Administration,
        schema_editor,
        order=("administered_at", "id"),
        chain_key_of=lambda row: int(row.clinic_id),
    )
    reseal(
        apps.get_model("dosing", "AdverseEvent"),
        AdverseEvent,
        schema_editor,
        order=("recorded_at", "id"),
        chain_key_of=lambda row: int(row.clinic_id),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("dosing", "0003_session_not_completed"),
        ("audit", "0006_keyed_chains"),
    ]

    operations = [
        migrations.AddField(
            model_name="sessiondecision",
            name="chain_key",
            field=models.BigIntegerField(default=0, editable=False),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="sessiondecision",
            name="chain_seq",
            field=models.BigIntegerField(default=0, editable=False),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="sessiondecision",
            name="key_id",
            field=models.CharField(default="", editable=False, max_length=16),
        ),
        migrations.AddField(
            model_name="sessiondecision",
            name="prev_sha256",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="sessiondecision",
            name="row_sha256",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="administration",
            name="chain_key",
            field=models.BigIntegerField(default=0, editable=False),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="administration",
            name="chain_seq",
            field=models.BigIntegerField(default=0, editable=False),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="administration",
            name="key_id",
            field=models.CharField(default="", editable=False, max_length=16),
        ),
        migrations.AddField(
            model_name="administration",
            name="prev_sha256",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="administration",
            name="row_sha256",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="adverseevent",
            name="chain_key",
            field=models.BigIntegerField(default=0, editable=False),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="adverseevent",
            name="chain_seq",
            field=models.BigIntegerField(default=0, editable=False),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="adverseevent",
            name="key_id",
            field=models.CharField(default="", editable=False, max_length=16),
        ),
        migrations.AddField(
            model_name="adverseevent",
            name="prev_sha256",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="adverseevent",
            name="row_sha256",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="sessiondecision",
            constraint=models.UniqueConstraint(
                fields=("chain_key", "chain_seq"), name="session_decision_chain_position"
            ),
        ),
        migrations.AddConstraint(
            model_name="administration",
            constraint=models.UniqueConstraint(
                fields=("chain_key", "chain_seq"), name="administration_chain_position"
            ),
        ),
        migrations.AddConstraint(
            model_name="adverseevent",
            constraint=models.UniqueConstraint(
                fields=("chain_key", "chain_seq"), name="adverse_event_chain_position"
            ),
        ),
    ]
