"""A web page's own text, read with BeautifulSoup: its title, the visible text block by block, its links (all,
or under a CSS selector: read by extract/links.py), and the part the page itself marks as the article body.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from civicheck.extract.charset import decode_text
from civicheck.extract.clean import clean_text, lines_of
from civicheck.extract.document import Document, Link, squash
from civicheck.extract.limits import readable_part
from civicheck.extract.links import links_in as links_in_tree
from civicheck.extract.links import parse_html
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
    """Title, links (and those of each query a links check makes: link_query) and visible text blocks;
    returns the parsed page."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    title_tag = soup.find("title")
    doc.title = clean_text(" ".join(title_tag.get_text().split()), doc) if title_tag else ""
    # The links are read over an lxml tree (extract/links.py); parsed here a second time until the page is
    # parsed once for every reader.
    tree = parse_html(html)
    doc.links = links_in_tree(tree, base_url, doc=doc) if tree is not None else []
    doc.page_blocks = lines_of(visible_text(soup), doc)
    for key in selectors:
        doc.selected_links[key] = _selected_links(soup, tree, base_url, key, doc)
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


def _selected_links(soup, tree, base_url: str, key: str, doc: Document) -> list[Link]:
    """The links of one links-check query (see link_query): under a CSS selector, with the page's resources."""
    import lxml.html

    selector, resources = parse_link_query(key)
    if tree is None:
        return []
    if not selector:
        return links_in_tree(tree, base_url, resources=resources, doc=doc)
    # soupsieve selects (the selectors users wrote are checked with it); each outermost match is handed to the
    # link reader as a fragment, resolved against the whole page's <base>.
    chosen = soup.select(selector)
    ids = {id(element) for element in chosen}
    roots = [lxml.html.fragment_fromstring(str(element), create_parent="div")
             for element in chosen if not any(id(parent) in ids for parent in element.parents)]
    return links_in_tree(tree, base_url, resources=resources, roots=roots, doc=doc)


def links_in(result: FetchResult, selector: str | None = None, resources: bool = False) -> list[Link]:
    """The page's links as a browser resolves them (extract/links.py), only those inside elements matching
    the CSS `selector` when one is given, with what the page loads when `resources`."""
    from bs4 import BeautifulSoup

    scratch = Document(result.url, result.final_url, "html")
    html = readable_part(decode_text(result))
    soup = BeautifulSoup(html, "lxml") if selector else None
    return _selected_links(soup, parse_html(html), result.final_url, link_query(selector, resources), scratch)


# A links check's query, as the key of Document.selected_links: its CSS selector, "@resources" before it when
# the page's resources are wanted too ("@" starts no CSS selector).
_RESOURCES_KEY = "@resources"


def link_query(selector: str | None, resources: bool) -> str:
    return f"{_RESOURCES_KEY} {selector or ''}".rstrip() if resources else (selector or "")


def parse_link_query(key: str) -> tuple[str, bool]:
    if key.startswith(_RESOURCES_KEY):
        return key[len(_RESOURCES_KEY):].strip(), True
    return key, False


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
