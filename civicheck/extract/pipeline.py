"""A fetched answer becomes a Document: its kind (HTML, PDF, text) decides which readers run. Pure
transformation of bytes already fetched; it never touches the network.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from civicheck.extract.article import extract_article
from civicheck.extract.charset import decode_text
from civicheck.extract.clean import lines_of, repair
from civicheck.extract.dates import publication
from civicheck.extract.document import Document
from civicheck.extract.limits import ARTICLE_LIMIT, DATE_LIMIT, PAGE_LIMIT, readable_part
from civicheck.extract.page import marked_body, parse_page
from civicheck.extract.pdf import extract_pdf
from civicheck.extract.tree import parse_tree, whole_tree
from civicheck.fetch import FetchResult


def extract(result: FetchResult, selectors: Sequence[str] = (), text: str | None = None) -> Document:
    """Build the Document for a fetched response (any status: 404 pages have text worth reading too).
    `selectors`: CSS selectors whose links to collect now (Document.selected_links), while the page is parsed;
    `text`: the body already decoded (decode_text), to decode it once."""
    return extract_parsed(result, selectors, text)[0]


def extract_parsed(
    result: FetchResult,
    selectors: Sequence[str] = (),
    text: str | None = None,
    full: bool = True,
    metadata: bool = True,
    links: bool = True,
) -> tuple[Document, Any]:
    """extract(), and the page's lxml tree for the other readers of the same page (the soft-404 markup
    features), so that it is parsed once. `full=False`: only what the liveness signals read (title, page
    text, links), not the main text (trafilatura) nor the dates, the costly part. `metadata=False`: without
    trafilatura's author and site name (extract_article), which only `draft` reads. `links=False`: without
    the page's links (Document.links_read)."""
    doc = Document(url=result.url, final_url=result.final_url, kind=kind_of(result))
    root = None
    if doc.kind == "pdf":
        extract_pdf(result.body, doc)
    elif doc.kind == "html":
        html = readable_part(decode_text(result) if text is None else text, PAGE_LIMIT, doc)
        library = parse_tree(html)  # what trafilatura and htmldate read
        root = whole_tree(library, html)  # what the page's text, links, dates and markup are read from
        parse_page(root, html, result.final_url, doc, selectors, links=links)
        if full:
            _read_article(html, root, library, result.final_url, doc, metadata)
        else:
            doc.main_text_read = False
    elif doc.kind == "text":
        text = decode_text(result) if text is None else text
        doc.page_blocks = lines_of(readable_part(text, PAGE_LIMIT, doc, tags=False), doc)
    else:
        doc.problem = f"cannot read text from a {result.content_type or 'document of unknown type'}"
    return doc, root


def _read_article(html: str, root: Any, library: Any, url: str, doc: Document, metadata: bool) -> None:
    """The main text (trafilatura), the article body the page marks, and the publication dates (htmldate and
    the page's declarations), from the page's tree; a part of the markup parsed anew only where a limit or a
    repair makes what they read differ from the tree."""
    if doc.repaired:
        # trafilatura drops control characters, and with them the "\x9d" that ends a garbled "”": its
        # text could no longer be repaired right. A page whose text needed repair is repaired whole first.
        html = repair(html)
    doc.article_cut = len(html) > ARTICLE_LIMIT
    whole = library is not None and not doc.repaired and not doc.article_cut
    # trafilatura parses the markup itself: handed a tree, it must copy it first (it prunes what it reads),
    # and on a copy it ran slower than on its own parse (22 s against 10 s on a 1.2 MB page).
    extract_article(html[:ARTICLE_LIMIT], url, doc, metadata)
    doc.body = marked_body(root, doc.page_blocks, doc.article_paragraphs)
    date_root = library if whole and len(html) <= DATE_LIMIT else parse_tree(html[:DATE_LIMIT])
    if date_root is not None and "html" not in html[:50].lower() and len(date_root) < 2:
        date_root = None  # htmldate's own test: a fragment that does not say it is HTML has no date it reads
    doc.publication, doc.meta["updated"] = publication(
        root, url, doc.page_blocks, doc.article_paragraphs, doc.title, date_root
    )
    doc.meta["published"] = doc.publication.date


_HTML_TYPES = ("text/html", "application/xhtml+xml")


def kind_of(result: FetchResult) -> str:
    """ "html", "pdf", "text" or "other": which readers can make something of this answer."""
    ctype = result.content_type
    head = result.body[:1024].lstrip()
    looks_html = bool(re.match(rb"(?i)<(!doctype html|html|head|body)", head))
    # The bytes decide before the label: servers send PDFs as application/octet-stream (or with junk before
    # the header, which readers accept within the first 1024 bytes) and error pages as application/pdf.
    if not looks_html and (ctype == "application/pdf" or (ctype not in _HTML_TYPES and b"%PDF-" in head)):
        return "pdf"
    if ctype in _HTML_TYPES or looks_html:
        return "html"
    if ctype.startswith("text/") or not ctype:
        return "text"
    return "other"
