"""`openhat checkpoint`: sign the head of every hash chain and write it outside the database.

The file goes to OPENHAT_CHECKPOINT_DIR (default var/checkpoints), is never overwritten, and is
what `openhat audit verify`, `openhat ledger verify` and `openhat sessions verify` check the
chains against (docs/chains.md). Counts make one too; run this one from cron as well (hourly,
say), and copy the directory off the machine.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from openhat.audit.checkpoints import checkpoint_dir, make_checkpoint


class Command(BaseCommand):
    help = "Sign the head of every hash chain and write it to the checkpoint directory."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--reason", default="manual", help="why (written into the file)")

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoint = make_checkpoint(str(options["reason"]))
        self.stdout.write(f"Checkpoint {checkpoint_dir() / checkpoint.name}")
        for head in checkpoint.heads:
            self.stdout.write(
                f"  {head.chain} chain {head.chain_key}: position {head.position}, "
                f"hash {head.hash}, key {head.key_id}"
            )
        self.stdout.write(f"Signed by public key {checkpoint.public_key}.")
        if checkpoint.remote == "sent":
            self.stdout.write(f"A copy went to the syslog collector {settings.CHECKPOINT_SYSLOG}.")
        elif checkpoint.remote:
            raise CommandError(
                f"The checkpoint's file is written, but its copy to {settings.CHECKPOINT_SYSLOG} "
                f"was {checkpoint.remote}; resend it when the collector is back."
            )
