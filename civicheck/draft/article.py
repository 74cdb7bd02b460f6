"""The article to draft from: its body paragraphs, the links inside them, its title, date and address.

Built from what extract() made of a fetched page (a Document), plus a second, stricter reading of the HTML
where the first took a list of headlines for the story, and the links of the body that extract() does not
place (it lists every link of the page).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin

from civicheck.extract import Document, decode_text, site_of
from civicheck.fetch import FetchResult

_BLOCKS = frozenset(
    "p li blockquote td th dd dt h1 h2 h3 h4 h5 h6 figcaption div section article pre".split()
)
_PROSE = 120  # characters: a paragraph this long is story text, not a headline or a menu entry


@dataclass(frozen=True)
class BodyLink:
    url: str  # absolute, without fragment
    text: str  # the link's words
    paragraph: int | None  # index into Article.paragraphs of the paragraph holding it, when known


@dataclass
class Article:
    url: str  # the address the checks cite (as given, or the saved page's canonical address)
    title: str | None
    published: str | None  # ISO date
    paragraphs: list[str]
    links: list[BodyLink] = field(default_factory=list)
    document: Document | None = None  # what `verify` will search: drafted texts are checked against it

    @property
    def site(self) -> str:
        return site_of(self.url)


def article_from(result: FetchResult, document: Document, url: str | None = None) -> Article:
    """The Article of a fetched page and its Document; `url` overrides the address the checks cite."""
    html = decode_text(result) if document.kind == "html" else ""
    title = _title(document)
    paragraphs = _body(document, html)
    while paragraphs and title and _squash(paragraphs[0]) == _squash(title):
        paragraphs = paragraphs[1:]  # the headline repeated as the first line: the title check covers it
    article = Article(url or result.url, title, document.meta.get("published"), paragraphs, document=document)
    if html:
        article.links = body_links(html, result.final_url, paragraphs)
    return article


def _title(document: Document) -> str | None:
    title = document.meta.get("title") or document.title
    return " ".join(title.split()) if title else None


def _body(document: Document, html: str) -> list[str]:
    """The story's paragraphs: trafilatura's reading (favouring recall, as extract() made it), unless a
    stricter reading finds more prose; a page where both find nothing falls back to its visible text."""
    if document.kind == "pdf":
        return [page for page in document.pdf_pages if page.strip()]
    paragraphs = list(document.article_paragraphs)
    if html:
        strict = _strict_paragraphs(html, document.final_url)
        # On a page whose recall reading took a box of "more stories" teasers for the story (okezone, in our
        # corpus), the strict one finds the story: prefer whichever holds more prose.
        if _prose(strict) > _prose(paragraphs):
            paragraphs = strict
    if not paragraphs:
        paragraphs = [block for block in document.page_blocks if len(block) >= 40]
    return [p for p in paragraphs if p.strip()]


def _strict_paragraphs(html: str, url: str) -> list[str]:
    import trafilatura

    try:
        text = trafilatura.extract(
            html, url=url, include_comments=False, include_tables=True, favor_precision=True
        )
    except Exception:  # noqa: BLE001 - a page trafilatura cannot read gives the first reading, not a crash
        return []
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _prose(paragraphs: list[str]) -> int:
    return sum(len(p) for p in paragraphs if len(p) >= _PROSE)


def _squash(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def body_links(html: str, base_url: str, paragraphs: list[str]) -> list[BodyLink]:
    """The links inside the story's paragraphs (not the menu, the footer or the "more stories" box): each
    link whose paragraph on the page is one of `paragraphs`. mailto:, tel: and javascript: are not pages."""
    from bs4 import BeautifulSoup

    keys = [_squash(p) for p in paragraphs]
    soup = BeautifulSoup(html, "lxml")
    found: dict[str, BodyLink] = {}
    for anchor in soup.find_all("a", href=True):
        href = anchor["href"]
        href = href.strip() if isinstance(href, str) else ""  # (a list only for class-like attributes)
        if not href or href.startswith("#"):
            continue
        try:
            url = urldefrag(urljoin(base_url, href))[0]
        except ValueError:
            continue
        if not url.startswith(("http://", "https://")) or url in found:
            continue
        block = anchor.find_parent(lambda tag: tag.name in _BLOCKS)
        text = _squash(block.get_text(" ")) if block is not None else ""
        paragraph = _paragraph_of(text, keys)
        if paragraph is not None:
            found[url] = BodyLink(url, " ".join(anchor.get_text(" ").split()), paragraph)
    return list(found.values())


def _paragraph_of(block: str, keys: list[str]) -> int | None:
    """The paragraph whose text is this block's (one may hold the other: a <p> split by <br>, a <div>
    wrapping a paragraph and its caption)."""
    if len(block) < 15:
        return None
    for i, key in enumerate(keys):
        if len(key) >= 15 and (block in key or key in block and len(key) * 2 >= len(block)):
            return i
    return None
