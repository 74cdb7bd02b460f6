"""What every signal reads of one answer (a Page, computed once), what a signal says (a Signal: its family,
strong or weak, a sentence), and the few text helpers the signals share.
"""

from __future__ import annotations

from dataclasses import dataclass

from civicheck.extract import Document
from civicheck.fetch import FetchResult
from civicheck.soft404.markup import Markup
from civicheck.soft404.words import norm as norm  # the signals import it from here

PROSE = 150  # characters: a block this long is a paragraph of prose, not chrome or a message


@dataclass(frozen=True)
class Signal:
    """What one signal says: its family, whether it is strong, and a sentence a reporter can read."""

    family: str  # redirect, probe, wording, empty, parked
    strong: bool
    text: str


class Page:
    """What the signals need from one answer, computed once."""

    def __init__(self, result: FetchResult, document: Document | None, markup: Markup | None = None):
        self.result = result
        self.doc = document
        if markup is None:
            markup = Markup.of(result, parse=document is not None and document.kind == "html")
        self.html = markup
        self.blocks = text_blocks(document)
        self.text_len = sum(map(len, self.blocks))
        main = document.article_paragraphs if document is not None else []
        if document is not None and not document.main_text_read:
            # A page only liveness checks cite has no main text read (it is the costly part): its long blocks
            # of visible text stand in for it.
            main = [b for b in self.blocks if len(b) >= PROSE]
        self.main_len = sum(map(len, main))
        # Prose: main-text paragraphs (trafilatura joins a paragraph's lines, page_blocks do not).
        self.prose = [p for p in main if len(p) >= PROSE]
        self.prose_chars = sum(map(len, self.prose))


def is_2xx(result: FetchResult) -> bool:
    return result.status is not None and 200 <= result.status < 300


def extract_document(result: FetchResult) -> Document | None:
    from civicheck.extract import extract

    return extract(result)


def text_blocks(document: Document | None) -> list[str]:
    if document is None:
        return []
    blocks = document.pdf_pages if document.kind == "pdf" else document.page_blocks
    return [b for b in blocks if b and not b.isspace()]  # b.strip(), without a copy of each block


def is_app_shell(page: Page) -> bool:
    """A client-side app: almost no server-rendered text, scripts, and a mount point for the app."""
    return page.text_len < 300 and page.html.scripts > 0 and page.html.app_mount


def shortened(text: str) -> str:
    """At most 80 characters of `text`, for a signal's sentence."""
    text = " ".join(text.split())
    return text if len(text) <= 80 else text[:77] + "..."
