"""The benchmark's clock: each request says what time it is for the services.

A dosing day is long: 20 minutes of observation after each dose, at least three hours between
sessions, at most three sessions a day (the ca-ioat preset). A run of a minute cannot wait for
that, and the preset's values are clinical: they are not changed. Instead each client station
keeps a virtual timeline for its patients (a session every 8 hours per patient, its steps two
minutes apart, the sign-off a minute after `observe_until`) and sends the time with every
request in an `X-Bench-Clock` header; the benchmark's WSGI entry (dose_wsgi, never used outside
the benchmark) runs the request inside `openhat.core.clock.backdated(...)`, the facility the
demo loader uses to write history. Every service reads that one clock, so the observation is
over when the sign-off comes, and no rule or preset value is bent.
"""

from __future__ import annotations

from datetime import timedelta

HEADER = "X-Bench-Clock"
WSGI_KEY = "HTTP_X_BENCH_CLOCK"
SESSION_SPACING = timedelta(hours=8)  # at most three a day, more than three hours apart
STEP = timedelta(minutes=2)  # check-in, assessment, decision, preparation, administration
AFTER_OBSERVATION = timedelta(minutes=1)
