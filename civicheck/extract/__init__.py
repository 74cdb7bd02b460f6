"""Evidence extraction: a fetched answer becomes a Document (page text, main article text, links, metadata,
PDF pages, publication date). Pure transformation of bytes already fetched; it never touches the network.

document.py (the model: Document, Link, Passage) ← pipeline.py (`extract`: the answer's kind decides which
readers run) → charset.py (bytes to text), limits.py (how much of a huge page is read), tree.py (the one lxml
parse of a page that the others read), page.py (visible text, the marked article body), links.py (links as a
browser resolves them), article.py (trafilatura: main text), pdf.py (pypdf: text, link annotations), dates.py
(publication dates), clean.py (mojibake repaired, terminal escapes removed).
"""

from civicheck.extract.charset import decode_text
from civicheck.extract.clean import ESCAPE_SEQUENCE, MOJIBAKE_NOTE, repair
from civicheck.extract.document import Document, Link, Passage, site_of
from civicheck.extract.limits import ARTICLE_LIMIT, DATE_LIMIT, ELEMENT_LIMIT, PAGE_LIMIT, readable_part
from civicheck.extract.page import links_in
from civicheck.extract.pipeline import extract, kind_of

__all__ = [
    "ARTICLE_LIMIT",
    "DATE_LIMIT",
    "ELEMENT_LIMIT",
    "ESCAPE_SEQUENCE",
    "MOJIBAKE_NOTE",
    "PAGE_LIMIT",
    "Document",
    "Link",
    "Passage",
    "decode_text",
    "extract",
    "kind_of",
    "links_in",
    "readable_part",
    "repair",
    "site_of",
]
