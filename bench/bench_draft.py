"""`civicheck draft` measured the way its issue is judged: real corpus pages served on 127.0.0.1, drafted through
the command line, compared with hand labels, then verified against the same pages.

Reports, over the hand-labelled articles (bench/draft_labels.json: 171 quotations in 45 articles, 4 of them
held out: labelled after the rules were written and never used to tune them, reported apart too):
- quote recall: labelled quotations drafted with the right text (first and last words as labelled);
- quote precision: drafted quotations that are labelled ones;
- speaker accuracy on quotations whose sentence names the speaker, and how often said_by is wrong at all;
- verify support: drafted quote and number claims that `civicheck verify` supports against the same pages.
With --all, the verify-support rate and the time per article over every page of the corpus as well.

Run by hand: `.venv/bin/python bench/bench_draft.py [--corpus DIR] [--all] [--misses]`. Skips when the corpus
is absent. No network: site and audit claims (which cite other sites) are left out of the verify run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml
from bench_judge import serve
from bench_match import load_pages

from civicheck.match import tokens

# The bench's sites are on 127.0.0.1, which civicheck refuses by default (issue 9): opt in, as the tests do.
os.environ.setdefault("CIVICHECK_ALLOW_PRIVATE", "1")

CIVICHECK = str(Path(sys.executable).with_name("civicheck"))
LABELS = Path(__file__).with_name("draft_labels.json")
CORPORA = [Path(__file__).resolve().parents[1] / "../shared/corpus", Path("/work/shared/corpus")]


def draft_all(urls: dict[str, str], folder: Path) -> tuple[dict[str, list[dict]], float]:
    """Draft each page through the CLI: page name -> its drafted claims; and the seconds it took."""
    drafted: dict[str, list[dict]] = {}
    start = time.perf_counter()
    for i, (name, url) in enumerate(urls.items()):
        out = folder / f"draft-{i}.yaml"
        done = subprocess.run(
            [CIVICHECK, "draft", url, "-o", str(out), "--no-canary", "--no-warc", "-q"],
            capture_output=True,
            text=True,
            cwd=folder,
        )
        if done.returncode != 0:
            print(f"  draft failed for {name}: {done.stderr.strip()[:200]}")
            drafted[name] = []
            continue
        drafted[name] = yaml.safe_load(out.read_text(encoding="utf-8"))["claims"]
    return drafted, time.perf_counter() - start


def verify_support(drafted: dict[str, list[dict]], folder: Path) -> tuple[Counter, list[str]]:
    """Verify the drafted quote, number and article claims against the served pages: counts per kind and
    verdict, and the claims not supported."""
    kept = []
    for i, claims in enumerate(drafted.values()):
        # Each article's ids are unique in its own file; joined into one run they need the article's number.
        kept += [
            {**c, "id": f"a{i}-{c['id']}"}
            for c in claims
            if set(c.get("tags", [])) & {"quote", "number", "article"}
        ]
    path = folder / "verify.yaml"
    path.write_text(yaml.safe_dump({"claims": kept}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    done = subprocess.run(
        [
            CIVICHECK,
            "verify",
            str(path),
            "--format",
            "json",
            "--no-canary",
            "--no-history",
            "--no-warc",
            "-q",
        ],
        capture_output=True,
        text=True,
        cwd=folder,
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"verify failed: {done.stderr[:500]}")
    counts: Counter = Counter()
    failed = []
    kinds = {c["id"]: next(t for t in c["tags"] if t != "draft") for c in kept}
    for claim in json.loads(done.stdout)["claims"]:
        counts[(kinds[claim["id"]], claim["verdict"])] += 1
        if claim["verdict"] != "supported":
            failed.append(
                f"{claim['id']}: {claim['verdict']}: {claim['checks'][claim['deciding']]['reason'][:120]}"
            )
    return counts, failed


def quote_scores(
    drafted: dict[str, list[dict]], labels: dict[str, list[dict]], misses: bool, title: str = ""
) -> None:
    found = total = named = named_right = given = wrong = carried = carried_right = drafted_quotes = 0
    for name, wanted in labels.items():
        quotes = [
            c for c in drafted.get(name, []) if "quote" in c.get("tags", []) and c["id"].startswith("quote")
        ]
        drafted_quotes += len(quotes)
        used = set()
        for label in wanted:
            total += 1
            start, end = tokens(label["start"]), tokens(label["end"])
            match = next(
                (
                    i
                    for i, c in enumerate(quotes)
                    for check in c["checks"]
                    if (t := tokens(check["quote"]["text"]))[: len(start)] == start and t[-len(end) :] == end
                ),
                None,
            )
            if match is None:
                if misses:
                    print(f"  missed {name}: {label['start']} … {label['end']}")
                continue
            found += 1
            used.add(match)
            said_by = quotes[match].get("said_by")
            right = bool(said_by) and any(set(tokens(a)) <= set(tokens(said_by)) for a in label["speaker"])
            if label["attribution"] == "named":
                named += 1
                named_right += right
            else:
                carried += 1
                carried_right += right
            if said_by:
                given += 1
                wrong += not right
                if misses and not right:
                    print(f"  wrong speaker {name}: {said_by!r}, labelled {label['speaker']}")
            elif misses and label["attribution"] == "named":
                print(f"  no speaker {name}: labelled {label['speaker']} for {label['start']} …")
    if title:
        print(title)
    print(
        f"quote recall:     {found}/{total} = {100 * found / max(1, total):.1f}% (right text, first and last words)"
    )
    print(f"quote precision:  {found}/{drafted_quotes} = {100 * found / max(1, drafted_quotes):.1f}%")
    print(
        f"speaker, named in the sentence: {named_right}/{named} = {100 * named_right / max(1, named):.1f}% right"
    )
    print(
        f"speaker, by pronoun or carried on: {carried_right}/{carried} = {100 * carried_right / max(1, carried):.1f}% "
        f"right (the rest left out, or wrong as counted below)"
    )
    print(f"said_by wrong when given: {wrong}/{given} = {100 * wrong / max(1, given):.1f}%")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=next((c for c in CORPORA if c.exists()), CORPORA[0]))
    parser.add_argument("--all", action="store_true", help="also draft and verify every page of the corpus")
    parser.add_argument("--misses", action="store_true", help="list missed quotations and wrong speakers")
    args = parser.parse_args()
    pages = {page.name: page for page in load_pages(args.corpus)}
    if not pages:
        print(f"no corpus at {args.corpus}; nothing to measure")
        return 0
    labels = json.loads(LABELS.read_text(encoding="utf-8"))["articles"]
    chosen = sorted(pages) if args.all else sorted(labels)
    bodies = {f"/p/{i}.html": pages[name].html for i, name in enumerate(chosen)}
    server = serve(bodies)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    urls = {name: f"{base}/p/{i}.html" for i, name in enumerate(chosen)}
    with tempfile.TemporaryDirectory() as tmp:
        drafted, seconds = draft_all(urls, Path(tmp))
        print(
            f"{len(urls)} articles drafted through `civicheck draft` in {seconds:.1f} s "
            f"({1000 * seconds / len(urls):.0f} ms an article, a process start included)"
        )
        held_out = set(json.loads(LABELS.read_text(encoding="utf-8")).get("held_out", []))
        quote_scores(drafted, labels, args.misses, f"all {len(labels)} labelled articles:")
        quote_scores(
            drafted,
            {n: q for n, q in labels.items() if n in held_out},
            False,
            f"the {len(held_out)} held-out articles (labelled after the rules were written, never tuned on):",
        )
        counts, failed = verify_support({n: drafted[n] for n in (chosen if args.all else labels)}, Path(tmp))
    for kind in ("quote", "number", "article"):
        total = sum(v for (k, _), v in counts.items() if k == kind)
        print(
            f"verify supports {kind} claims: {counts[(kind, 'supported')]}/{total}"
            f" = {100 * counts[(kind, 'supported')] / max(1, total):.1f}%"
        )
    for line in failed[:20]:
        print("  not supported:", line)
    kinds = Counter(next(t for t in c["tags"] if t != "draft") for claims in drafted.values() for c in claims)
    print(f"claims drafted per kind: {dict(kinds)}")
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
