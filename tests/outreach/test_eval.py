"""`make eval` in CI: the scorer on the labelled gold set must not fall below the committed
baseline for precision at 50."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from keerpunt.outreach.evaluation import evaluate, load_gold
from keerpunt.outreach.matching import Matcher, starter_terms

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "eval" / "outreach" / "gold.jsonl"
BASELINE = ROOT / "eval" / "outreach" / "baseline.json"
SCRIPT = ROOT / "scripts" / "outreach_eval.py"


def test_the_gold_set_is_big_enough_and_labelled() -> None:
    posts = load_gold(GOLD)
    assert len(posts) >= 300
    assert sum(p.label for p in posts) >= 80
    assert all(p.note for p in posts)


def test_precision_at_50_holds_the_baseline(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--json", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "precision@50" in run.stdout
    result = json.loads(out.read_text("utf-8"))
    for key in ("precision_at_50", "precision_at_200", "recall", "f1", "threshold"):
        assert key in result
    assert "accuracy" not in result
    baseline = json.loads(BASELINE.read_text("utf-8"))
    assert result["precision_at_50"] >= baseline["precision_at_50"]


def test_the_script_fails_below_the_baseline(tmp_path: Path) -> None:
    higher = tmp_path / "baseline.json"
    higher.write_text(json.dumps({"precision_at_50": 1.01}), "utf-8")
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--baseline", str(higher), "--json", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1
    assert "below the baseline" in run.stderr


def test_the_script_says_what_is_wrong_with_a_broken_gold_file(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": "a", "text": "x", "label": 3, "note": ""}\n', "utf-8")
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--gold", str(gold), "--json", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert "label must be 0 or 1" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_scorer_that_ranks_well_scores_well() -> None:
    posts = load_gold(GOLD)
    report = evaluate(posts, Matcher(starter_terms(), version=1))
    assert report.posts == len(posts)
    assert report.precision_at_50 > 0.9
    assert 0 < report.recall <= 1
