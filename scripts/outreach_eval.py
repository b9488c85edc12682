"""`make eval`: the outreach scorer on the labelled gold set, against the committed baseline.

Scans `eval/outreach/gold.jsonl` with the shipped starter watchlist, ranks by score, prints
precision@50, precision@200, and precision, recall and F1 at the alert threshold, writes
them as JSON, and exits 1 when precision@50 falls below `eval/outreach/baseline.json`.

    python scripts/outreach_eval.py [--gold PATH] [--baseline PATH] [--json PATH]
                                    [--update-baseline] [--show-errors]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from keerpunt.core.errors import DomainError
from keerpunt.outreach.evaluation import compare, evaluate, load_gold
from keerpunt.outreach.matching import Matcher, starter_terms

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "eval" / "outreach" / "gold.jsonl"
BASELINE = ROOT / "eval" / "outreach" / "baseline.json"
RESULT = ROOT / "eval" / "outreach" / "result.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--gold", type=Path, default=GOLD)
    parser.add_argument("--baseline", type=Path, default=BASELINE)
    parser.add_argument("--json", type=Path, default=RESULT, help="where to write the figures")
    parser.add_argument(
        "--update-baseline",
        action="store_true",
        help="make this run's precision@50 the new baseline (after a reviewed improvement)",
    )
    parser.add_argument("--show-errors", action="store_true", help="list misses and false alarms")
    args = parser.parse_args(argv)

    try:
        posts = load_gold(args.gold)
        report = evaluate(posts, Matcher(starter_terms(), version=1))
        baseline = json.loads(args.baseline.read_text("utf-8")) if args.baseline.exists() else {}
    except (OSError, ValueError, DomainError) as e:
        print(f"outreach eval: {e}", file=sys.stderr)
        return 2

    print(
        f"outreach eval: {report.posts} posts, {report.positives} positive, "
        f"scorer {report.scorer_version}, threshold {report.threshold}"
    )
    print(f"  precision@50   {report.precision_at_50:.3f}")
    print(f"  precision@200  {report.precision_at_200:.3f}")
    print(
        f"  at threshold   precision {report.precision:.3f}  recall {report.recall:.3f}  "
        f"F1 {report.f1:.3f}  ({report.alerts} alerts)"
    )
    if args.show_errors:
        for r in report.missed:
            print(f"  missed       {r.score:5.2f} {r.id} ({r.note})")
        for r in report.false_alarms:
            print(f"  false alarm  {r.score:5.2f} {r.id} ({r.note})")

    result = report.as_json()
    result["baseline"] = baseline
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", "utf-8")

    if args.update_baseline:
        new = {
            "precision_at_50": report.precision_at_50,
            "precision_at_200": report.precision_at_200,
            "recall": report.recall,
            "f1": report.f1,
            "scorer_version": report.scorer_version,
        }
        args.baseline.write_text(json.dumps(new, indent=2) + "\n", "utf-8")
        print(f"  baseline updated: precision@50 {report.precision_at_50:.3f}")
        return 0
    if not baseline:
        print(f"outreach eval: no baseline at {args.baseline}", file=sys.stderr)
        return 2
    problems = compare(report, baseline)
    for problem in problems:
        print(f"outreach eval: FAIL: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
