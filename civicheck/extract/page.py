"""A web page's own text, read with BeautifulSoup: its title, the visible text block by block, its links (all,
or under a CSS selector), and the part the page itself marks as the article body.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urldefrag, urljoin

from civicheck.extract.charset import decode_text
from civicheck.extract.clean import clean_text, lines_of
from civicheck.extract.document import Document, Link, squash
from civicheck.extract.limits import readable_part
from civicheck.fetch import FetchResult

# Elements whose boundaries end a line of visible text. Inline elements (a, b, span...) join their neighbours.
_BLOCK_TAGS = (
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "dialog", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup",
    "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "td", "th", "tr", "ul",
    "option", "button", "label", "title",
)
# Never visible: their text is code, styling or alternative content for other agents.
_INVISIBLE_TAGS = ("script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "head")


def parse_page(html: str, base_url: str, doc: Document, selectors: Sequence[str] = ()) -> Any:
    """Title, links (and those under each CSS selector a links check names) and visible text blocks;
    returns the parsed page."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    title_tag = soup.find("title")
    doc.title = clean_text(" ".join(title_tag.get_text().split()), doc) if title_tag else ""
    doc.links = _links(soup, base_url, doc)
    doc.page_blocks = lines_of(visible_text(soup), doc)
    for selector in selectors:
        doc.selected_links[selector] = _selected_links(soup, base_url, selector, doc)
    return soup


def visible_text(root) -> str:
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
            seen[url] = Link(url, clean_text(text, doc))
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


def links_in(result: FetchResult, selector: str | None = None) -> list[Link]:
    """The page's links (absolute, fragments dropped, mailto/tel/javascript ignored, first text kept),
    only those inside elements matching the CSS `selector` when one is given."""
    from bs4 import BeautifulSoup

    scratch = Document(result.url, result.final_url, "html")
    soup = BeautifulSoup(readable_part(decode_text(result)), "lxml")
    if selector is None:
        return _links(soup, result.final_url, scratch)
    return _selected_links(soup, result.final_url, selector, scratch)


def marked_body(soup: Any, page_blocks: list[str], article_paragraphs: list[str]) -> tuple[int, int] | None:
    """The page blocks (0-based, first and last) of the element the page marks as the article body: the one
    with itemprop="articleBody", else the <article> holding most of the extracted main text. None when there
    is no such element, or it wraps far more than the article (a theme that puts the whole page in <article>).
    """
    keys = [k for k in (squash(p)[:60] for p in article_paragraphs) if len(k) >= 20]
    if not keys:
        return None
    best, best_score = None, 0
    # One walk, not select (soupsieve takes tens of milliseconds on a large page) nor two find_all.
    marked, articles = [], []
    for tag in soup.find_all(True):
        if tag.get("itemprop") == "articleBody":
            marked.append(tag)
        elif tag.name == "article":
            articles.append(tag)
    for element in marked or articles:
        text = squash(element.get_text())
        score = sum(k in text for k in keys)
        if score > best_score:
            best, best_score = element, score
    if best is None:
        return None
    lines = lines_of(visible_text(best))
    main = sum(len(p) for p in article_paragraphs)
    if not lines or sum(len(line) for line in lines) > 3 * main + 1500:
        return None
    for k in range(len(page_blocks) - len(lines) + 1):
        if page_blocks[k] == lines[0] and page_blocks[k:k + len(lines)] == lines:
            return k, k + len(lines) - 1
    return None
