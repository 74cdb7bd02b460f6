"""The one parse of a web page: an lxml.html tree that the page text, links, dates (htmldate), main text
(trafilatura) and the soft-404 markup features all read, so a page is parsed once rather than seven times.
"""

from __future__ import annotations

import threading
from typing import Any

# Elements whose boundaries end a line of visible text. Inline elements (a, b, span...) join their neighbours.
BLOCK_TAGS = (
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "caption",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "td",
    "th",
    "tr",
    "ul",
    "option",
    "button",
    "label",
    "title",
)
# Never visible: their text is code, styling or alternative content for other agents.
INVISIBLE_TAGS = ("script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "head")
# Text inside these is never shown as the page's text (BeautifulSoup, read before, kept it apart too).
HIDDEN_TEXT = ("script", "style", "template", "rt", "rp")

_local = threading.local()  # one parser a thread: its error log tells whether the last parse was cut short


def _parser() -> Any:
    parser = getattr(_local, "parser", None)
    if parser is None:
        from lxml import etree
        from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HTMLParser, HtmlProcessingInstruction

        # htmldate's own settings (it reads comments, never processing instructions): handed this tree,
        # htmldate finds the dates it found parsing the string itself.
        parser = _local.parser = HTMLParser(collect_ids=False, default_doctype=False, remove_pis=True)
        # Every element an HtmlElement (text_content() and the rest), its class found in C: lxml.html's own
        # lookup runs Python code each time an element is touched, to give forms and inputs classes of
        # their own that nothing reading pages here uses (a tenth of reading a page for its liveness).
        parser.set_element_class_lookup(
            etree.ElementDefaultClassLookup(
                element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
            )
        )
    return parser


def parse_tree(html: str) -> Any:
    """The page's lxml.html document (its <html> element) as trafilatura and htmldate would parse it, or None
    when the markup holds nothing to parse.

    The markup is repaired as htmldate and trafilatura repair it before parsing (a doctype on the first line
    that libxml2 misreads, a self-closing <html/>): their readings of this tree are those of their own parse."""
    import lxml.html
    from lxml import etree

    # libxml2 stops reading at a NUL character; BeautifulSoup, which read pages before, showed it as U+FFFD.
    html = _repaired(html).replace("\x00", "\ufffd")
    try:
        return lxml.html.document_fromstring(html, parser=_parser())
    except (etree.ParserError, ValueError):
        # ValueError: a str declaring its encoding in an XML declaration; as UTF-8 bytes lxml reads it.
        try:
            return lxml.html.document_fromstring(html.encode("utf-8", "surrogatepass"), parser=_parser())
        except (etree.ParserError, ValueError, UnicodeError):
            return None


def whole_tree(root: Any, html: str) -> Any:
    """The tree the page's own text is read from: `root` (parse_tree's, just made on this thread), unless the
    page nests elements deeper than libxml2 builds a tree, where it stops reading the page (20,000 nested
    divs: all text after them lost). Such a page is parsed again from the parser's events, which have no
    depth limit, into a tree _Flattened below that depth: only for a page no real site serves."""
    if root is None or not any("depth" in str(e.message).lower() for e in _parser().error_log):
        return root
    from lxml import etree

    target: Any = _Flattened()  # a parser target by its methods (start, end, data, close), as lxml asks
    parser = etree.HTMLParser(target=target, collect_ids=False, remove_pis=True)
    try:
        parser.feed(_repaired(html))
        return parser.close()
    except (etree.LxmlError, ValueError):
        return root


_FLAT_DEPTH = 200  # elements nested deeper become part of the one at this depth


class _Flattened:
    """An lxml parser target building the page's tree with elements below _FLAT_DEPTH folded into their
    ancestor: a block element there leaves its line break, an invisible one drops its text. (lxml checks every
    appended element against its ancestors: a tree 20,000 deep took 7 s to build, this one 0.5 s.)"""

    def __init__(self) -> None:
        import lxml.html
        from lxml import etree

        def element(tag: str, attrib: Any) -> Any:  # lxml.html elements, as parse_tree's (text_content...)
            return lxml.html.html_parser.makeelement(tag, attrib=dict(attrib))

        self.blocks = frozenset(BLOCK_TAGS)
        self.hiding = frozenset(INVISIBLE_TAGS + HIDDEN_TEXT)
        factory: Any = element  # lxml accepts any callable; its stubs name an element class only
        self.builder = etree.TreeBuilder(element_factory=factory)
        self.depth = 0
        self.deep: list[bool] = []  # for each open element below _FLAT_DEPTH: does it hide its text?

    def start(self, tag: str, attrib: Any) -> None:
        self.depth += 1
        if self.depth <= _FLAT_DEPTH:
            self.builder.start(tag, attrib)
            return
        hides = bool(self.deep and self.deep[-1]) or tag in self.hiding or "hidden" in attrib
        self.deep.append(hides)
        if tag in self.blocks and not hides:
            self.builder.data("\n")

    def end(self, tag: str) -> None:
        self.depth -= 1
        if self.depth < _FLAT_DEPTH:
            self.builder.end(tag)
            return
        hides = self.deep.pop()
        if tag in self.blocks and not hides:
            self.builder.data("\n")

    def data(self, text: str) -> None:
        if not (self.deep and self.deep[-1]):
            self.builder.data(text)

    def close(self) -> Any:
        return self.builder.close()


def _repaired(html: str) -> str:
    try:
        from htmldate.utils import repair_faulty_html
    except ImportError:  # a future htmldate without it: libxml2 reads the page as it is
        return html
    return repair_faulty_html(html, html[:50].lower())
