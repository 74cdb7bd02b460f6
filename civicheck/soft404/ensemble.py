"""The ensemble: every signal family weighed together. A 2xx answer is a soft 404 when one strong signal
fires, or weak signals of two different families; a page behind a bot wall is never judged one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from civicheck.extract import Document
from civicheck.fetch import FetchResult
from civicheck.logs import get_logger
from civicheck.soft404.botwall import bot_wall_marker, detect_bot_wall
from civicheck.soft404.empty import empty_signals
from civicheck.soft404.markup import RAW_COMPARED, Markup, RawBody
from civicheck.soft404.page import Page, Signal, extract_document, is_2xx, norm, text_blocks
from civicheck.soft404.parked import parked_signals
from civicheck.soft404.probe import probe_signals
from civicheck.soft404.redirect import redirect_signals
from civicheck.soft404.wording import wording_signals

logger = get_logger(__name__)


@dataclass
class Assessment:
    soft404: bool
    # Every signal that fired, strongest first, each a short sentence a reporter can read. When soft404 is
    # False a lone weak signal may still be listed here, for the record: it was not enough on its own.
    signals: list[str] = field(default_factory=list)
    bot_wall: str | None = None  # "blocked by a bot wall (Cloudflare 'Just a moment...')"
    # The kinds of signal that decided soft404 (redirect, probe, wording, empty, parked): a text check reads
    # a page that is only short ("empty") but not one that says or acts "not found".
    families: list[str] = field(default_factory=list)


def read_markup(result: FetchResult, text: str, document: Document | None, root: Any = None) -> Markup:
    """Everything the signals need of the body itself (markup features, the bot-wall verdict, the raw start of
    a page without text), computed while it is at hand: the runner drops bodies once they are read. `text` is
    the body decoded (extract.decode_text) when it is a web page; `root` its lxml tree, when extraction
    parsed it already."""
    markup = Markup()
    if document is None or document.kind == "html":
        markup._parse(text, root)
    if result.status is not None:
        title = document.title if document is not None else markup.title
        raw = RawBody(result)
        markup.bot_wall = bot_wall_marker(result, norm(title), raw, result.status, document)
        if not text_blocks(document):
            markup.raw_head = raw.text[:RAW_COMPARED]
        if document is not None and document.kind == "html" and is_2xx(result):
            try:
                signals = content_signals(Page(result, document, markup))
            except Exception:  # noqa: BLE001 - left to assess(), which says what failed on which page
                logger.debug("content signals of %s", result.url, exc_info=True)
            else:
                markup.content_signals = [(s.family, s.strong, s.text) for s in signals]
    return markup


def content_signals(page: Page) -> list[Signal]:
    """The signals a web page's content gives by itself (wording, empty, parked): read_markup works them out
    where the page is read (a worker), so that assessing a run's pages costs the main process little."""
    signals = wording_signals(page)
    assert page.doc is not None
    if not page.doc.cut:  # a page too large to read whole is neither empty nor a short parking page
        signals += empty_signals(page)
        signals += parked_signals(page)
    return signals


def assess(
    result: FetchResult,
    document: Document | None,
    probe: FetchResult | None = None,
    probe_document: Document | None = None,
    enabled: bool = True,
    markup: Markup | None = None,
    probe_markup: Markup | None = None,
) -> Assessment:
    """Is this answer a real page, a soft 404, or a bot wall? `probe` is the fetch of probe_url(result.url).

    Only 2xx answers can be soft 404s (a 404 is a hard one). enabled=False (the claim's `soft404: false`)
    turns the soft-404 signals off; bot-wall detection stays on, since it only ever turns a verdict into
    "unknown", never into a wrong pass or fail. `markup`, `probe_markup`: read_markup() of each answer, needed
    once its body has been dropped.
    """
    wall = detect_bot_wall(result, document, markup)
    if wall:
        return Assessment(False, [], wall)
    if not enabled or not is_2xx(result):
        return Assessment(False, [])
    if document is None:
        document = extract_document(result)
    page = Page(result, document, markup)
    signals: list[Signal] = []
    signals += redirect_signals(page)
    if probe is not None:
        signals += probe_signals(page, probe, probe_document, probe_markup)
    if page.doc is not None and page.doc.kind == "html":
        known = page.html.content_signals
        signals += content_signals(page) if known is None else [Signal(*s) for s in known]
    return _combine(signals)


def _combine(signals: list[Signal]) -> Assessment:
    strong = [s for s in signals if s.strong]
    weak_families = {s.family for s in signals if not s.strong}
    soft = bool(strong) or len(weak_families) >= 2
    ordered = strong + [s for s in signals if not s.strong]
    texts = list(dict.fromkeys(s.text for s in ordered))
    deciding = strong if strong else [s for s in signals if not s.strong]
    return Assessment(soft, texts, families=sorted({s.family for s in deciding}) if soft else [])
