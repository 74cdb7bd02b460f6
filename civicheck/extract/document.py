"""The document model: what extraction makes of a fetched answer (a Document: its page text, main article
text, links, metadata, PDF pages) and the passages of it that matching searches.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urlsplit

from civicheck.extract.dates import Publication


class Passage(NamedTuple):
    """One stretch of a document's text as extracted (not normalised), and where it came from. A named tuple,
    not a frozen dataclass: a page makes hundreds, and a token stream is found by hashing them, both in C."""

    text: str
    where: str  # "article" (main text), "page" (visible page text) or "pdf" (a PDF page)
    number: int  # 1-based paragraph number within `where`, or the PDF page number
    in_body: bool = False  # a page block inside the element the page marks as the article body (<article>)

    @property
    def label(self) -> str:
        if self.where == "article":
            return f"paragraph {self.number} of the article"
        if self.where == "pdf":
            return f"p. {self.number}"
        return f"block {self.number} of the page text"


def site_of(url: str) -> str:
    """A URL's host without a leading "www.", lower case: what "the same site" is measured by (its
    subdomains, e.g. disnaker.cilegon.go.id of www.cilegon.go.id, count too; no public-suffix list needed
    for government portals)."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


@dataclass(frozen=True)
class Link:
    url: str  # absolute, fragment dropped; for an invalid link, the href as written
    text: str
    element: str = "a href"  # where the page has it: "a href", "iframe src", "meta refresh", "pdf link"...
    invalid: str | None = None  # "invalid link: 'http://host]' (...)": no browser can open it; never fetched
    page: int | None = None  # the page of a PDF document it is on

    @property
    def where(self) -> str:
        """Where the link is, for a reader: "p. 3" of a PDF, or the element when it is not a plain <a>."""
        if self.page is not None:
            return f"p. {self.page}"
        return "" if self.element == "a href" else self.element


@dataclass
class Document:
    url: str
    final_url: str
    kind: str  # "html", "pdf", "text" or "other"
    title: str = ""
    page_blocks: list[str] = field(default_factory=list)  # visible text, one entry per block, in page order
    article_paragraphs: list[str] = field(
        default_factory=list
    )  # main text (trafilatura); empty when none found
    links: list[Link] = field(default_factory=list)
    meta: dict[str, str | None] = field(default_factory=dict)  # title, author, sitename, published, updated
    pdf_pages: list[str] = field(default_factory=list)  # text layer of each PDF page
    body: tuple[int, int] | None = (
        None  # page blocks (0-based, first and last) the page marks as the article body
    )
    publication: Publication | None = None  # when the page says it was published, and which source says so
    problem: str | None = None  # why no text could be had (scanned PDF, encrypted, unsupported type)
    repaired: bool = False  # mojibake was repaired in the text (MOJIBAKE_NOTE)
    # Set when a huge page was read only in part (see PAGE_LIMIT): "only the first 2 MB of its 24 MB of markup
    # were read". What was not read can neither be found nor ruled out.
    cut: str | None = None
    article_cut: bool = False  # the main text was looked for in the first ARTICLE_LIMIT characters only
    selected_links: dict[str, list[Link]] = field(default_factory=dict)  # CSS selector -> links_in() of it
    # False when only what the liveness signals need was read (a page only `live`, `dead`, `status` or
    # `links` checks cite, a link audited, a probe): no main text, no publication date.
    main_text_read: bool = True
    # False when the page's links were not read (`links` empty): only text checks cite it, and no check audits
    # its links or compares it with a soft-404 probe (which reads their labels).
    links_read: bool = True

    # Worked out once, on first use, once the page is read: every text check citing the page holds this one
    # string in its evidence, not a copy of its own (1,600 copies for 50 pages of 32 claims each).
    @functools.cached_property
    def text(self) -> str:
        """The extracted text, one block (or PDF page) a line: what history compares between runs."""
        return "\n".join(self.pdf_pages or self.page_blocks)

    @functools.cached_property
    def text_sha256(self) -> str:
        """Digest of the extracted text: changes when what the page says changes, not when its markup does."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def __getstate__(self) -> dict[str, object]:
        # From a worker to the run: the text is made again from the blocks where it is needed, not sent twice.
        return {k: v for k, v in self.__dict__.items() if k not in ("text", "text_sha256", "_made_passages")}

    def passages(self, scope: str) -> tuple[list[Passage], list[Passage], str | None]:
        """The passages to search for `scope`, the article passages (for labelling hits), and a note.

        scope "page": all visible text; "article": the main text only, falling back to the page (with a note)
        when no main text was found. PDFs are searched page by page whatever the scope.
        """
        # Made once per scope: every check citing the page searches the same passages (and the matcher finds
        # their token stream by them).
        made = self.__dict__.setdefault("_made_passages", {})
        if scope not in made:
            made[scope] = self._passages(scope)
        return made[scope]

    def _passages(self, scope: str) -> tuple[list[Passage], list[Passage], str | None]:
        if self.kind == "pdf":
            return [Passage(t, "pdf", i) for i, t in enumerate(self.pdf_pages, 1)], [], None
        article = [Passage(t, "article", i) for i, t in enumerate(self.article_paragraphs, 1)]
        first, last = self.body or (-1, -1)
        page = [Passage(t, "page", i, first < i <= last + 1) for i, t in enumerate(self.page_blocks, 1)]
        if scope == "article":
            if self.article_cut:  # its main text may go on past the part that was searched for it
                return (
                    page,
                    [],
                    "the page is too large to find its main text in; searched the whole page instead",
                )
            if article:
                return article, article, None
            return page, [], "no main article text found; searched the whole page instead"
        return page, article, None

    def article_span(self) -> list[Passage]:
        """The page's visible blocks from the first to the last one holding main-article text: the article
        body as laid out on the page, including passages the extractor left out of the main text (a
        paragraph with a link, a quote box). Empty when there is no main text or it cannot be placed."""
        keys = [k for k in (squash(p)[:60] for p in self.article_paragraphs) if len(k) >= 20]
        if not keys:
            return []
        blocks = [squash(b) for b in self.page_blocks]
        inside = [
            i for i, b in enumerate(blocks) if len(b) >= 20 and any(k in b or b[:60] in k for k in keys)
        ]
        if not inside:
            return []
        first, last = min(inside), max(inside)
        # A lede the extractor dropped sits just above its first paragraph: take up to three prose blocks
        # (80+ characters: not a headline, byline or menu) immediately before it.
        while first > 0 and min(inside) - first < 3 and len(self.page_blocks[first - 1]) >= 80:
            first -= 1
        return [Passage(self.page_blocks[i], "page", i + 1, True) for i in range(first, last + 1)]


# What is not a letter or a digit (str.isalnum): \W is every character but those and "_".
_NOT_ALNUM = re.compile(r"[\W_]+")


def squash(text: str) -> str:
    """Letters and digits only, lower case: to place extracted paragraphs among page blocks."""
    return _NOT_ALNUM.sub("", text.casefold())  # a regular expression: ten times a loop over characters
