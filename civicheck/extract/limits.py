"""The size cuts: how much of a huge page is read (characters, elements), and how far into it the main text
and the publication date are looked for. What was not read is named on the Document (Document.cut).
"""

from __future__ import annotations

import re

from civicheck.extract.document import Document

# Reading a page costs time and memory with the size of its markup (BeautifulSoup takes 30 µs and 1 kB per
# element; trafilatura and htmldate slow down faster than the page grows: 24 MB of text took over 300 s, 24 MB
# of "<div><a>" 3.8 GB), so only the start of a huge page is read, and Document.cut says so. The largest page
# of our news corpus has 1.5 MB of markup, the most elements 2,200.
PAGE_LIMIT = 2_000_000  # characters of markup (or text) read
ELEMENT_LIMIT = 100_000  # elements read, however short (a table of 30,000 rows is read whole)
_START_TAG = re.compile(r"<[A-Za-z]")
# The main text is looked for in less (trafilatura takes 2 s per MB of prose): on a page larger than this,
# `scope: article` searches the whole page text instead (Document.passages says so).
ARTICLE_LIMIT = 1_000_000
# Dates sit in the head and the article's first lines: on the 217 corpus pages, a longer search found no
# other (a search of the first 200 kB changed 4 of them).
DATE_LIMIT = 500_000


def readable_part(
    markup: str, limit: int = PAGE_LIMIT, doc: Document | None = None, tags: bool = True
) -> str:
    """The part of `markup` that is read: at most `limit` characters and (`tags`) ELEMENT_LIMIT tags;
    `doc.cut` says so when that is not all of it."""
    end = min(len(markup), limit)
    if tags and markup.count("<", 0, end) > ELEMENT_LIMIT:  # a cheap bound first: "<" also ends elements
        for count, tag in enumerate(_START_TAG.finditer(markup, 0, end)):
            if count == ELEMENT_LIMIT:
                end = tag.start()  # before the first element over the limit
                break
    if end == len(markup):
        return markup
    if doc is not None:
        what = "markup" if tags else "text"
        doc.cut = f"only the first {_size(end)} of its {_size(len(markup))} of {what} were read"
    return markup[:end]


def _size(chars: int) -> str:
    return f"{chars / 1e6:.1f} MB".replace(".0 MB", " MB") if chars >= 1e6 else f"{round(chars / 1000)} kB"
