"""The socket benchmarks run end to end in a tiny configuration: each writes its JSON
with the figures, the reference beside them, the generator's verdict, and a lost/doubled
check that passed. No figure is asserted against a goal (tests never assert on speed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.databases import require_postgres
from tests.redisdb import require_redis

BENCH = Path(__file__).resolve().parents[2] / "bench"

pytestmark = pytest.mark.slow


def run_bench(name: str, tmp_path: Path, *args: str) -> dict[str, Any]:
    output = tmp_path / f"{name}.json"
    done = subprocess.run(
        [sys.executable, str(BENCH / f"{name}.py"), *args, "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, Any] = json.loads(output.read_text())
    assert result["benchmark"] == name
    assert {"cpu_model", "cores", "ram_gib", "kernel", "python", "git_commit"} <= set(
        result["machine"]
    )
    assert result["lost"] == 0
    assert result["doubled"] == 0
    assert isinstance(result["rejected"], bool)
    return result


def test_idle_sockets(tmp_path: Path) -> None:
    result = run_bench(
        "idle_sockets", tmp_path, "--target", "20", "--steps", "2", "--backoff-cap", "1"
    )
    keerpunt, reference = result["keerpunt"], result["reference"]
    assert keerpunt["subscribed"] == reference["subscribed"] == 20
    assert keerpunt["restart"]["all_back"]
    assert reference["restart"]["all_back"]
    assert keerpunt["check"]["sockets_checked"] == 20
    assert len(keerpunt["rss_samples"]) == 3
    assert keerpunt["kib_per_socket"] is not None
    assert result["kib_per_socket_ratio"] is not None
    assert keerpunt["generator"]["processes"]


def test_chat_traffic(tmp_path: Path) -> None:
    result = run_bench(
        "chat_traffic",
        tmp_path,
        *("--sockets", "20", "--rate", "100", "--seconds", "2", "--windows", "2"),
    )
    keerpunt, reference = result["keerpunt"], result["reference"]
    # Two windows each, taking turns, counted together. 100 messages a window, so even
    # the relay's CPU spans several of /proc's 10 ms ticks and the ratio exists.
    assert keerpunt["scheduled"] == keerpunt["delivered"] == 200
    assert reference["delivered"] == 200
    assert keerpunt["stored"]["rows"] == 200
    assert keerpunt["latency_ms"]["p99"] is not None
    assert keerpunt["latency_ms"]["count"] == reference["latency_ms"]["count"] == 200
    assert len(keerpunt["windows_cpu_us_per_message"]) == 2
    assert len(result["cpu_ratio_windows"]) == 2
    assert len(keerpunt["generator"]["processes"]) == 2
    assert result["cpu_ratio"] is not None


@pytest.mark.parametrize(
    "backend",
    [
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgresql),
        pytest.param("postgresql+redis", marks=[pytest.mark.postgresql, pytest.mark.redis]),
    ],
)
def test_durable_writes(tmp_path: Path, backend: str) -> None:
    if backend.startswith("postgresql"):
        require_postgres()
    if backend.endswith("redis"):
        require_redis()
    result = run_bench(
        "durable_writes", tmp_path, "--senders", "5", "--seconds", "1", "--backend", backend
    )
    figures = result[backend]
    assert figures["acked"] > 0
    # Limits on in the cluster run, with ceilings no sender reaches: nothing refused.
    assert figures["error_frames"] == {}
    assert figures["server_cpu_us_per_message"] is not None
    assert figures["limit"]["per_s"] > 0
    assert figures["ratio_to_limit"] is not None
    assert figures["ack_latency_ms"]["count"] == figures["acked"]


def test_group_commit(tmp_path: Path) -> None:
    output = tmp_path / "group_commit.json"
    args = ("--sizes", "1,4", "--messages", "8", "--output", str(output))
    done = subprocess.run(
        [sys.executable, str(BENCH / "group_commit.py"), *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(output.read_text())
    assert result["benchmark"] == "group_commit"
    # Three warm-up rounds of each size, then 8 messages each: all stored, once.
    assert result["sent"] == result["stored"] == 3 * (1 + 4) + 8 + 8
    assert (result["lost"], result["doubled"]) == (0, 0)
    assert [s["size"] for s in result["sizes"]] == [1, 4]
    assert all(s["cpu_us_per_message"] > 0 for s in result["sizes"])
