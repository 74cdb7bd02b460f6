"""Benchmark of publication dates on real news pages with dates a human read off the page: how often a date is
given (decided%), and how often the one given is wrong (wrong% of decided), for htmldate alone and for
civicheck's `published` (the page's own declarations weighed against htmldate, conflicts left undecided).

Run by hand: `.venv/bin/python bench/bench_dates.py [--corpus DIR] [--details]`. Not a test.

Labels: idnews/ground-truth.json gives each Indonesian article's date (epoch ms, read here as the day in
Jakarta, UTC+7); bench/date_labels.json gives the aeb pages' dates as a person read them from the page's
visible text ("page"), or, where the page shows none, from its address ("url"); "updated" marks pages that show
only a last-updated date, reported apart. A date one day off is counted apart too ("a time zone away"): a page
published near midnight carries different days in different time zones, and the `published` check itself
treats dates within a day as one (it is unknown when its window's edge falls between them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_match import DEFAULT_CORPUS  # noqa: E402

from civicheck.extract import extract  # noqa: E402
from civicheck.fetch import FetchResult  # noqa: E402

LABELS = Path(__file__).with_name("date_labels.json")
JAKARTA = dt.timezone(dt.timedelta(hours=7))


@dataclass
class Case:
    name: str
    url: str
    html: bytes
    date: str  # the human's date
    how: str  # "page", "url", "updated", "ground truth"


def load(corpus: Path) -> tuple[list[Case], int]:
    """The labelled cases, and how many pages were labelled "no date shown" (left out)."""
    cases, undated = [], 0
    labels = json.loads(LABELS.read_text(encoding="utf-8"))
    aeb = corpus / "aeb"
    truth = (
        json.loads((aeb / "ground-truth.json").read_text()) if (aeb / "ground-truth.json").exists() else {}
    )
    for key, item in sorted(truth.items()):
        label = labels.get(f"aeb/{key[:12]}")
        if label is None:
            continue
        if not label["date"]:
            undated += 1
            continue
        html = gzip.decompress((aeb / "html" / f"{key}.html.gz").read_bytes())
        cases.append(Case(f"aeb/{key[:12]}", item["url"], html, label["date"], label["how"]))
    idnews = corpus / "idnews"
    if (idnews / "ground-truth.json").exists():
        for item in json.loads((idnews / "ground-truth.json").read_text()):
            if item.get("date"):
                day = dt.datetime.fromtimestamp(item["date"] / 1000, JAKARTA).date().isoformat()
                cases.append(
                    Case(
                        f"idnews/{item['file']}",
                        item["url"],
                        (idnews / item["file"]).read_bytes(),
                        day,
                        "ground truth",
                    )
                )
    return cases, undated


def htmldate_alone(html: str, url: str) -> str | None:
    """What the `published` check read before issue 11: htmldate, metadata first, then the text."""
    from htmldate import find_date

    for extensive in (False, True):
        try:
            found = find_date(html, url=url, original_date=True, extensive_search=extensive)
        except Exception:  # noqa: BLE001
            found = None
        if found and not (extensive and found.endswith("-01-01")):
            return found
    return None


def grade(given: str | None, truth: str) -> str:
    if given is None:
        return "undecided"
    days = abs((dt.date.fromisoformat(given) - dt.date.fromisoformat(truth)).days)
    return "right" if days == 0 else "a day off" if days == 1 else "wrong"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--details", action="store_true", help="show every case that is not right")
    args = ap.parse_args()
    if not (args.corpus / "aeb").is_dir():
        print(f"corpus not found at {args.corpus}: nothing to benchmark (use --corpus)")
        return 0
    cases, undated = load(args.corpus.resolve())
    results: dict[str, dict[str, Counter]] = {"htmldate alone": {}, "civicheck published": {}}
    took = Counter()
    sources: Counter = Counter()  # what decided each civicheck date
    shown = []
    for case in cases:
        result = FetchResult(
            url=case.url,
            final_url=case.url,
            status=200,
            reason="OK",
            error=None,
            detail="",
            fetched_at="2026-01-01T00:00:00Z",
            headers=[("Content-Type", "text/html")],
            body=case.html,
        )
        t0 = time.perf_counter()
        old = htmldate_alone(case.html.decode("utf-8", "replace"), case.url)
        took["htmldate alone"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        doc = extract(result)
        took["civicheck extraction (all of it)"] += time.perf_counter() - t0
        new = doc.meta.get("published")
        source = doc.publication.source or ("conflict" if doc.publication.conflict else "none")
        sources[source.split(" (")[0].split("'")[0].strip()] += 1
        for name, given in (("htmldate alone", old), ("civicheck published", new)):
            for group in ("all", case.how):
                results[name].setdefault(group, Counter())[grade(given, case.date)] += 1
        if args.details and (grade(new, case.date) != "right" or grade(old, case.date) != "right"):
            shown.append(
                f"{case.name} [{case.how}] truth {case.date}: htmldate {old}, civicheck {new} "
                f"({doc.publication.source or doc.publication.conflict}; declared: "
                + ", ".join(f"{d.source} {d.date}" for d in doc.publication.declared)
                + ")"
            )
    print(
        f"{len(cases)} labelled pages ({sum(c.how == 'ground truth' for c in cases)} idnews ground truth, "
        f"{sum(c.how == 'page' for c in cases)} read off the page, {sum(c.how == 'url' for c in cases)} from the "
        f"address, {sum(c.how == 'updated' for c in cases)} showing only an update date); {undated} pages show "
        "no date and are left out"
    )
    for name, groups in results.items():
        for group in ("all", "ground truth", "page", "url", "updated"):
            c = groups.get(group)
            if not c:
                continue
            total = sum(c.values())
            decided = total - c["undecided"]
            print(
                f"{name:20s} {group:13s} decided {decided}/{total} = {100 * decided / total:5.1f}%   "
                f"wrong (2+ days) {c['wrong']}/{decided} = {100 * c['wrong'] / max(1, decided):4.1f}%   "
                f"a day off {c['a day off']}/{decided} = {100 * c['a day off'] / max(1, decided):4.1f}%"
            )
    print("what gave civicheck's date: " + ", ".join(f"{n} {src}" for src, n in sources.most_common()))
    for name, seconds in took.items():
        print(f"time: {name} {1000 * seconds / max(1, len(cases)):.1f} ms a page")
    for line in shown:
        print(" ", line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
