"""Evidence extraction: a fetched response becomes a Document (page text, main article text, links, metadata,
PDF pages). Pure transformation of bytes already fetched; it never touches the network.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit

from civicheck.dates import Publication
from civicheck.escape import ESCAPE_SEQUENCE  # page text loses them at extraction already
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
    repaired: bool = False  # mojibake was repaired in the text (MOJIBAKE_NOTE)
    # Set when a huge page was read only in part (see PAGE_LIMIT): "only the first 2 MB of its 24 MB of markup
    # were read". What was not read can neither be found nor ruled out.
    cut: str | None = None
    article_cut: bool = False  # the main text was looked for in the first ARTICLE_LIMIT characters only
    selected_links: dict[str, list[Link]] = field(default_factory=dict)  # CSS selector -> links_in() of it

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
            if self.article_cut:  # its main text may go on past the part that was searched for it
                return page, [], "the page is too large to find its main text in; searched the whole page instead"
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


def extract(result: FetchResult, selectors: Sequence[str] = (), text: str | None = None) -> Document:
    """Build the Document for a fetched response (any status: 404 pages have text worth reading too).
    `selectors`: CSS selectors whose links to collect now (Document.selected_links), while the page is parsed;
    `text`: the body already decoded (decode_text), to decode it once."""
    doc = Document(url=result.url, final_url=result.final_url, kind=_kind(result))
    if doc.kind == "pdf":
        _extract_pdf(result.body, doc)
    elif doc.kind == "html":
        html = readable_part(decode_text(result) if text is None else text, PAGE_LIMIT, doc)
        soup = _extract_page(html, result.final_url, doc, selectors)
        if doc.repaired:
            # trafilatura drops control characters, and with them the "\x9d" that ends a garbled "”": its
            # text could no longer be repaired right. A page whose text needed repair is repaired whole first.
            html = repair(html)
        doc.article_cut = len(html) > ARTICLE_LIMIT
        _extract_article(html[:ARTICLE_LIMIT], result.final_url, doc)
        from civicheck.dates import publication
        from civicheck.locate import marked_body

        doc.body = marked_body(soup, doc.page_blocks, doc.article_paragraphs)
        doc.publication, doc.meta["updated"] = publication(soup, html[:DATE_LIMIT], result.final_url,
                                                           doc.page_blocks, doc.article_paragraphs, doc.title)
        doc.meta["published"] = doc.publication.date
    elif doc.kind == "text":
        text = decode_text(result) if text is None else text
        doc.page_blocks = _lines(readable_part(text, PAGE_LIMIT, doc, tags=False), doc)
    else:
        doc.problem = f"cannot read text from a {result.content_type or 'document of unknown type'}"
    return doc


# Reading a page costs time and memory with the size of its markup (BeautifulSoup takes 30 µs and 1 kB per
# element; trafilatura and htmldate slow down faster than the page grows: 24 MB of text took over 300 s, 24 MB
# of "<div><a>" 3.8 GB), so only the start of a huge page is read, and Document.cut says so. The largest page
# of our news corpus has 1.5 MB of markup, the most elements 2,200.
PAGE_LIMIT = 2_000_000  # characters of markup (or text) read
ELEMENT_LIMIT = 100_000  # elements read, however short (a table of 30,000 rows is read whole)
_START_TAG = re.compile(r"<[A-Za-z]")
# The main text is looked for in less (trafilatura takes 2 s per MB of prose): on a page larger than this,
# `scope: article` searches the whole page text instead (Document.passages says so).
ARTICLE_LIMIT = 1_000_000
# Dates sit in the head and the article's first lines: on the 217 corpus pages, a longer search found no
# other (a search of the first 200 kB changed 4 of them).
DATE_LIMIT = 500_000


def readable_part(markup: str, limit: int = PAGE_LIMIT, doc: Document | None = None, tags: bool = True) -> str:
    """The part of `markup` that is read: at most `limit` characters and (`tags`) ELEMENT_LIMIT tags;
    `doc.cut` says so when that is not all of it."""
    end = min(len(markup), limit)
    if tags and markup.count("<", 0, end) > ELEMENT_LIMIT:  # a cheap bound first: "<" also ends elements
        for count, tag in enumerate(_START_TAG.finditer(markup, 0, end)):
            if count == ELEMENT_LIMIT:
                end = tag.start()  # before the first element over the limit
                break
    if end == len(markup):
        return markup
    if doc is not None:
        what = "markup" if tags else "text"
        doc.cut = f"only the first {_size(end)} of its {_size(len(markup))} of {what} were read"
    return markup[:end]


def _size(chars: int) -> str:
    return f"{chars / 1e6:.1f} MB".replace(".0 MB", " MB") if chars >= 1e6 else f"{round(chars / 1000)} kB"


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


# ftfy's encoding repairs only ("â€\x9d" -> "”", "Ã©" -> "é", text encoded twice, cp1252 read as latin-1);
# every fix that would change correct text (curly quotes made straight, ligatures, widths, NFC, HTML entities)
# is off: the page's own wording is the evidence, and match.py folds quotes and widths for matching anyway.
# Controls and terminal escapes are left for ESCAPE_SEQUENCE, so they are removed as whole sequences.
_FTFY_OPTIONS = dict(
    unescape_html=False, remove_terminal_escapes=False, fix_latin_ligatures=False, fix_character_width=False,
    uncurl_quotes=False, fix_line_breaks=False, remove_control_chars=False, normalization=None, explain=False,
)
MOJIBAKE_NOTE = "the page's text was repaired from garbled encoding (mojibake)"


# The "”" of UTF-8 read as windows-1252 is "â€" and a byte (0x9D) that windows-1252 leaves undefined, so many
# systems drop it: "â€ kata" is left, which ftfy cannot repair, or reads as the dagger "†" (taking the space
# for a lost no-break space). "â€" followed by no character a windows-1252 byte 0x80-0xBF reads as has lost
# its last byte, and it was 0x9D: the other undefined bytes make characters pages hardly use (U+2001,
# U+200D, U+200F, U+2010). It is put back before ftfy repairs the text.
_LOST_9D = re.compile("\u00e2\u20ac(?![\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030"
                      "\u0160\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122"
                      "\u0161\u203a\u0153\u017e\u0178])")


def repair(text: str) -> str:
    """Text with its mojibake repaired (see _FTFY_OPTIONS); correct text comes back unchanged."""
    if text.isascii():  # mojibake is made of non-ASCII characters: most text is let through at C speed
        return text
    import ftfy

    text = _LOST_9D.sub("\u00e2\u20ac\x9d", text)

    # ftfy repairs line by line; handing it only the lines that are not ASCII does the same four times faster.
    config = _ftfy_config()
    return "\n".join(line if line.isascii() else ftfy.fix_text(line, config) for line in text.split("\n"))


@functools.cache
def _ftfy_config():
    import ftfy

    return ftfy.TextFixerConfig(**_FTFY_OPTIONS)


def _clean_text(text: str, doc: Document | None) -> str:
    """Untrusted text as matching and evidence see it: mojibake repaired (noted on the document, when one is
    given), then escape sequences and stray C1 controls removed (after the repair, which turns "â€\x9d" into
    "”")."""
    fixed = repair(text)
    if fixed != text and doc is not None:
        doc.repaired = True
    return ESCAPE_SEQUENCE.sub("", fixed)


def _lines(text: str, doc: Document | None = None) -> list[str]:
    text = _clean_text(text, doc)
    return [line.strip() for line in text.splitlines() if line.strip()]


def _extract_page(html: str, base_url: str, doc: Document, selectors: Sequence[str] = ()):
    """Title, links (and those under each CSS selector a links check names) and visible text blocks;
    returns the parsed page."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    title_tag = soup.find("title")
    doc.title = _clean_text(" ".join(title_tag.get_text().split()), doc) if title_tag else ""
    doc.links = _links(soup, base_url, doc)
    doc.page_blocks = _lines(_visible_text(soup), doc)
    for selector in selectors:
        doc.selected_links[selector] = _selected_links(soup, base_url, selector, doc)
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


# Links kept per page: a portal's menu has hundreds; a page with a million is hostile, and each costs memory
# until the run ends.
LINK_LIMIT = 20_000


def _links(soup, base_url: str, doc: Document) -> list[Link]:
    return _links_of(soup.find_all("a", href=True), base_url, doc)


def _links_of(anchors, base_url: str, doc: Document) -> list[Link]:
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
            text = " ".join(a.get_text().split())
            seen[url] = Link(url, _clean_text(text, doc))
            if len(seen) >= LINK_LIMIT:
                break
    return list(seen.values())


def _selected_links(soup, base_url: str, selector: str, doc: Document) -> list[Link]:
    found: dict[str, Link] = {}
    for element in soup.select(selector):
        anchors = [element] if element.name == "a" else []
        for link in _links_of(anchors + element.find_all("a", href=True), base_url, doc):
            found.setdefault(link.url, link)
    return list(found.values())


def _extract_article(html: str, url: str, doc: Document) -> None:
    import trafilatura

    found = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True, favor_recall=True,
        # Its own date search is not used (_dates decides): the quick one, not the search of the whole text.
        date_extraction_params={"original_date": True, "extensive_search": False},
    )
    if found is None:
        doc.meta = {"title": doc.title or None, "author": None, "sitename": None}
        return
    doc.article_paragraphs = _lines(found.text or "", doc)
    meta = {"title": found.title, "author": found.author, "sitename": found.sitename}
    meta = {k: _clean_text(v, doc) or None if isinstance(v, str) else None for k, v in meta.items()}
    doc.meta = {**meta, "title": meta["title"] or doc.title or None}


def links_in(result: FetchResult, selector: str | None = None) -> list[Link]:
    """The page's links (absolute, fragments dropped, mailto/tel/javascript ignored, first text kept),
    only those inside elements matching the CSS `selector` when one is given."""
    from bs4 import BeautifulSoup

    scratch = Document(result.url, result.final_url, "html")
    soup = BeautifulSoup(readable_part(decode_text(result)), "lxml")
    if selector is None:
        return _links(soup, result.final_url, scratch)
    return _selected_links(soup, result.final_url, selector, scratch)


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
    doc.pdf_pages = [_clean_text(t, doc) for t in texts]
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
