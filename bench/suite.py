"""The benchmark suite (`make bench`): idle sockets, chat traffic and durable writes, each
beside its reference, in under 10 minutes with the defaults on a 2-core machine.

Each benchmark runs as its own process and writes bench/results/<name>.json; the suite
then prints one table and rewrites the table in docs/performance.md between the markers
`<!-- bench:start -->` and `<!-- bench:end -->`, with the date and the machine.

    python bench/suite.py                     # all three, the defaults
    python bench/suite.py --only chat_traffic # one of them
    python bench/suite.py --long              # longer runs, the full socket target
    python bench/suite.py --no-docs           # leave docs/performance.md alone
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import harness

BENCH = Path(__file__).resolve().parent
DOC = harness.REPO / "docs" / "performance.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
NAMES = ("idle_sockets", "chat_traffic", "durable_writes")

DURABLE_BACKENDS = ["sqlite", "postgresql", "postgresql+redis"]

# Arguments by mode: the default run fits the 10-minute budget; --long is the full
# target and longer windows; --quick only shows that everything runs (a minute or two).
ARGS: dict[str, dict[str, list[str]]] = {
    "idle_sockets": {
        "default": ["--steps", "40", "--fill-budget", "60", "--reconnect-timeout", "90"],
        "long": ["--steps", "20"],
        "quick": ["--target", "200", "--steps", "2", "--backoff-cap", "2"],
    },
    "chat_traffic": {
        "default": ["--seconds", "20", "--windows", "4"],
        "long": ["--seconds", "60", "--windows", "6"],
        "quick": ["--sockets", "100", "--rate", "50", "--seconds", "3", "--windows", "2"],
    },
    "durable_writes": {
        "default": ["--seconds", "10", "--backend", *DURABLE_BACKENDS],
        "long": ["--seconds", "30", "--backend", *DURABLE_BACKENDS],
        "quick": ["--senders", "20", "--seconds", "2", "--backend", *DURABLE_BACKENDS],
    },
}

GOAL_SOCKETS = 20000
GOAL_KIB = 40.0
GOAL_P99_MS = 50.0
GOAL_CPU_RATIO = 3.0
GOAL_DURABLE = 3000.0


def spread(ratios: list[float | None] | None) -> str:
    """The lowest and highest ratio of the windows that took turns, when there were
    several."""
    known = [r for r in ratios or [] if r is not None]
    if len(known) < 2:
        return ""
    return f" ({min(known):g}-{max(known):g} by window)"


def fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        if abs(value) < 1:
            text = f"{value:.2f}"
        else:
            text = f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"
    else:
        text = f"{value:,}" if isinstance(value, int) else str(value)
    return f"{text}{unit}"


def yes(flag: bool | None) -> str:
    return "n/a" if flag is None else ("yes" if flag else "**no**")


def rows(name: str, r: dict[str, Any]) -> list[list[str]]:
    """(benchmark, figure, value, goal, reached, reference, ratio, lost/doubled, run)."""
    run = "rejected: " + str(r["rejected_reason"]) if r.get("rejected") else "ok"
    check = f"{r.get('lost')} / {r.get('doubled')}"
    if name == "idle_sockets":
        k, ref = r["keerpunt"], r["reference"]
        held = k["subscribed"]
        limit = r.get("fd_limit")
        held_text = f"{held:,} of {r['target']:,} tried"
        if limit and limit <= GOAL_SOCKETS:
            held_text += f" (fd limit {limit:,})"
        if k.get("stopped_by_budget"):
            held_text += f"; stopped by the fill budget at {k['fill_s']:g} s"
        restart = k["restart"]
        back = fmt(restart["reconnect_s"], " s")
        if not restart["all_back"]:
            back = f"{restart['back']:,} of {held:,} back within {restart['waited_up_to_s']:g} s"
        return [
            [
                "idle sockets",
                "sockets held, one process",
                held_text,
                f"{GOAL_SOCKETS:,}",
                yes(held >= GOAL_SOCKETS),
                fmt(ref["subscribed"]),
                fmt(harness.ratio(held, ref["subscribed"]), "x"),
                check,
                run,
            ],
            [
                "idle sockets",
                "memory per socket (RSS slope)",
                fmt(k["kib_per_socket"], " KiB"),
                f"<= {GOAL_KIB:g} KiB",
                yes(None if k["kib_per_socket"] is None else k["kib_per_socket"] <= GOAL_KIB),
                fmt(ref["kib_per_socket"], " KiB"),
                fmt(r["kib_per_socket_ratio"], "x"),
                check,
                run,
            ],
            [
                "idle sockets",
                "all back after a restart",
                back,
                "",
                "",
                fmt(ref["restart"]["reconnect_s"], " s"),
                fmt(r["reconnect_ratio"], "x"),
                check,
                run,
            ],
        ]
    if name == "chat_traffic":
        k, ref = r["keerpunt"], r["reference"]
        if r.get("unexpected_closes"):
            check += f" ({r['unexpected_closes']:,} sockets closed by the server)"
        p99 = k["latency_ms"]["p99"]
        load = f"{r['sockets']:,} sockets, {r['rate']:g} msg/s"
        return [
            [
                "chat traffic",
                f"p99 delivery ({load})",
                fmt(p99, " ms"),
                f"<= {GOAL_P99_MS:g} ms",
                yes(None if p99 is None else p99 <= GOAL_P99_MS),
                fmt(ref["latency_ms"]["p99"], " ms"),
                fmt(harness.ratio(p99, ref["latency_ms"]["p99"]), "x"),
                check,
                run,
            ],
            [
                "chat traffic",
                "p50 / p99.9 delivery",
                f"{fmt(k['latency_ms']['p50'])} / {fmt(k['latency_ms']['p99_9'], ' ms')}",
                "",
                "",
                f"{fmt(ref['latency_ms']['p50'])} / {fmt(ref['latency_ms']['p99_9'], ' ms')}",
                "",
                check,
                run,
            ],
            [
                "chat traffic",
                "server CPU per delivered message",
                fmt(k["server_cpu_us_per_message"], " us"),
                f"<= {GOAL_CPU_RATIO:g}x reference",
                yes(None if r["cpu_ratio"] is None else r["cpu_ratio"] <= GOAL_CPU_RATIO),
                fmt(ref["server_cpu_us_per_message"], " us"),
                fmt(r["cpu_ratio"], "x") + spread(r.get("cpu_ratio_windows")),
                check,
                run,
            ],
        ]
    if name == "durable_writes":
        out = []
        for backend in DURABLE_BACKENDS:
            if backend not in r:
                continue
            b = r[backend]
            what = "fsyncs/s" if backend == "sqlite" else "commits/s"
            # One process of a cluster, limits counted in Redis: what an operator sizes
            # a cluster by; the goal is the embedded and the PostgreSQL set-up's.
            cluster = backend == "postgresql+redis"
            figure = (
                f"acked msg/s, one process on postgresql + redis, limits counted"
                f" ({r['senders']} senders; {fmt(b.get('server_cpu_us_per_message'), ' us')}"
                " CPU a message)"
                if cluster
                else f"acked msg/s, {backend} ({r['senders']} senders)"
            )
            out.append(
                [
                    "durable writes",
                    figure,
                    fmt(b["acked_per_s"]),
                    "none (cluster sizing)" if cluster else f">= {GOAL_DURABLE:,.0f}",
                    "-" if cluster else yes(b["acked_per_s"] >= GOAL_DURABLE),
                    f"{fmt(b['limit']['per_s'])} {what}",
                    fmt(b["ratio_to_limit"], "x"),
                    f"{b['lost']} / {b['doubled']}",
                    "rejected: " + str(b["generator"]["reason"])
                    if b["generator"]["rejected"]
                    else "ok",
                ]
            )
        return out
    return []


HEADER = [
    "benchmark",
    "figure",
    "measured",
    "goal",
    "reached",
    "reference",
    "ratio",
    "lost / doubled",
    "run",
]


def markdown(table: list[list[str]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in table]
    return "\n".join(lines)


def plain(table: list[list[str]]) -> str:
    every = [HEADER, *table]
    widths = [max(len(row[i]) for row in every) for i in range(len(HEADER))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in every
    )


def machine_line(m: dict[str, Any]) -> str:
    return (
        f"{m.get('cpu_model')}, {m.get('cores')} cores, {m.get('ram_gib')} GiB RAM,"
        f" Linux {m.get('kernel')}, Python {m.get('python')}, open-file limit"
        f" {m.get('fd_limit')}, load before {m.get('load_before')}, commit"
        f" {m.get('git_commit')}{' (with changes)' if m.get('git_dirty') else ''}"
    )


def update_doc(table: list[list[str]], results: dict[str, dict[str, Any]], mode: str) -> None:
    text = DOC.read_text()
    if START not in text or END not in text:
        raise SystemExit(f"{DOC} lacks the markers {START} and {END}")
    first = next(iter(results.values()))
    runs = ", ".join(
        f"{name} {str(r.get('timestamp_utc', '?'))[:16].replace('T', ' ')} UTC"
        f" ({r.get('suite_s', '?')} s)"
        for name, r in results.items()
    )
    command = "python bench/suite.py" + (" --long" if mode == "long" else "")
    block = "\n".join(
        [
            START,
            f"Last runs (`{command}`): {runs}.",
            f"Machine: {machine_line(first['machine'])}.",
            "",
            markdown(table),
            END,
        ]
    )
    before, _, rest = text.partition(START)
    _, _, after = rest.partition(END)
    DOC.write_text(before + block + after)


def run_one(name: str, mode: str, output: Path) -> dict[str, Any] | None:
    command = [sys.executable, str(BENCH / f"{name}.py"), *ARGS[name][mode]]
    command += ["--output", str(output)]
    harness.log(f"== {name}: {' '.join(command[1:])}")
    started = time.monotonic()
    done = subprocess.run(command, check=False)  # noqa: S603
    took = round(time.monotonic() - started, 1)
    if done.returncode != 0:
        harness.log(f"== {name} failed (exit {done.returncode}) after {took} s")
        return None
    result: dict[str, Any] = json.loads(output.read_text())
    result["suite_s"] = took
    output.write_text(json.dumps(result, indent=2) + "\n")
    harness.log(f"== {name} done in {took} s")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The benchmark suite.")
    parser.add_argument("--only", nargs="+", choices=NAMES, help="run only these")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--long", action="store_true", help="longer runs, the full target")
    size.add_argument("--quick", action="store_true", help="tiny runs: does it all work?")
    parser.add_argument("--no-docs", action="store_true", help="leave docs/performance.md")
    args = parser.parse_args(argv)
    mode = "long" if args.long else "quick" if args.quick else "default"
    # A quick run proves nothing about speed: its results stay out of bench/results/.
    folder = Path(tempfile.mkdtemp(prefix="keerpunt-suite-")) if args.quick else harness.RESULTS
    started = time.monotonic()
    results: dict[str, dict[str, Any]] = {}
    failed = []
    for name in args.only or NAMES:
        result = run_one(name, mode, folder / f"{name}.json")
        if result is None:
            failed.append(name)
        else:
            results[name] = result
    table = [row for name, result in results.items() for row in rows(name, result)]
    print(plain(table))
    print(f"suite took {time.monotonic() - started:.0f} s")
    if args.quick:
        shutil.rmtree(folder, ignore_errors=True)
    elif results and not args.no_docs:
        # The table shows the latest result of every benchmark, this run's or an earlier.
        latest = {}
        for name in NAMES:
            path = harness.RESULTS / f"{name}.json"
            if path.exists():
                latest[name] = json.loads(path.read_text())
        table = [row for name, result in latest.items() for row in rows(name, result)]
        update_doc(table, latest, mode)
        print(f"table written to {DOC}")
    if failed:
        print(f"failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
