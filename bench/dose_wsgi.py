"""The production WSGI application, with the benchmark's clock header (see dose_clock).

Served by gunicorn in bench/dose_transaction.py; nothing else changes: same settings, same
middleware, same services. A request without the header runs at the real time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from dose_clock import WSGI_KEY
from openhat.core import clock
from openhat.wsgi import application as openhat_application


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    stamp = environ.get(WSGI_KEY)
    if not stamp:
        return openhat_application(environ, start_response)
    with clock.backdated(datetime.fromisoformat(stamp)):
        return openhat_application(environ, start_response)
