from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Development only: print the current authenticator code of a demo user (e.g. demo-physician)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings

        if not settings.DEVELOPMENT_MODE:
            raise CommandError(
                "demo_code exists for the demo only and is refused in production mode."
            )
        username: str = options["username"]
        if not username.startswith("demo-"):
            raise CommandError("Only demo users (demo-...) have codes printed here.")
        device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
        if device is None:
            raise CommandError(
                f"{username} has no authenticator; only demo-physician and demo-pharmacist need one."
            )
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        remaining = device.step - int(time.time() - device.t0) % device.step
        self.stdout.write(
            f"{totp.token():0{device.digits}d}  (valid for about {remaining} more seconds)"
        )
