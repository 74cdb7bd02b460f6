"""Signal family "wording": the title, a heading, a short block or the main text says "not found" (in English
or Indonesian), and nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from civicheck.soft404.page import PROSE, Page, Signal, shortened
from civicheck.soft404.words import could_say_missing, might_say_missing, norm

_NOT = r"(?:not|cannot|can't|can not|could not|couldn't|doesn't|does not|is not|isn't|no longer)"
_TIDAK = r"(?:tidak|tak|belum)"
# A message about a *page* (or 404) being missing: strong in any heading.
_PAGE_MISSING = [
    re.compile(
        rf"\bhalaman\b.{{0,160}}?\b{_TIDAK}\s+(?:dapat\s+|bisa\s+|lagi\s+)?"
        r"(?:ditemukan|tersedia|ada|ditemui|dapat diakses|bisa diakses)\b"
    ),
    re.compile(r"\bhalaman\b.{0,160}?\b(?:telah|sudah)\s+(?:dihapus|dipindahkan|dipindah)\b"),
    re.compile(
        r"\b(?:page|url|link|resource)\b.{0,160}?\b" + _NOT + r"\s+(?:be\s+)?(?:found|available|exists?)\b"
    ),
    re.compile(r"\b(?:page|url)\b.{0,160}?\b(?:has been|was|have been)\s+(?:removed|deleted|moved)\b"),
    re.compile(
        r"\bwe\s+(?:can't|cannot|can not|couldn't|could not)\s+find\s+(?:the|that|this|your)\s+page\b"
    ),
    re.compile(r"\b(?:error|kesalahan|galat|http|status)\s*:?\s*404\b|\b404\s*(?:error|page|halaman)\b"),
    re.compile(r"\b404\b.{0,10}?\b(?:not found|tidak ditemukan|page not found|halaman tidak ditemukan)\b"),
    re.compile(r"\bhalaman\s+404\b"),
]
# A message about *something* being missing ("Not Found", "Data tidak ditemukan"): strong in the title or
# h1, weak elsewhere (a search box "tidak ditemukan" in a sidebar is not the page).
_THING_MISSING = [
    re.compile(r"\bnot\s+found\b"),
    re.compile(r"\b" + _TIDAK + r"\s+(?:dapat\s+|bisa\s+)?ditemukan\b"),
    re.compile(r"\b(?:does not|doesn't|no longer)\s+exists?\b"),
    re.compile(
        r"\b(?:file|document|article|post|content|item|news)\s+(?:" + _NOT + r")\s+(?:be\s+)?"
        r"(?:found|available)\b"
    ),
    re.compile(
        r"\b(?:berita|artikel|konten|data|dokumen|file|berkas|postingan|informasi)\s+"
        + _TIDAK
        + r"\s+(?:ada|tersedia)\b"
    ),
]
_BARE_404 = re.compile(r"^\W*404\W*$")
# Words that come with a "not found" message and say nothing else.
_FILLER = set(
    """maaf mohon sorry oops ops ups whoops uh oh hmm eh error errors kesalahan eror galat terjadi halaman
    page pages the this that a an yang anda kamu cari dicari minta diminta tuju dituju kunjungi akses diakses
    requested request you you're your we are were is was looking for 404 not found tidak tak ditemukan http
    status code sepertinya mungkin telah sudah dihapus dipindahkan dipindah removed moved deleted or atau dan
    and has been have may might di ke ini itu link tautan url alamat situs site website web sayang sekali
    seems appears exist exists does doesn't no longer lagi can't cannot could couldn't can be find it here
    there nothing of to on tersebut ada tersedia available missing hilang dapat bisa server host""".split()
)
_SEPARATORS = re.compile(r"\s*[|–—·•»«~]\s*|\s+[-/:]\s+|:\s+")
# Words that make a title segment a sentence (a headline) rather than a name (a site's or an agency's).
_FUNCTION_WORDS = set(
    "the of a an is are was how why what when to in on for with yang di ke dari untuk pada akan adalah".split()
)


def _may_state(block: str) -> bool:
    """Whether a page block can be a "not found" statement: short, and holding a keyword (a block without one
    makes no _statement, nor do its own_words, which only cut parts out of it), tested before the patterns."""
    return len(block) <= 160 and might_say_missing(block)


def own_words(text: str, page: Page) -> str:
    """`text` without the link labels and navigation texts in it (Markup.borrowed): "not found" wording counts
    only from what the page says itself, never from a link to another page or a menu entry."""
    normed = norm(text)
    for borrowed in page.html.borrowed:
        if borrowed in normed:
            normed = " ".join(normed.replace(borrowed, " ").split())
    return normed


def _content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[\w']+", text) if w not in _FILLER and not re.fullmatch(r"\W+", w)]


@dataclass(frozen=True)
class _Statement:
    page: bool  # about a page (strong anywhere) rather than a thing (strong only in title / h1)
    extra: int  # content words beside the message in its segment
    busy: bool  # another segment of the same title/heading is a long headline: an article *about* a 404


def _statement(text: str) -> _Statement | None:
    """Is this title, heading or block a "not found" message (give or take a few words)?"""
    normed = norm(text)
    if not normed or len(normed) > 200 or not could_say_missing(normed):
        return None
    segments = [s for s in _SEPARATORS.split(normed) if s.strip()] or [normed]
    best: _Statement | None = None
    for i, segment in enumerate(segments):
        others = [s for j, s in enumerate(segments) if j != i]
        busy = any(
            len(_content_words(s)) > 3 and _FUNCTION_WORDS & set(re.findall(r"[\w']+", s)) for s in others
        )
        found = _match_statement(segment)
        if found is None:
            continue
        page, extra = found
        candidate = _Statement(page, extra, busy)
        if best is None or (candidate.extra, candidate.busy, not candidate.page) < (
            best.extra,
            best.busy,
            not best.page,
        ):
            best = candidate
    return best


def _match_statement(segment: str) -> tuple[bool, int] | None:
    if _BARE_404.match(segment):
        return False, 0  # a bare "404" is a number until the heading's place or other wording says more
    for page, patterns in ((True, _PAGE_MISSING), (False, _THING_MISSING)):
        for pattern in patterns:
            m = pattern.search(segment)
            if m:
                rest = segment[: m.start()] + " " + segment[m.end() :]
                return page, len(_content_words(rest))
    return None


def statements(page: Page) -> list[str]:
    """The short blocks of a page that say, and only say, that a page is missing."""
    out = []
    for block in page.blocks:
        if _may_state(block) and not _BARE_404.match(norm(block)):
            st = _statement(own_words(block, page))
            if st is not None and st.extra == 0 and st.page and not st.busy:
                out.append(block)
    return out


def wording_signals(page: Page) -> list[Signal]:
    doc = page.doc
    assert doc is not None
    main = [p for p in doc.article_paragraphs if p.strip()]
    prose_chars = page.prose_chars
    # An article with real paragraphs under a "Not Found" title is about something called that.
    long_prose = prose_chars >= 1500
    headings: list[tuple[Signal, _Statement]] = []
    title = doc.title or page.html.title
    candidates: list[tuple[str, str, bool]] = [(f"title says '{shortened(title)}'", title, True)]
    for level, text in page.html.headings:
        candidates.append((f"heading (h{level}) says '{shortened(text)}'", text, level == 1))
    for label, text, top in candidates:
        # The title is the page's own; a heading may be a link to another page ("<h3><a>404 error: ...</a>").
        st = _statement(text if label.startswith("title") else own_words(text, page))
        if st is None or st.extra > 2:
            continue
        # "Not Found" or "404" alone may name a film or a song, and an article may have a subheading that
        # quotes an error page; a page that calls itself "the page you requested was not found" is one.
        if top:
            strong = st.extra == 0 and not st.busy and (st.page or not long_prose)
        else:
            strong = st.extra == 0 and not st.busy and st.page and prose_chars < 300
        headings.append((Signal("wording", strong, label), st))
    found = [sig for sig, _ in headings]
    # The main text (trafilatura's) being a "not found" message and no prose is as good as a heading.
    for p in main:
        st = _statement(own_words(p, page)) if len(p) <= 160 else None
        if (
            st is not None
            and st.extra == 0
            and not st.busy
            and not _BARE_404.match(norm(p))
            and (page.main_len <= 400 or prose_chars < 300)
        ):
            found.append(Signal("wording", True, f"the main text says '{shortened(p)}'"))
            break
    if not any(s.strong for s in found):
        page_has_prose = prose_chars >= PROSE
        judged = {norm(text) for _, text, _ in candidates}  # headings were weighed above, as headings
        for block in page.blocks:
            st = (
                _statement(own_words(block, page))
                if _may_state(block) and norm(block) not in judged
                else None
            )
            if st is None or st.extra != 0 or st.busy or _BARE_404.match(norm(block)):
                continue
            # A sentence saying the *page* is missing, on a page without prose, or with little under a "404"
            # heading.
            strong = st.page and (not page_has_prose or (bool(headings) and prose_chars < 300))
            found.append(Signal("wording", strong, f"the page says '{shortened(block)}'"))
            break
    return found[:3]
