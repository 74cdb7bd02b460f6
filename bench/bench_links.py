"""Benchmark link extraction: the links of a page read the old way (BeautifulSoup's <a href> and urllib's
urljoin over the bs4 tree extraction already builds) against extract/links.py (its own lxml parse, every element
a citizen follows, the WHATWG parser), on the news corpus and on a synthetic portal of 20,000 links.

Run by hand: `.venv/bin/python bench/bench_links.py [--reps 5] [--corpus DIR]`. Reads DIR/aeb/html (default
../shared/corpus) when present.
Prints medians and the new/old ratio (one run, same machine: compare ratios, not seconds).
"""

from __future__ import annotations

import argparse
import gzip
from pathlib import Path
from urllib.parse import urldefrag, urljoin

from bench_html import median_seconds  # run as a script: bench/ is on the path

from civicheck.extract.clean import clean_text
from civicheck.extract.links import links_from_html

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
BASE = "https://news.example/section/article.html"


def old_links(soup) -> list[str]:
    """What extract/page.py did before extract/links.py: <a href> only, urljoin, http(s) kept, labels cleaned."""
    seen: dict[str, str] = {}
    for a in soup.find_all("a", href=True):
        href = a["href"].strip()
        if not href or href.startswith("#"):
            continue
        try:
            url = urldefrag(urljoin(BASE, href))[0]
        except ValueError:
            continue
        if url[:8].lower().startswith(("http://", "https://")) and url not in seen:
            seen[url] = clean_text(" ".join(a.get_text().split()), None)
    return list(seen)


def main() -> None:
    from bs4 import BeautifulSoup

    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    html = args.corpus / "aeb" / "html"
    sets = {
        "portal of 20,000 links": [
            "<body>"
            + "".join(f'<li><a href="/dinas/{i}">Dinas {i}</a></li>' for i in range(20_000))
            + "</body>"
        ]
    }
    if html.is_dir():
        sets[f"news corpus ({len(list(html.glob('*.html.gz')))} pages)"] = [
            gzip.decompress(p.read_bytes()).decode("utf-8", "replace") for p in sorted(html.glob("*.html.gz"))
        ]
    for label, pages in sets.items():
        soups = [BeautifulSoup(page, "lxml") for page in pages]  # built by extraction anyway, not timed
        old = median_seconds(lambda soups=soups: [old_links(s) for s in soups], args.reps)
        new = median_seconds(lambda pages=pages: [links_from_html(p, BASE) for p in pages], args.reps)
        found_old = sum(len(old_links(s)) for s in soups)
        found_new = sum(len(links_from_html(p, BASE)) for p in pages)
        print(
            f"{label}: old {old * 1000:.0f} ms ({found_old} links), new {new * 1000:.0f} ms ({found_new} links), "
            f"new/old {new / old:.2f}"
        )


if __name__ == "__main__":
    main()
