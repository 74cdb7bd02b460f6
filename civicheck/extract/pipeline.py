"""A fetched answer becomes a Document: its kind (HTML, PDF, text) decides which readers run. Pure
transformation of bytes already fetched; it never touches the network.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from civicheck.extract.article import extract_article
from civicheck.extract.charset import decode_text
from civicheck.extract.clean import lines_of, repair
from civicheck.extract.dates import publication
from civicheck.extract.document import Document
from civicheck.extract.limits import ARTICLE_LIMIT, DATE_LIMIT, PAGE_LIMIT, readable_part
from civicheck.extract.page import marked_body, parse_page
from civicheck.extract.pdf import extract_pdf
from civicheck.fetch import FetchResult


def extract(result: FetchResult, selectors: Sequence[str] = (), text: str | None = None) -> Document:
    """Build the Document for a fetched response (any status: 404 pages have text worth reading too).
    `selectors`: CSS selectors whose links to collect now (Document.selected_links), while the page is parsed;
    `text`: the body already decoded (decode_text), to decode it once."""
    doc = Document(url=result.url, final_url=result.final_url, kind=kind_of(result))
    if doc.kind == "pdf":
        extract_pdf(result.body, doc)
    elif doc.kind == "html":
        html = readable_part(decode_text(result) if text is None else text, PAGE_LIMIT, doc)
        soup = parse_page(html, result.final_url, doc, selectors)
        if doc.repaired:
            # trafilatura drops control characters, and with them the "\x9d" that ends a garbled "”": its
            # text could no longer be repaired right. A page whose text needed repair is repaired whole first.
            html = repair(html)
        doc.article_cut = len(html) > ARTICLE_LIMIT
        extract_article(html[:ARTICLE_LIMIT], result.final_url, doc)
        doc.body = marked_body(soup, doc.page_blocks, doc.article_paragraphs)
        doc.publication, doc.meta["updated"] = publication(soup, html[:DATE_LIMIT], result.final_url,
                                                           doc.page_blocks, doc.article_paragraphs, doc.title)
        doc.meta["published"] = doc.publication.date
    elif doc.kind == "text":
        text = decode_text(result) if text is None else text
        doc.page_blocks = lines_of(readable_part(text, PAGE_LIMIT, doc, tags=False), doc)
    else:
        doc.problem = f"cannot read text from a {result.content_type or 'document of unknown type'}"
    return doc


_HTML_TYPES = ("text/html", "application/xhtml+xml")


def kind_of(result: FetchResult) -> str:
    """"html", "pdf", "text" or "other": which readers can make something of this answer."""
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
