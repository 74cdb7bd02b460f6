"""Benchmark the HTML report: rendering it against the markdown report of the same run, and reading 30 nights
of history for its availability charts.

Run by hand: `.venv/bin/python bench/bench_html.py [--reps 7] [--nights 30]`. It renders the golden 200-claim
report (tests/golden/report-200.json) as markdown and as html, then records it `nights` times, a night apart, in
a fresh history database and times availability.collect() over it. It prints medians and the html/markdown ratio.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from civicheck.availability import collect
from civicheck.history import HistoryStore
from civicheck.render import render

GOLDEN = Path(__file__).resolve().parents[1] / "tests" / "golden" / "report-200.json"


def median_seconds(fn, reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--nights", type=int, default=30)
    args = parser.parse_args()
    report = json.loads(GOLDEN.read_text(encoding="utf-8"))
    report["started_at"] = "2026-11-28T02:00:00Z"  # the golden file writes "<time>" for every time
    for claim in report["claims"]:
        for check in claim["checks"]:
            check["evidence"]["fetched_at"] = report["started_at"]
    render(report, "html")  # the template is compiled once per process: not part of a run's cost
    md = median_seconds(lambda: render(report, "markdown"), args.reps)
    html = median_seconds(lambda: render(report, "html"), args.reps)
    size_md, size_html = len(render(report, "markdown").encode()), len(render(report, "html").encode())
    print(
        f"200 claims: markdown {md * 1000:.1f} ms ({size_md // 1024} KiB), html {html * 1000:.1f} ms "
        f"({size_html // 1024} KiB); html/markdown {html / md:.2f}x"
    )
    with tempfile.TemporaryDirectory() as tmp:
        with HistoryStore(Path(tmp) / "history.sqlite") as store:
            end = datetime.fromisoformat(report["started_at"].replace("Z", "+00:00"))
            for night in range(args.nights, 0, -1):
                past = copy.deepcopy(report)
                past["started_at"] = (end - timedelta(days=night)).strftime("%Y-%m-%dT%H:%M:%SZ")
                for claim in past["claims"]:
                    for check in claim["checks"]:
                        check["evidence"]["fetched_at"] = past["started_at"]
                store.record_run(past)
            seconds = median_seconds(lambda: collect(report, store), args.reps)
            charts, _ = collect(report, store)
            with_charts = median_seconds(lambda: render(report, "html", charts=charts), args.reps)
    print(
        f"availability from {args.nights} nights of history: {seconds * 1000:.1f} ms for {len(charts)} charts;"
        f" html with them {with_charts * 1000:.1f} ms ({with_charts / md:.2f}x markdown)"
    )


if __name__ == "__main__":
    main()
