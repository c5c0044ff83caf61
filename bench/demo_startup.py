"""Time from `make demo` to a served sign-in page, in a given checkout.

    python bench/demo_startup.py [--dir PATH] [--port 8123]

Run it on a fresh clone for the cold figure (virtual environment, install, database creation,
demo load) and again for the warm one (everything reused). It stops the server afterwards.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import time
import urllib.request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", default=".")
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--timeout", type=int, default=900)
    args = parser.parse_args()

    url = f"http://127.0.0.1:{args.port}/accounts/login/"
    start = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603
        ["make", "demo", f"PORT={args.port}"],  # noqa: S607
        cwd=args.dir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    served_after = None
    try:
        while time.perf_counter() - start < args.timeout and process.poll() is None:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        served_after = time.perf_counter() - start
                        break
            except OSError:
                time.sleep(0.25)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    if served_after is None:
        raise SystemExit(f"the demo did not serve {url} (make exited with {process.returncode})")
    print(f"make demo -> sign-in page served: {served_after:.1f} s ({os.path.abspath(args.dir)})")


if __name__ == "__main__":
    main()
