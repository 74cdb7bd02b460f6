"""A page's main article text and metadata (title, author, site name), as trafilatura extracts them."""

from __future__ import annotations

from civicheck.extract.clean import clean_text, lines_of
from civicheck.extract.document import Document


def extract_article(html: str, url: str, doc: Document) -> None:
    import trafilatura

    found = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True, favor_recall=True,
        # Its own date search is not used (_dates decides): the quick one, not the search of the whole text.
        date_extraction_params={"original_date": True, "extensive_search": False},
    )
    if found is None or isinstance(found, dict):  # a dict only with the deprecated as_dict, never passed
        doc.meta = {"title": doc.title or None, "author": None, "sitename": None}
        return
    doc.article_paragraphs = lines_of(found.text or "", doc)
    meta = {"title": found.title, "author": found.author, "sitename": found.sitename}
    meta = {k: clean_text(v, doc) or None if isinstance(v, str) else None for k, v in meta.items()}
    doc.meta = {**meta, "title": meta["title"] or doc.title or None}
