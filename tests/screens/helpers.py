from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from openhat.screens import services
from openhat.screens.models import HarmReductionContact, UrineDrugScreen


def screen(personas: Any, patient: Any, role: str = "nurse", **changes: Any) -> UrineDrugScreen:
    values: dict[str, Any] = {
        "sampled_at": timezone.now() - timedelta(hours=2),
        "supervised": True,
        "setting": "laboratory",
        "results": {"morphine_opiates": "positive", "monoacetylmorphine": "positive",
                    "acetylcodeine": "negative", "papaverine": "negative",
                    "noscapine": "negative", "cocaine": "negative"},
    }  # fmt: skip
    values.update(changes)
    return services.record_screen(actor=personas[role], patient=patient, **values)


def contact(
    personas: Any, patient: Any, role: str = "counsellor", **changes: Any
) -> HarmReductionContact:
    values: dict[str, Any] = {
        "given_at": timezone.now() - timedelta(hours=1),
        "supplies": {"naloxone_kits": 1, "injecting_equipment": 20},
        "overdose_training": True,
        "offers": {"hcv_test": "accepted"},
    }
    values.update(changes)
    return services.record_harm_reduction(actor=personas[role], patient=patient, **values)
