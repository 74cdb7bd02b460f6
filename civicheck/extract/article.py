"""A page's main article text and metadata (title, author, site name), as trafilatura extracts them."""

from __future__ import annotations

import threading
from typing import Any

from civicheck.extract.clean import clean_text, lines_of
from civicheck.extract.document import Document

_no_date = threading.local()  # set on a thread while trafilatura extracts for extract_article
_patched = threading.Lock()


def extract_article(page: Any, url: str, doc: Document, metadata: bool = True) -> None:
    """`page`: the page's lxml tree (trafilatura changes only its own copy) or its markup. `metadata=False`:
    the main text only, without trafilatura's title, author and site name (only `draft` reads them; they were
    two fifths of trafilatura's time on a news page, and the main text is the same without them)."""
    import trafilatura

    _skip_trafilatura_dates()
    _no_date.on = True
    try:
        found = trafilatura.bare_extraction(
            page,
            url=url,
            with_metadata=metadata,
            include_comments=False,
            include_tables=True,
            favor_recall=True,
            date_extraction_params={"original_date": True, "extensive_search": False},
        )
    finally:
        _no_date.on = False
    if found is None or isinstance(found, dict):  # a dict only with the deprecated as_dict, never passed
        doc.meta = {"title": doc.title or None, "author": None, "sitename": None}
        return
    doc.article_paragraphs = lines_of(found.text or "", doc)
    if not metadata:
        doc.meta = {"title": doc.title or None, "author": None, "sitename": None}
        return
    meta = {"title": found.title, "author": found.author, "sitename": found.sitename}
    meta = {k: clean_text(v, doc) or None if isinstance(v, str) else None for k, v in meta.items()}
    doc.meta = {**meta, "title": meta["title"] or doc.title or None}


def _skip_trafilatura_dates() -> None:
    """trafilatura's metadata includes a date from its own htmldate call, one more search of the page that
    civicheck never uses (dates.py reads them, with htmldate too). trafilatura has no switch to skip it, so
    its module's `find_date` is wrapped, once, to answer nothing on a thread inside extract_article and to
    be htmldate's own everywhere else (draft/, any caller in the same process)."""
    from trafilatura import metadata

    with _patched:
        original = getattr(metadata, "find_date", None)
        if original is None or getattr(original, "civicheck_skips", False):
            return

        def find_date(*args: Any, **kwargs: Any) -> str | None:
            if getattr(_no_date, "on", False):
                return None
            return original(*args, **kwargs)

        find_date.civicheck_skips = True  # type: ignore[attr-defined]
        metadata.find_date = find_date
