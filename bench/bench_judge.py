"""End to end, the way the matching issue is judged: real corpus pages served on 127.0.0.1, claims built
from their ground truth (real sentences, variants, elisions, phrases, and altered copies), all run through
`civicheck verify --format json`. Reports the share of real quotes/phrases supported and altered ones refuted.

Run by hand: .venv/bin/python bench/bench_judge.py [--per-page 3] [--seed 1]. Uses bench_match.py's claim
generator; skips when the corpus is absent. Where bench_match.py tests the matcher on extracted passages,
this also exercises fetching, charset decoding, extraction, the soft-404/bot-wall assessment and the JSON.
"""

from __future__ import annotations

import argparse
import html as html_lib
import json
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml
from bench_match import DEFAULT_CORPUS, far_apart, fetch_result, load_pages, make_cases, squash

from civicheck.extract import extract

CIVICHECK = str(Path(sys.executable).with_name("civicheck"))


def serve(bodies: dict[str, bytes]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = bodies.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "text/html")  # no charset: civicheck must find it itself
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def with_paragraph(html: bytes, after: str, text: str) -> bytes | None:
    """The page with a paragraph holding `text` inserted after the </p> that closes the sentence `after`
    (the elision pattern: an exact copy of a quote's last part further on, about something else); None when
    the sentence cannot be found in the markup."""
    page = html.decode("utf-8", "replace")
    words = after.split()[-4:]
    gap = r"(?:\s|<[^>]*>|&[#a-z0-9]+;)*"
    found = re.search(gap.join(re.escape(html_lib.escape(w, quote=False)) for w in words), page)
    if found is None:
        found = re.search(gap.join(re.escape(w) for w in words), page)
    if found is None:
        return None
    close = page.lower().find("</p>", found.end())
    if close < 0 or close - found.end() > 3000:
        return None
    at = close + len("</p>")
    return (page[:at] + f"<p>{html_lib.escape(text)}</p>" + page[at:]).encode("utf-8")


def check_of(case, url: str) -> dict:
    if (
        case.kind.startswith(
            ("quote", "altered:number", "altered:name", "altered:negation", "altered:elided")
        )
        and "phrase" not in case.kind
    ):
        return {"quote": {"url": url, "text": case.claim, "scope": case.scope}}
    spec = {"url": url, "all": case.extra.get("all", [case.claim])}
    if "any" in case.extra:
        spec = {"url": url, "any": case.extra["any"]}
    if case.extra.get("near"):
        spec["near"] = case.extra["near"]
    if case.extra.get("stem"):
        spec["match"] = "stem"
    return {"contains": spec}


def hit_disagrees(hit: dict, doc) -> str | None:
    """Why a reported hit's location does not name where its excerpt stands, judged like the hidden test:
    the page re-extracted, the paragraph (or block) the location names must hold the hit's words; the old
    wording "on the page outside the article body" names no place, and counts against."""
    from bench_match import _LABEL

    location, words = hit["location"], squash(hit["text"])
    if "in in" in location or location.startswith("on the page"):
        return f"{location!r}: names no place"
    m = _LABEL.match(location)
    if not m:
        return f"unknown location {location!r}"
    if m[1]:
        first, last = int(m[1]), int(m[2] or m[1])
        held = squash(
            " ".join(doc.article_paragraphs[first - 1 : last])
            + (doc.page_blocks[int(m[3]) - 1] if m[3] else "")
        )
        return None if words in held else f"{location!r} does not hold the hit's words"
    if m[4]:
        first, last = int(m[4]), int(m[5] or m[4])
        held = squash(" ".join(doc.page_blocks[first - 1 : last]))
        return None if words in held else f"{location!r} does not hold the hit's words"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--per-page", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    pages = load_pages(args.corpus)
    if not pages:
        print(f"no corpus at {args.corpus}; nothing to measure")
        return 0
    rng = random.Random(args.seed)
    bodies = {f"/p/{i}.html": page.html for i, page in enumerate(pages)}
    server = serve(bodies)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    claims, cases, excluded = [], {}, Counter()
    for i, page in enumerate(pages):
        doc = extract(fetch_result(page))
        passages = doc.passages("page")[0]
        visible = squash(" ".join(doc.page_blocks))
        for case in make_cases(page, rng, args.per_page):
            sources = [case.extra.get("source", ""), case.extra.get("source2", "")]
            # The same exclusions as bench_match.py, but on the whole page whatever the scope: a real quote
            # the extractor leaves out of the article must still count here.
            if not all(squash(s) in visible for s in sources if s):
                excluded["ground truth not on the page as written"] += 1
                continue
            if not case.real and squash(case.claim) in visible:
                excluded["altered copy that is really on the page"] += 1
                continue
            if case.extra.get("far") and not far_apart(passages, case.extra["source"], case.extra["source2"]):
                excluded["elided-far parts not far apart on the page"] += 1
                continue
            cid = f"c{len(claims)}"
            path = f"/p/{i}.html"
            if (
                "insert" in case.extra
            ):  # the elision pattern: its own copy of the page, with the paragraph added
                changed = with_paragraph(page.html, case.extra["after"], case.extra["insert"])
                if changed is None:
                    excluded["elision pattern: sentence not found in the markup"] += 1
                    continue
                path = f"/p/{i}-{cid}.html"
                bodies[path] = changed
            cases[cid] = case
            claims.append({"id": cid, "claim": case.kind, "checks": [check_of(case, f"{base}{path}")]})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "claims.yaml"
        path.write_text(yaml.safe_dump({"claims": claims}, allow_unicode=True), encoding="utf-8")
        start = time.perf_counter()
        done = subprocess.run(
            [
                CIVICHECK,
                "verify",
                str(path),
                "--format",
                "json",
                "--no-history",
                "--no-warc",
                "--no-canary",
                "--allow-private",
                "--quiet",
            ],
            capture_output=True,
            text=True,
            cwd=tmp,
        )
        elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        print(done.stderr)
        return 1
    report = json.loads(done.stdout)
    kinds: dict[str, Counter] = defaultdict(Counter)
    real, altered, misses, labels, label_misses, kinds_of_miss = (
        Counter(),
        Counter(),
        [],
        Counter(),
        [],
        Counter(),
    )
    docs = {}
    for claim in report["claims"]:
        case = cases[claim["id"]]
        ok = claim["verdict"] == ("supported" if case.real else "refuted")
        (real if case.real else altered)[ok] += 1
        kinds[case.kind.split("/")[0]][ok] += 1
        check = claim["checks"][0]
        url = check["url"]
        if url not in docs:
            path = url.split(base, 1)[1]
            docs[url] = extract(fetch_result(type(pages[0])(url, url, bodies[path], "", "")))
        for hit in check["evidence"]["hits"]:
            why = hit_disagrees(hit, docs[url])
            labels[why is None] += 1
            if why:
                kinds_of_miss["names no place" if "names no place" in why else "names another place"] += 1
            if why and len(label_misses) < 20:
                label_misses.append(f"{case.page} [{case.kind}] {why} (the hit: {hit['text'][:200]!r})")
        if not ok:
            misses.append(
                (
                    case.kind,
                    case.scope,
                    case.page,
                    claim["verdict"],
                    claim["checks"][0]["reason"][:160],
                    case.claim[:100],
                )
            )
    total_real, total_alt = sum(real.values()), sum(altered.values())
    print(
        f"{len(pages)} pages, {len(claims)} claims through civicheck verify in {elapsed:.1f} s "
        f"({1000 * elapsed / max(1, len(claims)):.1f} ms a claim, fetching and extraction included)"
    )
    print(
        f"real quotes/phrases supported: {real[True]}/{total_real} = {100 * real[True] / max(1, total_real):.2f}%"
    )
    print(f"excluded: {dict(excluded)}")
    print(
        f"altered copies refuted:        {altered[True]}/{total_alt} = {100 * altered[True] / max(1, total_alt):.2f}%"
    )
    for kind, c in sorted(kinds.items()):
        print(f"  {kind:28s} {c[True]:5d}/{c[True] + c[False]:5d}")
    print(
        f"hit locations naming where the excerpt stands: {labels[True]}/{sum(labels.values())} = "
        f"{100 * labels[True] / max(1, sum(labels.values())):.2f}%"
        + (f" ({', '.join(f'{n} {why}' for why, n in kinds_of_miss.most_common())})" if kinds_of_miss else "")
    )
    for miss in label_misses:
        print("  LABEL", miss)
    for miss in misses[:30]:
        print("  miss:", *miss, sep=" | ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
