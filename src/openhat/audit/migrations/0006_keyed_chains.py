"""Keyed chains: every audit row's hash becomes HMAC-SHA-256 with the chain key (audit.keys)."""

from typing import Any

from django.db import migrations, models


def seal_with_key(apps: Any, schema_editor: Any) -> None:
    from openhat.audit.models import AccessLog, AuditEvent
    from openhat.audit.resealing import reseal

    reseal(apps.get_model("audit", "AuditEvent"), AuditEvent, schema_editor)
    reseal(apps.get_model("audit", "AccessLog"), AccessLog, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0005_access_kinds_eligibility_licence"),
    ]

    operations = [
        migrations.AddField(
            model_name="accesslog",
            name="key_id",
            field=models.CharField(default="", editable=False, max_length=16),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            field=models.CharField(default="", editable=False, max_length=16),
        ),
        migrations.RunPython(seal_with_key, migrations.RunPython.noop),
    ]
