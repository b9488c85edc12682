"""The server process's collector settings (`keerpunt serve`): a full collection must not
walk the imports' objects, since the event loop and every chat message wait for it."""

from __future__ import annotations

import subprocess
import sys

from keerpunt.server import GC_YOUNG_THRESHOLD

SCRIPT = """
import gc
import keerpunt.main  # everything `keerpunt serve` has imported before it serves
from keerpunt.server import settle_gc
gc.collect()
before = len(gc.get_objects())
settle_gc()
walked = len(gc.get_objects())
print(before, walked, gc.get_freeze_count(), gc.get_threshold()[0])
"""


def test_a_full_collection_no_longer_walks_the_imports() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], check=True, capture_output=True, text=True, timeout=120
    )
    before, walked, frozen, young = (int(word) for word in done.stdout.split())
    assert before > 50_000, "the app's imports should leave many tracked objects"
    # What a full collection walks now: only what was made after the freeze.
    assert walked < before // 50
    assert frozen >= before - walked
    assert young == GC_YOUNG_THRESHOLD
