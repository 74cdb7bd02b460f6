"""Evidence extraction: a fetched response becomes a Document (page text, main article text, links, metadata,
PDF pages). Pure transformation of bytes already fetched; it never touches the network.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin

from civicheck.fetch import FetchResult, decode_text
from civicheck.match import Passage

# Elements whose boundaries end a line of visible text. Inline elements (a, b, span...) join their neighbours.
_BLOCK_TAGS = (
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "dialog", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup",
    "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "td", "th", "tr", "ul",
    "option", "button", "label", "title",
)
# Never visible: their text is code, styling or alternative content for other agents.
_INVISIBLE_TAGS = ("script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "head")


@dataclass(frozen=True)
class Link:
    url: str  # absolute, fragment dropped
    text: str


@dataclass
class Document:
    url: str
    final_url: str
    kind: str  # "html", "pdf", "text" or "other"
    title: str = ""
    page_blocks: list[str] = field(default_factory=list)  # visible text, one entry per block, in page order
    article_paragraphs: list[str] = field(default_factory=list)  # main text (trafilatura); empty when none found
    links: list[Link] = field(default_factory=list)
    meta: dict[str, str | None] = field(default_factory=dict)  # title, author, sitename, published, updated
    pdf_pages: list[str] = field(default_factory=list)  # text layer of each PDF page
    problem: str | None = None  # why no text could be had (scanned PDF, encrypted, unsupported type)

    @property
    def text(self) -> str:
        """The extracted text, one block (or PDF page) a line: what history compares between runs."""
        return "\n".join(self.pdf_pages or self.page_blocks)

    @property
    def text_sha256(self) -> str:
        """Digest of the extracted text: changes when what the page says changes, not when its markup does."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def passages(self, scope: str) -> tuple[list[Passage], list[Passage], str | None]:
        """The passages to search for `scope`, the article passages (for labelling hits), and a note.

        scope "page": all visible text; "article": the main text only, falling back to the page (with a note)
        when no main text was found. PDFs are searched page by page whatever the scope.
        """
        if self.kind == "pdf":
            return [Passage(t, "pdf", i) for i, t in enumerate(self.pdf_pages, 1)], [], None
        article = [Passage(t, "article", i) for i, t in enumerate(self.article_paragraphs, 1)]
        page = [Passage(t, "page", i) for i, t in enumerate(self.page_blocks, 1)]
        if scope == "article":
            if article:
                return article, article, None
            return page, [], "no main article text found; searched the whole page instead"
        return page, article, None


def extract(result: FetchResult) -> Document:
    """Build the Document for a fetched response (any status: 404 pages have text worth reading too)."""
    doc = Document(url=result.url, final_url=result.final_url, kind=_kind(result))
    if doc.kind == "pdf":
        _extract_pdf(result.body, doc)
    elif doc.kind == "html":
        html = decode_text(result)
        _extract_page(html, result.final_url, doc)
        _extract_article(html, result.final_url, doc)
        doc.meta.update(_dates(html, result.final_url))
    elif doc.kind == "text":
        doc.page_blocks = _lines(decode_text(result))
    else:
        doc.problem = f"cannot read text from a {result.content_type or 'document of unknown type'}"
    return doc


def _kind(result: FetchResult) -> str:
    ctype = result.content_type
    head = result.body[:1024].lstrip()
    if ctype == "application/pdf" or result.body.startswith(b"%PDF-"):
        return "pdf"
    if ctype in ("text/html", "application/xhtml+xml") or re.match(rb"(?i)<(!doctype html|html|head|body)", head):
        return "html"
    if ctype.startswith("text/") or not ctype:
        return "text"
    return "other"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _extract_page(html: str, base_url: str, doc: Document) -> None:
    from bs4 import BeautifulSoup, Comment

    soup = BeautifulSoup(html, "lxml")
    title_tag = soup.find("title")
    doc.title = " ".join(title_tag.get_text().split()) if title_tag else ""
    for link in _links(soup, base_url):
        doc.links.append(link)
    for tag in soup.find_all(_INVISIBLE_TAGS):
        tag.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in soup.find_all(hidden=True):
        tag.decompose()
    # Mark block boundaries with newlines so "tersebut.<br>Dia" and "</p><p>" become separate lines,
    # while inline markup ("<b>Smart</b> City") stays joined.
    for tag in soup.find_all(_BLOCK_TAGS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    doc.page_blocks = _lines(soup.get_text())


def _links(soup, base_url: str) -> list[Link]:
    return _links_of(soup.find_all("a", href=True), base_url)


def _links_of(anchors, base_url: str) -> list[Link]:
    seen: dict[str, Link] = {}
    for a in anchors:
        if not a.get("href"):
            continue
        href = a["href"].strip()
        if not href or href.startswith("#"):
            continue
        url = urldefrag(urljoin(base_url, href))[0]
        if not url.startswith(("http://", "https://")):
            continue  # mailto:, tel:, javascript: are not pages
        if url not in seen:
            seen[url] = Link(url, " ".join(a.get_text().split()))
    return list(seen.values())


def _extract_article(html: str, url: str, doc: Document) -> None:
    import trafilatura

    found = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True, favor_recall=True
    )
    if found is None:
        doc.meta = {"title": doc.title or None, "author": None, "sitename": None}
        return
    doc.article_paragraphs = _lines(found.text or "")
    doc.meta = {"title": found.title or doc.title or None, "author": found.author, "sitename": found.sitename}


def _dates(html: str, url: str) -> dict[str, str | None]:
    """Published and last-updated dates (ISO). htmldate's extensive search found the right publication date
    on all 26 Indonesian articles of the idnews corpus; without it, 22 (bench/ has the measurement)."""
    from htmldate import find_date

    def find(original: bool) -> str | None:
        try:
            return find_date(html, url=url, original_date=original, extensive_search=True)
        except Exception:  # noqa: BLE001 - a date we cannot read is "no date", never a crash
            return None

    return {"published": find(True), "updated": find(False)}


def links_in(result: FetchResult, selector: str | None = None) -> list[Link]:
    """The page's links (absolute, fragments dropped, mailto/tel/javascript ignored, first text kept),
    only those inside elements matching the CSS `selector` when one is given."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode_text(result), "lxml")
    if selector is None:
        return _links(soup, result.final_url)
    found: dict[str, Link] = {}
    for element in soup.select(selector):
        anchors = [element] if element.name == "a" else []
        for link in _links_of(anchors + element.find_all("a", href=True), result.final_url):
            found.setdefault(link.url, link)
    return list(found.values())


def _extract_pdf(body: bytes, doc: Document) -> None:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(body))
        if reader.is_encrypted:
            try:
                reader.decrypt("")  # many "protected" PDFs only restrict printing and open with an empty password
            except Exception:  # noqa: BLE001 - pypdf raises several types here
                pass
        pages = [page.extract_text() or "" for page in reader.pages]
    except PdfReadError as exc:
        doc.problem = f"the PDF cannot be read: {exc}"
        return
    except Exception as exc:  # noqa: BLE001 - malformed PDFs raise anything from deep inside the parser
        msg = str(exc)
        if "decrypt" in msg.lower() or "encrypt" in msg.lower():
            doc.problem = "the PDF is encrypted and cannot be read without its password"
        else:
            doc.problem = f"the PDF cannot be read ({type(exc).__name__}: {msg})"
        return
    doc.pdf_pages = [" ".join(p.split()) for p in pages]
    meta = reader.metadata or {}
    doc.title = str(meta.get("/Title") or "")
    doc.meta = {"title": doc.title or None, "author": str(meta.get("/Author") or "") or None, "sitename": None,
                "published": _pdf_date(meta.get("/CreationDate")), "updated": _pdf_date(meta.get("/ModDate"))}
    if not any(doc.pdf_pages):
        doc.problem = "no text layer (scanned document)"


def _pdf_date(value) -> str | None:
    """PDF dates look like D:20230115093000+07'00'; the day is what matters here."""
    m = re.match(r"D:(\d{4})(\d{2})(\d{2})", str(value or ""))
    return f"{m[1]}-{m[2]}-{m[3]}" if m else None
