"""Keyed chain: every ledger entry's hash becomes HMAC-SHA-256 with the chain key (audit.keys)."""

from typing import Any

from django.db import migrations, models


def seal_with_key(apps: Any, schema_editor: Any) -> None:
    from openhat.audit.resealing import reseal
    from openhat.pharmacy.models import LedgerEntry

    reseal(apps.get_model("pharmacy", "LedgerEntry"), LedgerEntry, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("pharmacy", "0001_initial"),
        ("audit", "0006_keyed_chains"),
    ]

    operations = [
        migrations.AddField(
            model_name="ledgerentry",
            name="key_id",
            field=models.CharField(default="", editable=False, max_length=16),
        ),
        migrations.RunPython(seal_with_key, migrations.RunPython.noop),
    ]
