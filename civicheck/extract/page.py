"""A web page's own text, read from its lxml tree (extract/tree.py): its title, the visible text block by
block, its links (all, or under a CSS selector), and the part the page itself marks as the article body.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urldefrag, urljoin

from civicheck.extract.charset import decode_text
from civicheck.extract.clean import clean_text, lines_of
from civicheck.extract.document import Document, Link, squash
from civicheck.extract.limits import readable_part
from civicheck.extract.tree import BLOCK_TAGS, HIDDEN_TEXT, INVISIBLE_TAGS, parse_tree
from civicheck.fetch import FetchResult


def parse_page(root: Any, html: str, base_url: str, doc: Document, selectors: Sequence[str] = ()) -> None:
    """Title, links (and those under each CSS selector a links check names) and visible text blocks, read from
    the page's lxml tree (extract/tree.py; None when the markup held nothing to parse)."""
    if root is None:
        return
    title_tag = next(root.iter("title"), None)
    doc.title = clean_text(" ".join(_text(title_tag).split()), doc) if title_tag is not None else ""
    doc.links = _links(root, base_url, doc)
    doc.page_blocks = lines_of(visible_text(root), doc)
    if selectors:
        # CSS selectors need soupsieve (BeautifulSoup): parsed again only for a page a links check selects in.
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(html, "lxml")
        for selector in selectors:
            doc.selected_links[selector] = _selected_links(soup, base_url, selector, doc)


def visible_text(root: Any) -> str:
    """The text a browser shows, a line break at each block element's start and end ("tersebut.<br>Dia" and
    "</p><p>" split, "<b>Smart</b> City" stays joined); invisible and `hidden` elements and comments left out.

    One iterative walk that never changes the tree: recursion would overflow on a deeply nested hostile page
    (20,000 nested divs). An lxml element holds its own text first, and the text after it as its `tail`."""
    parts: list[str] = []
    add = parts.append

    def text(piece: str | None, preserve: bool) -> None:
        if piece:
            add(piece if preserve or piece.strip(_ASCII_SPACES) else "\n" if "\n" in piece else " ")

    text(root.text, False)
    # children still to visit, whether their parent is a block, the parent, whether whitespace is kept there
    stack = [(iter(root), False, None, False)]
    while stack:
        children, block, parent, preserve = stack[-1]
        node = next(children, None)
        if node is None:
            stack.pop()
            if block:
                add("\n")
            if parent is not None:
                text(parent.tail, stack[-1][3] if stack else False)
        elif not isinstance(node.tag, str) or node.tag in INVISIBLE_TAGS or node.tag in HIDDEN_TEXT or (
                node.get("hidden") is not None):
            text(node.tail, preserve)  # a comment, a script, a hidden element: what follows it is shown
        else:
            opens_block = node.tag in BLOCK_TAGS
            if opens_block:
                add("\n")
            inner = preserve or node.tag in _PRESERVING
            text(node.text, inner)
            stack.append((iter(node), opens_block, node, inner))
    return "".join(parts)


# Text made only of these is one space or one line break (as BeautifulSoup, which read pages before, kept it)...
_ASCII_SPACES = " \n\t\x0c\r"
# ... except inside these.
_PRESERVING = ("pre", "textarea")


def _text(element: Any) -> str:
    """An element's text (without what scripts, styles and comments inside it hold), from lxml or bs4."""
    if hasattr(element, "get_text"):
        return element.get_text()
    return "".join(element.xpath(".//text()[not(ancestor::script or ancestor::style or ancestor::template"
                                 " or ancestor::rt or ancestor::rp)]"))


# Links kept per page: a portal's menu has hundreds; a page with a million is hostile, and each costs memory
# until the run ends.
LINK_LIMIT = 20_000


def _links(root: Any, base_url: str, doc: Document) -> list[Link]:
    return _links_of((a for a in root.iter("a") if a.get("href") is not None), base_url, doc)


def _links_of(anchors, base_url: str, doc: Document) -> list[Link]:
    seen: dict[str, Link] = {}
    for a in anchors:
        if not a.get("href"):
            continue
        href = a.get("href").strip()
        if not href or href.startswith("#"):
            continue
        try:
            url = urldefrag(urljoin(base_url, href))[0]
        except ValueError:  # "http://[oops/": no address a browser could follow either
            continue
        if not url[:8].lower().startswith(("http://", "https://")):  # HTTP://… is a page too
            continue  # mailto:, tel:, javascript: are not pages
        if url not in seen:
            text = " ".join(_text(a).split())
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
    html = readable_part(decode_text(result))
    if selector is None:
        root = parse_tree(html)
        return _links(root, result.final_url, scratch) if root is not None else []
    return _selected_links(BeautifulSoup(html, "lxml"), result.final_url, selector, scratch)


def marked_body(root: Any, page_blocks: list[str], article_paragraphs: list[str]) -> tuple[int, int] | None:
    """The page blocks (0-based, first and last) of the element the page marks as the article body: the one
    with itemprop="articleBody", else the <article> holding most of the extracted main text. None when there
    is no such element, or it wraps far more than the article (a theme that puts the whole page in <article>).
    """
    keys = [k for k in (squash(p)[:60] for p in article_paragraphs) if len(k) >= 20]
    if not keys or root is None:
        return None
    best, best_score = None, 0
    marked, articles = [], []
    for tag in root.xpath("//*[@itemprop='articleBody'] | //article"):  # one search for both, in C
        if tag.get("itemprop") == "articleBody":
            marked.append(tag)
        elif tag.tag == "article":
            articles.append(tag)
    for element in marked or articles:
        text = squash(_text(element))
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
