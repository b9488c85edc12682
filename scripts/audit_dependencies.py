"""CI gate: no known vulnerability in the locked dependencies (pip-audit).

pip-audit asks a vulnerability service about every pinned release: PyPI's per-release JSON
or OSV. Where neither answers (a closed network), there is nothing to check against; the
gate then says so in one line and passes, unless KEERPUNT_REQUIRE_AUDIT=1 makes that a
failure. When a service answers, `--strict` fails the gate for any dependency it could not
check, so a partial answer never passes as a clean one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ["requirements.lock", "requirements-dev.lock"]
PROBES = {
    # A release that exists; a 404 here means the per-release API is not served.
    "pypi": ("https://pypi.org/pypi/pip/25.3/json", None),
    "osv": ("https://api.osv.dev/v1/query", b'{"package":{"name":"pip","ecosystem":"PyPI"}}'),
}


def answers(url: str, body: bytes | None) -> bool:
    request = urllib.request.Request(url, data=body, method="POST" if body else "GET")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return bool(200 <= response.status < 300)
    except (urllib.error.URLError, TimeoutError, OSError):
        return False


def main() -> int:
    service = next((name for name, probe in PROBES.items() if answers(*probe)), None)
    if service is None:
        print(
            "pip-audit: skipped, no vulnerability service answers from here "
            "(PyPI's per-release JSON and OSV are both out of reach)"
        )
        return 1 if os.environ.get("KEERPUNT_REQUIRE_AUDIT") == "1" else 0
    command = [
        str(Path(sys.executable).with_name("pip-audit")),
        "--strict",
        "--require-hashes",
        "--disable-pip",
        "--progress-spinner",
        "off",
        "--vulnerability-service",
        service,
    ]
    failed = False
    for lock in LOCKS:
        print(f"pip-audit: checking {lock} against {service}", flush=True)
        failed |= subprocess.call([*command, "-r", str(ROOT / lock)]) != 0  # noqa: S603
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
