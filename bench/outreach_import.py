"""Import benchmark: memory and speed of reading a big Telegram Desktop export.

Writes a synthetic full-account export (`chats.list` and `left_chats.list`, one chat far
bigger than the rest, messages of every tdesktop generation: `text` as a string or a list
of runs, with and without `text_entities`, reactions, service and unsupported entries) to
a temporary file, streaming it out so the bench itself stays small. Then a child process
reads it with `read_export` and nothing else, and the figures are the child's peak RSS
(`resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`) and MB/s. The goal is a 1 GB export in
under 500 MB of memory.

    python bench/outreach_import.py                 # 1 GB (1024 MB)
    python bench/outreach_import.py --size-mb 50    # a smoke run

The figures go to bench/results/outreach_import.json (other sizes to
outreach_import-<size>mb.json).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

RESULTS = Path(__file__).parent / "results"
MB = 1024 * 1024

SAMPLE = (
    "wie wil er snel geld verdienen klusje vandaag alleen serieus bericht sturen bijbaan "
    "ophalen brengen woning opslag haven rotterdam amsterdam jongens meiden 16+ 18+ per dag "
    "contant cash betaald werk direct info dm privé bellen app snap later morgen nu vrij "
    "hoeveel betaalt dat wat moet je doen dan ik doe mee zeker weten regel het even oké"
)
WORDS = SAMPLE.split()
EMOJI = ["💸", "🔥", "😅", "🏠", "📦", "💰", "🤑", "👍"]


def message(rng: random.Random, chat_id: int, msg_id: int, unix: int) -> dict[str, Any]:
    """One entry, shaped like the tdesktop generation `msg_id` falls in."""
    kind = rng.random()
    if kind < 0.03:
        return {"id": msg_id, "type": "unsupported"}
    date = datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if kind < 0.08:
        return {
            "id": msg_id,
            "type": "service",
            "date": date,
            "date_unixtime": str(unix),
            "actor": "Iemand",
            "actor_id": f"user{rng.randrange(10**6, 10**7)}",
            "action": "join_group_by_link",
            "text": "",
            "text_entities": [],
        }
    words = rng.choices(WORDS, k=rng.randrange(4, 60))
    body = " ".join(words) + " " + rng.choice(EMOJI)
    entry: dict[str, Any] = {"id": msg_id, "type": "message", "date": date}
    generation = rng.random()
    if generation < 0.15:
        # Before tdesktop 2.7.2: a bare integer sender, no unixtime, no text_entities.
        entry["from"] = "Iemand"
        entry["from_id"] = rng.randrange(10**6, 10**7)
        entry["text"] = body
        return entry
    entry["date_unixtime"] = str(unix)
    entry["from"] = "Iemand"
    entry["from_id"] = f"user{rng.randrange(10**6, 10**7)}"
    if generation < 0.5:
        entry["text"] = body
        entry["text_entities"] = [{"type": "plain", "text": body}]
        return entry
    handle = f"@account_{rng.randrange(1000)}"
    runs: list[Any] = [{"type": "bold", "text": words[0]}, " " + body + " DM ", handle]
    entry["text"] = [runs[0], runs[1], {"type": "mention", "text": handle}]
    entry["text_entities"] = [
        {"type": "bold", "text": words[0]},
        {"type": "plain", "text": " " + body + " DM "},
        {"type": "mention", "text": handle},
    ]
    if generation > 0.8:
        entry["reactions"] = [
            {
                "type": "emoji",
                "count": rng.randrange(1, 40),
                "emoji": rng.choice(EMOJI),
                "recent": [{"from": "Iemand", "from_id": "user1234567", "date": date}],
            }
        ]
    return entry


def write_chat(out: TextIO, rng: random.Random, chat: dict[str, Any], size: int) -> int:
    """One dialog of about `size` bytes; the bytes written."""
    head = json.dumps({k: chat[k] for k in ("name", "type", "id")}, ensure_ascii=False)
    written = out.write(head[:-1] + ', "messages": [\n')
    msg_id, unix = 1, 1_600_000_000
    batch: list[str] = []
    first = True
    while written < size:
        batch.append(json.dumps(message(rng, chat["id"], msg_id, unix), ensure_ascii=False))
        msg_id += 1
        unix += rng.randrange(1, 600)
        if len(batch) == 2000:
            chunk = ",\n".join(batch)
            written += out.write(chunk if first else ",\n" + chunk)
            first, batch = False, []
    if batch:
        chunk = ",\n".join(batch)
        written += out.write(chunk if first else ",\n" + chunk)
    return written + out.write("\n]}")


def write_export(path: Path, size: int, seed: int = 7) -> None:
    """A full export of about `size` bytes: 60% in one public supergroup, the rest spread
    over channels, private chats and left chats."""
    rng = random.Random(seed)
    chats = [
        ({"name": "Grote groep", "type": "public_supergroup", "id": 1_900_000_000}, 0.60),
        ({"name": "Kanaal A", "type": "public_channel", "id": 1_900_000_001}, 0.10),
        ({"name": "Collega", "type": "personal_chat", "id": 5_550_001}, 0.05),
        ({"name": "Kanaal B", "type": "public_channel", "id": 1_900_000_002}, 0.10),
        ({"name": "Oude groep", "type": "private_group", "id": 400_000_001}, 0.05),
    ]
    left = [({"name": "Verlaten groep", "type": "public_supergroup", "id": 1_900_000_003}, 0.10)]
    with path.open("w", encoding="utf-8", buffering=4 * MB) as out:
        out.write('{\n "about": "Here is the data you requested.",\n')
        out.write(' "personal_information": {"user_id": 5550000, "first_name": "Bench"},\n')
        for section, members in (("chats", chats), ("left_chats", left)):
            out.write(f' "{section}": {{"about": "synthetic", "list": [\n')
            for i, (chat, share) in enumerate(members):
                if i:
                    out.write(",\n")
                write_chat(out, rng, chat, int(size * share))
            out.write("\n]}" + (",\n" if section == "chats" else "\n"))
        out.write("}\n")


def read_in_child(path: Path) -> dict[str, Any]:
    """Run in the child: read the export, say what was read and how fast."""
    import ijson

    from keerpunt.outreach.telegram_export import ReadCounts, read_export

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    counts = ReadCounts()
    characters = 0
    started = time.perf_counter()
    for _, post in read_export(path, counts):
        characters += len(post.text)
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "mb_per_s": round(counts.bytes / MB / seconds, 1),
        "ijson_backend": ijson.backend,
        "rss_after_imports_mb": round(before / 1024, 1),
        "posts": counts.messages,
        "service": counts.service,
        "unsupported": counts.unsupported,
        "chats": counts.chats,
        "tz_uncertain": counts.tz_uncertain,
        "text_characters": characters,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(read_in_child(args.child)))
        return

    with tempfile.TemporaryDirectory(prefix="keerpunt-bench-") as folder:
        path = Path(folder) / "result.json"
        started = time.perf_counter()
        write_export(path, args.size_mb * MB)
        generated = time.perf_counter() - started
        size = path.stat().st_size
        print(f"wrote {size / MB:.0f} MB in {generated:.0f} s; reading it in a child process")
        child = subprocess.run(  # noqa: S603 (this very script, on the file it just wrote)
            [sys.executable, __file__, "--child", str(path)],
            check=True,
            capture_output=True,
            text=True,
        )
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    read = json.loads(child.stdout)
    result = {
        "benchmark": "outreach_import",
        "timestamp_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "goal_peak_rss_mb": 500,
        "file_mb": round(size / MB, 1),
        "generate_s": round(generated, 1),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        **read,
    }
    result["within_goal"] = result["peak_rss_mb"] < 500
    name = (
        "outreach_import.json" if args.size_mb == 1024 else f"outreach_import-{args.size_mb}mb.json"
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / name).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
