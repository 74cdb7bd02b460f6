"""A web page's own text, read from its lxml tree (extract/tree.py): its title, the visible text block by
block, its links (all, or under a CSS selector: read by extract/links.py), and the part the page itself marks
as the article body.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from civicheck.extract.charset import decode_text
from civicheck.extract.clean import clean_text, lines_of
from civicheck.extract.document import Document, Link, squash
from civicheck.extract.limits import readable_part
from civicheck.extract.links import links_in as links_in_tree
from civicheck.extract.tree import BLOCK_TAGS, HIDDEN_TEXT, INVISIBLE_TAGS, parse_tree
from civicheck.fetch import FetchResult


def parse_page(
    root: Any, html: str, base_url: str, doc: Document, selectors: Sequence[str] = (), links: bool = True
) -> None:
    """Title, links (and those of each query a links check makes: link_query) and visible text blocks, read
    from the page's lxml tree (extract/tree.py; None when the markup held nothing to parse)."""
    if root is None:
        return
    title_tag = next(root.iter("title"), None)
    doc.title = clean_text(" ".join(_text(title_tag).split()), doc) if title_tag is not None else ""
    if links:
        doc.links = links_in_tree(root, base_url, doc=doc)
    else:
        doc.links_read = False  # a tenth of reading a page, for pages only text checks cite
    doc.page_blocks = lines_of(visible_text(root), doc)
    if selectors:
        # CSS selectors need soupsieve (BeautifulSoup): parsed again only for a page a links check selects in.
        soup = None
        if any(parse_link_query(key)[0] for key in selectors):
            from bs4 import BeautifulSoup

            soup = BeautifulSoup(html, "lxml")
        for key in selectors:
            doc.selected_links[key] = _selected_links(soup, root, base_url, key, doc)


def visible_text(root: Any) -> str:
    """The text a browser shows, a line break at each block element's start and end ("tersebut.<br>Dia" and
    "</p><p>" split, "<b>Smart</b> City" stays joined); invisible and `hidden` elements and comments left out.

    One walk of lxml's events (iterwalk: in C, and never recursive, so a deeply nested hostile page of 20,000
    nested divs cannot overflow it; 11% faster than a walk of Python iterators) that never changes the tree.
    An lxml element holds its own text first, and the text after it as its `tail`."""
    from lxml import etree

    parts: list[str] = []
    add = parts.append

    def shown(piece: str, preserve: bool) -> str:
        return piece if preserve or piece.strip(_ASCII_SPACES) else "\n" if "\n" in piece else " "

    if root.text:
        add(shown(root.text, False))
    # Each element open below `root`: whether it is a block, and whether whitespace is kept around it (None:
    # an element not shown, whose inside the walk skips).
    opened: list[tuple[bool, bool] | None] = []
    preserve = False  # whether whitespace is kept where the walk is
    walk = etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    next(walk)  # the start of `root`, whose text is read above
    for event, node in walk:
        if event == "start":
            tag = node.tag
            if tag in _NOT_SHOWN or not isinstance(tag, str) or node.get("hidden") is not None:
                walk.skip_subtree()
                opened.append(None)
                continue
            opens_block = tag in _BLOCKS
            if opens_block:
                add("\n")
            inner = preserve or tag in _PRESERVING
            if text := node.text:
                add(shown(text, inner))
            opened.append((opens_block, preserve))
            preserve = inner
        elif event == "end":
            if not opened:
                break  # the end of `root`: its tail is not its text
            state = opened.pop()
            if state is not None:
                opens_block, preserve = state
                if opens_block:
                    add("\n")
            if tail := node.tail:  # (after a script or a hidden element too: what follows it is shown)
                add(shown(tail, preserve))
        elif tail := node.tail:  # a comment or a processing instruction: not shown, what follows it is
            add(shown(tail, preserve))
    return "".join(parts)


# Sets, and each element's tag read once: lxml makes a new string at each read, and the walk visits every
# element of the page (a tag looked up in a tuple of 45 was a fifth of it).
_NOT_SHOWN = frozenset(INVISIBLE_TAGS + HIDDEN_TEXT)
_BLOCKS = frozenset(BLOCK_TAGS)


# Text made only of these is one space or one line break (as BeautifulSoup, which read pages before, kept it)...
_ASCII_SPACES = " \n\t\x0c\r"
# ... except inside these.
_PRESERVING = frozenset(("pre", "textarea"))


_NO_TEXT = ("script", "style", "template", "rt", "rp")  # what _text leaves out, inside or around an element
_TEXT_XPATH = ".//text()[not(" + " or ".join(f"ancestor::{tag}" for tag in _NO_TEXT) + ")]"


def _text(element: Any) -> str:
    """An element's text (without what scripts, styles and comments inside it hold), from lxml or bs4."""
    if hasattr(element, "get_text"):
        return element.get_text()
    return "".join(element.xpath(_TEXT_XPATH))


def _shown_text(element: Any) -> str:
    """_text(element) of an lxml element; its text_content() (four times faster) where there is nothing
    inside it or around it that _text leaves out, as in most articles."""
    if next(element.iter(*_NO_TEXT), None) is None and next(element.iterancestors(*_NO_TEXT), None) is None:
        return element.text_content()
    return _text(element)


def _squashed_start(text: str, length: int) -> str:
    """squash(text)[:length], squashing only the start of a long text where that is enough: squash()
    works character by character, so that of a start is the start of squash(text)."""
    start = squash(text[: 4 * length])
    return start[:length] if len(start) >= length else squash(text)[:length]


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
    roots = [
        lxml.html.fragment_fromstring(str(element), create_parent="div")
        for element in chosen
        if not any(id(parent) in ids for parent in element.parents)
    ]
    return links_in_tree(tree, base_url, resources=resources, roots=roots, doc=doc)


def links_in(result: FetchResult, selector: str | None = None, resources: bool = False) -> list[Link]:
    """The page's links as a browser resolves them (extract/links.py), only those inside elements matching
    the CSS `selector` when one is given, with what the page loads when `resources`."""
    from bs4 import BeautifulSoup

    scratch = Document(result.url, result.final_url, "html")
    html = readable_part(decode_text(result))
    soup = BeautifulSoup(html, "lxml") if selector else None
    return _selected_links(soup, parse_tree(html), result.final_url, link_query(selector, resources), scratch)


# A links check's query, as the key of Document.selected_links: its CSS selector, "@resources" before it when
# the page's resources are wanted too ("@" starts no CSS selector).
_RESOURCES_KEY = "@resources"


def link_query(selector: str | None, resources: bool) -> str:
    return f"{_RESOURCES_KEY} {selector or ''}".rstrip() if resources else (selector or "")


def parse_link_query(key: str) -> tuple[str, bool]:
    if key.startswith(_RESOURCES_KEY):
        return key[len(_RESOURCES_KEY) :].strip(), True
    return key, False


def marked_body(root: Any, page_blocks: list[str], article_paragraphs: list[str]) -> tuple[int, int] | None:
    """The page blocks (0-based, first and last) of the element the page marks as the article body: the one
    with itemprop="articleBody", else the <article> holding most of the extracted main text. None when there
    is no such element, or it wraps far more than the article (a theme that puts the whole page in <article>).
    """
    keys = [k for k in (_squashed_start(p, 60) for p in article_paragraphs) if len(k) >= 20]
    if not keys or root is None:
        return None
    best, best_score = None, 0
    # The elements marked from their itemprop attributes (a search of every element for one took twice as
    # long); the <article>s only where none is.
    marked = [attribute.getparent() for attribute in root.xpath("//@itemprop[.='articleBody']")]
    for element in marked or root.xpath("//article"):
        text = squash(_shown_text(element))
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
        if page_blocks[k] == lines[0] and page_blocks[k : k + len(lines)] == lines:
            return k, k + len(lines) - 1
    return None
