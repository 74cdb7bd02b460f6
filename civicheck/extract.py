"""Evidence extraction: a fetched response becomes a Document (page text, main article text, links, metadata,
PDF pages). Pure transformation of bytes already fetched; it never touches the network.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit

from civicheck.dates import Publication
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


def site_of(url: str) -> str:
    """A URL's host without a leading "www.", lower case: what "the same site" is measured by (its
    subdomains, e.g. disnaker.cilegon.go.id of www.cilegon.go.id, count too; no public-suffix list needed
    for government portals)."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


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
    body: tuple[int, int] | None = None  # page blocks (0-based, first and last) the page marks as the article body
    publication: Publication | None = None  # when the page says it was published, and which source says so
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
        first, last = self.body or (-1, -1)
        page = [Passage(t, "page", i, first < i <= last + 1) for i, t in enumerate(self.page_blocks, 1)]
        if scope == "article":
            if article:
                return article, article, None
            return page, [], "no main article text found; searched the whole page instead"
        return page, article, None

    def article_span(self) -> list[Passage]:
        """The page's visible blocks from the first to the last one holding main-article text: the article
        body as laid out on the page, including passages the extractor left out of the main text (a
        paragraph with a link, a quote box). Empty when there is no main text or it cannot be placed."""
        keys = [k for k in (_squash(p)[:60] for p in self.article_paragraphs) if len(k) >= 20]
        if not keys:
            return []
        blocks = [_squash(b) for b in self.page_blocks]
        inside = [i for i, b in enumerate(blocks) if len(b) >= 20 and any(k in b or b[:60] in k for k in keys)]
        if not inside:
            return []
        first, last = min(inside), max(inside)
        # A lede the extractor dropped sits just above its first paragraph: take up to three prose blocks
        # (80+ characters: not a headline, byline or menu) immediately before it.
        while first > 0 and min(inside) - first < 3 and len(self.page_blocks[first - 1]) >= 80:
            first -= 1
        return [Passage(self.page_blocks[i], "page", i + 1, True) for i in range(first, last + 1)]


def _squash(text: str) -> str:
    """Letters and digits only, lower case: to place extracted paragraphs among page blocks."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def extract(result: FetchResult) -> Document:
    """Build the Document for a fetched response (any status: 404 pages have text worth reading too)."""
    doc = Document(url=result.url, final_url=result.final_url, kind=_kind(result))
    if doc.kind == "pdf":
        _extract_pdf(result.body, doc)
    elif doc.kind == "html":
        html = decode_text(result)
        soup = _extract_page(html, result.final_url, doc)
        _extract_article(html, result.final_url, doc)
        from civicheck.dates import publication
        from civicheck.locate import marked_body

        doc.body = marked_body(soup, doc.page_blocks, doc.article_paragraphs)
        doc.publication, doc.meta["updated"] = publication(soup, html, result.final_url, doc.page_blocks,
                                                           doc.article_paragraphs, doc.title)
        doc.meta["published"] = doc.publication.date
    elif doc.kind == "text":
        doc.page_blocks = _lines(decode_text(result))
    else:
        doc.problem = f"cannot read text from a {result.content_type or 'document of unknown type'}"
    return doc


_HTML_TYPES = ("text/html", "application/xhtml+xml")


def _kind(result: FetchResult) -> str:
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


# ANSI/VT escape sequences (CSI, OSC, DCS/PM/APC/SOS strings, two-character escapes), 7-bit and 8-bit forms.
# Removed whole from page text at extraction, so neither matching nor evidence sees their printable remains
# ("]8;;" of an OSC link); report.py removes them again from everything it prints.
ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI ... final byte
    r"|(?:\x1b[\]PX^_]|[\x90\x9d\x98\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|$)"  # OSC/DCS/SOS/PM/APC ... terminator
    r"|\x1b[@-Z\\-_]?",  # other two-byte escapes, or a lone ESC
    re.DOTALL,
)


def _lines(text: str) -> list[str]:
    text = ESCAPE_SEQUENCE.sub("", text)
    return [line.strip() for line in text.splitlines() if line.strip()]


def _extract_page(html: str, base_url: str, doc: Document):
    """Title, links and visible text blocks; returns the parsed page."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    title_tag = soup.find("title")
    doc.title = " ".join(title_tag.get_text().split()) if title_tag else ""
    doc.links = _links(soup, base_url)
    doc.page_blocks = _lines(_visible_text(soup))
    return soup


def _visible_text(root) -> str:
    """The text a browser shows, a line break at each block element's start and end ("tersebut.<br>Dia" and
    "</p><p>" split, "<b>Smart</b> City" stays joined); invisible and `hidden` elements and comments left out.

    One iterative walk that never changes the tree: inserting line breaks with bs4 costs time proportional
    to the element's subtree and siblings each, quadratic on a long table or a deeply nested hostile page
    (20,000 nested divs took 30 s), and recursion would overflow on such a page."""
    from bs4 import CData, NavigableString, Tag

    parts: list[str] = []
    stack = [(iter(root.contents), False)]  # children still to visit, and whether their parent is a block
    while stack:
        children, block = stack[-1]
        node = next(children, None)
        if node is None:
            stack.pop()
            if block:
                parts.append("\n")
        elif isinstance(node, Tag):
            if node.name in _INVISIBLE_TAGS or node.get("hidden") is not None:
                continue
            opens_block = node.name in _BLOCK_TAGS
            if opens_block:
                parts.append("\n")
            stack.append((iter(node.contents), opens_block))
        elif type(node) in (NavigableString, CData):  # not comments, doctypes, processing instructions
            parts.append(str(node))
    return "".join(parts)


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
        try:
            url = urldefrag(urljoin(base_url, href))[0]
        except ValueError:  # "http://[oops/": no address a browser could follow either
            continue
        if not url[:8].lower().startswith(("http://", "https://")):  # HTTP://… is a page too
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

    _quiet_pypdf()
    try:
        reader = PdfReader(io.BytesIO(body))
        if reader.is_encrypted:
            locked = _unlock(reader)
            if locked:
                doc.problem = locked
                return
        pages = list(reader.pages)
    except Exception as exc:  # noqa: BLE001 - malformed PDFs raise anything from deep inside the parser
        doc.problem = _pdf_problem(exc)
        return
    texts, failures = [], []
    for page in pages:
        try:
            texts.append(" ".join((page.extract_text() or "").split()))
        except Exception as exc:  # noqa: BLE001 - one damaged page must not hide the others' text
            texts.append("")
            failures.append(exc)
    doc.pdf_pages = texts
    _pdf_metadata(reader, doc)
    if failures and len(failures) == len(pages):
        doc.problem = _pdf_problem(failures[0])
    elif not any(texts):
        doc.problem = "no text layer (scanned document)"


def _quiet_pypdf() -> None:
    """pypdf reports what it repairs ("EOF marker not found") through logging; with no handler configured
    Python's last-resort handler would print that on our standard error. The reason we give says enough."""
    import logging

    logger = logging.getLogger("pypdf")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())


def _unlock(reader) -> str | None:
    """Open an encrypted PDF with the empty password (many "protected" PDFs only restrict printing or
    copying); the reason it stays shut otherwise."""
    from pypdf import PasswordType
    from pypdf.errors import DependencyError

    try:
        if reader.decrypt("") != PasswordType.NOT_DECRYPTED:
            return None
    except DependencyError:
        return "the PDF is encrypted with AES, which needs the 'cryptography' package to read (pip install 'pypdf[crypto]')"
    except Exception as exc:  # noqa: BLE001 - an unsupported or broken encryption dictionary
        return f"the PDF is encrypted in a way that cannot be read ({type(exc).__name__}: {exc})"
    return "the PDF is encrypted and cannot be read without its password"


def _pdf_problem(exc: Exception) -> str:
    from pypdf.errors import DependencyError, FileNotDecryptedError

    if isinstance(exc, FileNotDecryptedError):
        return "the PDF is encrypted and cannot be read without its password"
    if isinstance(exc, DependencyError):
        return f"the PDF needs a package civicheck lacks to be read ({exc})"
    msg = " ".join(str(exc).split()) or type(exc).__name__
    return f"the PDF is damaged or incomplete and cannot be read ({msg})"


def _pdf_metadata(reader, doc: Document) -> None:
    try:
        meta = reader.metadata or {}
        doc.title = str(meta.get("/Title") or "")
        author = str(meta.get("/Author") or "") or None
        created, modified = meta.get("/CreationDate"), meta.get("/ModDate")
    except Exception:  # noqa: BLE001 - a broken info dictionary costs the metadata, not the text
        author = created = modified = None
    doc.meta = {"title": doc.title or None, "author": author, "sitename": None,
                "published": _pdf_date(created), "updated": _pdf_date(modified)}


def _pdf_date(value) -> str | None:
    """PDF dates look like D:20230115093000+07'00'; the day is what matters here."""
    m = re.match(r"D:(\d{4})(\d{2})(\d{2})", str(value or ""))
    return f"{m[1]}-{m[2]}-{m[3]}" if m else None
