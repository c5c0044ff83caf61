"""A throw-away embedded PostgreSQL and a production-mode gunicorn for the dose benchmark.

The database lives in its own var directory (never the shared var/pg). The server runs with the
settings an operator would use in production (OPENHAT_MODE=production, DEBUG off, a secret key,
allowed hosts, DATABASE_URL, behind a TLS proxy that sets X-Forwarded-Proto), under gunicorn's
threaded workers.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


def start_database(var_dir: Path) -> dict[str, str]:
    """Start pgserver in `var_dir`/pg, create the database, and return the environment that
    points openhat (in this process and in the server) at it, in production mode."""
    os.environ["OPENHAT_VAR_DIR"] = str(var_dir)
    from openhat import embedded_db

    settings = embedded_db.ensure_running()
    embedded_db.ensure_database(settings)
    socket_dir = settings["HOST"]
    environment = {
        **_chain_secrets(var_dir),
        "OPENHAT_VAR_DIR": str(var_dir),
        "OPENHAT_MODE": "production",
        "OPENHAT_DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DATABASE_URL": f"postgresql://postgres@{quote(socket_dir, safe='')}/openhat",
        "OPENHAT_BEHIND_PROXY": "1",
        "OPENHAT_LOG_LEVEL": "ERROR",
        # 32 simulated stations on one address, each far busier than a real one: the API's rate
        # limit still counts every request (its cost is measured) but never refuses one.
        "OPENHAT_API_RATE_PER_TOKEN": "100000000",
        "OPENHAT_API_RATE_PER_ADDRESS": "100000000",
        "DJANGO_SETTINGS_MODULE": "openhat.settings",
    }
    os.environ.update(environment)
    return environment


def _chain_secrets(var_dir: Path) -> dict[str, str]:
    """The chain key and checkpoint signing key production mode requires (docs/chains.md)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    keys = var_dir / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    signing = keys / "checkpoint-signing-key.pem"
    if not signing.exists():
        signing.write_bytes(
            Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        signing.chmod(0o600)
    chain = keys / "chain-key"
    if not chain.exists():
        chain.write_text(secrets.token_hex(32) + "\n")
        chain.chmod(0o600)
    return {
        "OPENHAT_CHAIN_KEY_FILE": str(chain),
        "OPENHAT_CHECKPOINT_SIGNING_KEY_FILE": str(signing),
        "OPENHAT_CHECKPOINT_DIR": str(var_dir / "checkpoints"),
    }


def socket_dir() -> str:
    from django.conf import settings

    return str(settings.DATABASES["default"]["HOST"])


def stop_database(var_dir: Path, keep: bool) -> None:
    os.environ["OPENHAT_VAR_DIR"] = str(var_dir)
    from openhat import embedded_db

    embedded_db.stop()
    if not keep:
        shutil.rmtree(var_dir, ignore_errors=True)


class Server:
    """gunicorn serving bench/dose_wsgi.py (openhat.wsgi with the benchmark's clock header)."""

    def __init__(
        self,
        environment: dict[str, str],
        *,
        port: int,
        workers: int,
        threads: int,
        log_path: Path,
    ) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.port = port
        self.workers = workers
        self.threads = threads
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "dose_wsgi:application",
            "--pythonpath",
            str(BENCH_DIR),
            "--bind",
            f"127.0.0.1:{port}",
            "--worker-class",
            "gthread",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--backlog",
            "256",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
            "--error-logfile",
            str(log_path),
        ]
        self.log_path = log_path
        self.process = subprocess.Popen(  # noqa: S603 (our own command line)
            command,
            cwd=PROJECT_ROOT,
            env={**os.environ, **environment},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        request = urllib.request.Request(  # noqa: S310 (our own http URL)
            self.url + "/accounts/login/", headers=PROXY_HEADERS
        )
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(
                    f"gunicorn exited ({self.process.returncode}); see {self.log_path}"
                )
            try:
                with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                time.sleep(0.25)
        raise SystemExit(f"gunicorn did not answer within {timeout:.0f} s; see {self.log_path}")

    def pids(self) -> list[int]:
        import psutil

        main = psutil.Process(self.process.pid)
        return [main.pid, *(child.pid for child in main.children(recursive=True))]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
