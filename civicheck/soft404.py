"""Soft 404s and bot walls: tell a real page from a "not found" page served with 200, a redirect of every dead
path to the home page, a parked domain, or a challenge page standing in front of the site. Pure: never fetches.

The ensemble. Every signal belongs to a family (redirect, probe, wording, empty, parked) and is strong or
weak; a 2xx answer is a soft 404 when one strong signal fires, or weak signals of two different families.

Strong:
- redirect: a redirect, meta refresh or script redirect from a deeper path to the root of the same site (or
  its language or index root), to a login page, or to an error page (/404.html, ?error=404);
- probe: a random sibling URL answers 2xx and is redirected to the same place, or answers a page at least 90%
  alike that has nothing the cited page lacks (see _similarity), or shows the same "not found" sentence
  while the cited page has no prose of its own;
- wording: the title or h1 is only a "not found" message; an h2/h3 or a short block is only a message that a
  *page* is missing and the main text has no prose; trafilatura's main text is only such a message;
- empty: (almost) no visible text and nothing else: no links, scripts, media, frames or forms;
- parked: parked or expired-domain wording, a parking service's script, a server placeholder title or
  suspended hosting, on a short page without prose.

Weak: "not found" wording with one or two other words, beside a long headline, as "Not Found"/"404" in an
h2/h3, or over a long article; near-empty text on a page with links or media; a redirect from a deep path to
another site's home page; a JavaScript app shell that answers the probe alike.

A page behind a bot wall is never judged a soft 404: the challenge page says nothing about the site.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urljoin, urlsplit

from civicheck.extract import Document, site_of
from civicheck.fetch import FetchResult

# --- public API ---------------------------------------------------------------------------------------------


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


PROBE_TOKEN_LENGTH = 12
SIMILAR = 0.90  # visible-text similarity from which a random sibling "answers the same page" (see _similarity)


def probe_key(url: str) -> str:
    """The URL pattern one probe stands for: scheme, host, the path up to the part that names the page, and the
    shape of that part ("https://x.go.id/dinas/*", "https://news.example/berita/#/*", "https://x/a/*.html").

    URLs with the same key share one probe per run. A site root has a key too, but no probe (see probe_url).
    """
    parts = urlsplit(url)
    path = parts.path or "/"
    segments = [s for s in path.split("/") if s]
    trailing = path.endswith("/") and bool(segments)
    start = _tail_start(segments)
    shapes = [_shape(s, last=(i == len(segments) - 1)) for i, s in enumerate(segments) if i >= start]
    prefix = "/".join(segments[:start])
    body = "/".join(([prefix] if prefix else []) + shapes)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}/{body}{'/' if trailing else ''}"


def probe_url(url: str, seed: str | None = None) -> str | None:
    """A nonsense URL beside `url` whose answer shows how the site treats pages that do not exist
    (Bar-Yossef et al., "Sic transit gloria telae", WWW 2004): /dinas/disnaker -> /dinas/qhzvkmwpratx.

    The part replaced is the one that names the page: the last path segment, or everything from the first
    segment that carries a number on, because news and CMS sites route by that id (or date) and ignore the
    slug after it (/berita/527615/any-words shows article 527615). Digits stay digits, an extension stays. None for site
    roots and language or index roots (/, /id/, /index.php, /home), which are exempt: their sibling would be
    a first-level page and a home page served for it proves nothing about the root. The same key and seed
    always give the same probe; without a seed it is random.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or _is_root_path(parts.path):
        return None
    key = probe_key(url)
    rng: random.Random = random.SystemRandom() if seed is None else random.Random(f"{seed}\0{key}")
    scheme_host, _, pattern = key.partition("://")[2].partition("/")
    out = []
    for segment in pattern.split("/"):
        if segment == "#":
            out.append(str(rng.randint(1, 9)) + "".join(rng.choice("0123456789") for _ in range(PROBE_TOKEN_LENGTH - 1)))
        elif segment.startswith("*"):
            out.append("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(PROBE_TOKEN_LENGTH))
                       + segment[1:])
        else:
            out.append(segment)
    return f"{parts.scheme.lower()}://{scheme_host}/{'/'.join(out)}"


def detect_bot_wall(result: FetchResult, document: Document | None, markup: Markup | None = None) -> str | None:
    """"blocked by a bot wall (<vendor and marker>)" when the answer is a challenge or block page of a bot
    or DDoS protection service instead of the site's own page; None otherwise (a plain 403 is not one).
    `markup`: what read_markup() found while the body was at hand (the body may be gone since).
    """
    status = result.status
    if status is None:
        return None
    if markup is not None:
        found = markup.bot_wall
    else:
        title = document.title if document is not None else Markup.of(result).title
        found = _bot_wall_marker(result, _norm(title), _raw_lower(result), status, document)
    return f"blocked by a bot wall ({found})" if found else None


def read_markup(result: FetchResult, text: str, document: Document | None) -> Markup:
    """Everything the signals need of the body itself (markup features, the bot-wall verdict, the raw start of
    a page without text), computed while it is at hand: the runner drops bodies once they are read. `text` is
    the body decoded (extract.decode_text) when it is a web page."""
    markup = Markup()
    if document is None or document.kind == "html":
        markup._parse(text)
    if result.status is not None:
        title = document.title if document is not None else markup.title
        raw = _raw_lower(result)
        markup.bot_wall = _bot_wall_marker(result, _norm(title), raw, result.status, document)
        if not _text_blocks(document):
            markup.raw_head = raw[:_RAW_COMPARED]
    return markup


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
    if not enabled or not _is_2xx(result):
        return Assessment(False, [])
    if document is None:
        document = _extract(result)
    page = _Page(result, document, markup)
    signals: list[_Signal] = []
    signals += _redirect_signals(page)
    if probe is not None:
        signals += _probe_signals(page, probe, probe_document, probe_markup)
    if page.doc is not None and page.doc.kind == "html":
        signals += _wording_signals(page)
        if not page.doc.cut:  # a page too large to read whole is neither empty nor a short parking page
            signals += _empty_signals(page)
            signals += _parked_signals(page)
    return _combine(signals)


# --- the ensemble -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Signal:
    family: str  # redirect, probe, wording, empty, parked
    strong: bool
    text: str


def _combine(signals: list[_Signal]) -> Assessment:
    strong = [s for s in signals if s.strong]
    weak_families = {s.family for s in signals if not s.strong}
    soft = bool(strong) or len(weak_families) >= 2
    ordered = strong + [s for s in signals if not s.strong]
    texts = list(dict.fromkeys(s.text for s in ordered))
    deciding = strong if strong else [s for s in signals if not s.strong]
    return Assessment(soft, texts, families=sorted({s.family for s in deciding}) if soft else [])


class _Page:
    """What the signals need from one answer, computed once."""

    def __init__(self, result: FetchResult, document: Document | None, markup: Markup | None = None):
        self.result = result
        self.doc = document
        if markup is None:
            markup = Markup.of(result, parse=document is not None and document.kind == "html")
        self.html = markup
        self.blocks = _text_blocks(document)
        self.text_len = sum(len(b) for b in self.blocks)
        main = document.article_paragraphs if document is not None else []
        self.main_len = sum(len(p) for p in main)
        # Prose: main-text paragraphs (trafilatura joins a paragraph's lines, page_blocks do not).
        self.prose = [p for p in main if len(p) >= PROSE]
        self.prose_chars = sum(len(p) for p in self.prose)

    def statements(self) -> list[str]:
        """The short blocks that say, and only say, that a page is missing."""
        out = []
        for block in self.blocks:
            if len(block) <= 160 and not _BARE_404.match(_norm(block)):
                st = _statement(block)
                if st is not None and st.extra == 0 and st.page and not st.busy:
                    out.append(block)
        return out


def _is_2xx(result: FetchResult) -> bool:
    return result.status is not None and 200 <= result.status < 300


def _extract(result: FetchResult) -> Document | None:
    from civicheck.extract import extract

    return extract(result)


def _text_blocks(document: Document | None) -> list[str]:
    if document is None:
        return []
    return [b for b in (document.pdf_pages if document.kind == "pdf" else document.page_blocks) if b.strip()]


# --- URL shapes ---------------------------------------------------------------------------------------------

# Language roots: a list, not any two letters (/pu is the public-works agency, /tv a channel).
_LANG = r"(?:(?:id|en|ms|jv|su|ar|zh|ja|ko|fr|de|es|pt|nl|ru|it|th|vi|tl|hi|tr)(?:[-_][a-z]{2})?)"
_HOME = r"(?:index|default|home|beranda|main|welcome|portal|utama)(?:\.[a-z0-9]{2,5})?"
_ROOT_PATH = re.compile(rf"^/*(?:{_LANG}/*)?(?:{_HOME}/*)?$", re.IGNORECASE)
# Query keys that do not change which page a root URL is (language, tracking, "why we sent you here").
_TRIVIAL_QUERY = re.compile(
    r"^(?:lang|language|hl|locale|l|ref|source|src|from|utm_\w+|fbclid|gclid|error|err|msg|message|notfound|"
    r"404|status|code|redirect|redirect_to|return|returnurl|return_url|next|continue)$",
    re.IGNORECASE,
)
_LOGIN_PATH = re.compile(
    r"(?:^|/)(?:login|log-in|log_in|signin|sign-in|sign_in|logon|masuk|auth|sso|cas|wp-login\.php|"
    r"session/new|users?/sign_in|account/login|accounts/login)(?:/|\.[a-z]{2,5}|$)",
    re.IGNORECASE,
)
_LOGIN_HOST = re.compile(r"^(?:sso|login|auth|accounts?|signin|idp)\.", re.IGNORECASE)
_ERROR_PATH = re.compile(
    r"(?:^|/)(?:404|error|errors|notfound|not-found|not_found|page-not-found|pagenotfound|"
    r"halaman-tidak-ditemukan|tidak-ditemukan|error404|404error|error-404)(?:/|\.[a-z]{2,5}|$)",
    re.IGNORECASE,
)
_ID_SEGMENT = re.compile(r"\d{3,}")
_EXTENSION = re.compile(r"(\.[A-Za-z][A-Za-z0-9]{0,4})$")


def _is_root_path(path: str) -> bool:
    return bool(_ROOT_PATH.match(path or "/"))


def _is_root_url(url: str) -> bool:
    """The home page of a site: a root-like path whose query (if any) does not name a page."""
    parts = urlsplit(url)
    if not _is_root_path(parts.path):
        return False
    return all(_TRIVIAL_QUERY.match(k) for k, _ in parse_qsl(parts.query, keep_blank_values=True))


def _is_login_url(url: str) -> bool:
    parts = urlsplit(url)
    return bool(_LOGIN_PATH.search(parts.path) or _LOGIN_HOST.match(parts.hostname or ""))


def _is_error_url(url: str) -> bool:
    parts = urlsplit(url)
    return bool(_ERROR_PATH.search(parts.path)) or any(
        k.lower() in ("error", "err", "notfound", "404") or v.strip() == "404"
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    )


def _same_site(a: str, b: str) -> bool:
    """Same host give or take www., or one a subdomain of the other (disnaker.kota.go.id and kota.go.id)."""
    x, y = site_of(a), site_of(b)
    return x == y or x.endswith("." + y) or y.endswith("." + x)


def _tail_start(segments: list[str]) -> int:
    """Index of the first segment the probe replaces: the first one carrying a number (an id, or the date
    before one), else the last one. Keeping an id would probe the slug after it, which such sites ignore."""
    for i, segment in enumerate(segments):
        if segment.isdigit() or _ID_SEGMENT.search(segment):
            return i
    return max(len(segments) - 1, 0)


def _shape(segment: str, last: bool) -> str:
    if segment.isdigit():
        return "#"
    ext = _EXTENSION.search(segment) if last else None
    return "*" + (ext.group(1).lower() if ext and ext.start() > 0 else "")


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _same_url(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (site_of(a), pa.path.rstrip("/") or "/", pa.query) == (site_of(b), pb.path.rstrip("/") or "/", pb.query)


# --- signal 1: redirect to the site root, a login page or an error page ----------------------------------------


def _redirect_signals(page: _Page) -> list[_Signal]:
    result = page.result
    if _is_root_url(result.url) or _is_login_url(result.url) or _is_error_url(result.url):
        return []  # only a deeper page can be "sent home"
    targets: list[tuple[str, str]] = []
    if result.redirects and not _same_url(result.url, result.final_url):
        targets.append(("redirected", result.final_url))
    refresh = page.html.refresh_target(result.final_url)
    if refresh:
        targets.append(("sent by a meta refresh", refresh))
    if page.text_len < 200 and not _is_app_shell(page):  # an app's own script may send a visitor anywhere
        for target in page.html.script_redirects(result.final_url):
            targets.append(("sent by a script", target))
    out = []
    origin = _path_of(result.url)
    for how, target in targets:
        if _same_url(result.url, target):
            continue
        if _is_login_url(target):
            out.append(_Signal("redirect", True, f"{how} from {origin} to a login page ({target})"))
        elif _is_error_url(target):
            out.append(_Signal("redirect", True, f"{how} from {origin} to an error page ({target})"))
        elif _is_root_url(target):
            if _same_site(result.url, target):
                out.append(_Signal("redirect", True, f"{how} from {origin} to the site root ({target})"))
            else:
                out.append(_Signal("redirect", False, f"{how} from {origin} to the home page of another site ({target})"))
    return out


# --- signal 2: the random-sibling probe ---------------------------------------------------------------------


def _probe_signals(page: _Page, probe: FetchResult, probe_document: Document | None,
                   probe_markup: Markup | None = None) -> list[_Signal]:
    if not _is_2xx(probe):
        return []  # the site tells a nonsense URL apart: it answers it with an error
    if probe_document is None:
        probe_document = _extract(probe)
    if detect_bot_wall(probe, probe_document, probe_markup):
        return []
    name = _path_of(probe.url)
    result = page.result
    strong = not _is_app_shell(page)
    why = "" if strong else " (a JavaScript app that answers every path alike, so this proves little)"
    if (result.redirects and probe.redirects and _same_url(result.final_url, probe.final_url)
            and not _same_url(result.url, result.final_url)):
        return [_Signal("probe", strong, f"a random sibling URL ({name}) is redirected to the same place "
                                         f"({probe.final_url}){why}")]
    other = _Page(probe, probe_document, probe_markup)
    similarity = _similarity(page, other)
    if similarity is not None and similarity >= SIMILAR:
        return [_Signal("probe", strong, f"a random sibling URL ({name}) answers the same page "
                                         f"({similarity:.0%} similar){why}")]
    shared = _shared_statement(page, other)
    if shared:
        return [_Signal("probe", True, f"a random sibling URL ({name}) answers with the same message: "
                                       f"'{_quote(shared)}'")]
    return []


def _normalise_block(text: str, paths: tuple[str, ...] = ()) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    # A "not found" page may echo the requested path; the page and its probe differ there and only there.
    for path in paths:
        if len(path) > 1:
            text = text.replace(path, "\x00")
    # Digits vary between two fetches of one page (clocks, counters, dates of "latest news"): not evidence.
    return " ".join(re.sub(r"\d+", "0", text).split())


def _echoable(url: str) -> tuple[str, ...]:
    """The forms in which a page may echo its own path: as is, decoded, its last segment, that as words."""
    from urllib.parse import unquote

    path = urlsplit(url).path.casefold()
    last = unquote(path).rstrip("/").rsplit("/", 1)[-1]
    words = " ".join(re.split(r"[-_.+]+", last.rsplit(".", 1)[0] if "." in last else last))
    forms = (unquote(path), path, last, words.strip())
    # Longest first, so that a path is replaced whole before its last segment is.
    return tuple(sorted({f for f in forms if len(f) > 3}, key=len, reverse=True))


_MAX_COMPARED = 60_000  # characters of visible text compared; beyond that the own-text guard decides
OWN_TEXT = 120  # characters of text of its own (absent from the probe's answer) that make a page real
OWN_NET = 40  # ... or characters more of it than the probe's answer has of its own


def _similarity(page: _Page, probe: _Page) -> float | None:
    """How alike the visible text of the page and of the probe's answer are (0..1), or None when the page has
    something of its own that the probe's answer lacks: a title, images or documents, or more than a little
    text (an article under the same chrome as a silent "not found" page). These guards, not the threshold,
    are what keep real pages live: on the benchmark no real page got past them, while soft-404 pairs of a
    rotating home page score from 0.83 up.

    The larger of two measures: rapidfuzz's Indel ratio over the whole text (tolerates small edits inside
    blocks) and the Dice coefficient of the two multisets of blocks, weighted by length (tolerates blocks
    that move: a home page whose "popular" list rotates between two requests).
    """
    from rapidfuzz import fuzz

    if page.result.sha256 == probe.result.sha256:  # the same bytes (the digest outlives a dropped body)
        return 1.0
    paths = _echoable(page.result.url) + _echoable(probe.result.url)
    if _own_title(page, probe, paths) or _own_objects(page, probe):
        return None
    a = [_normalise_block(b, paths) for b in page.blocks]
    b = [_normalise_block(x, paths) for x in probe.blocks]
    if not any(a) and not any(b):
        # Two pages without text: compare what they are made of instead.
        return fuzz.ratio(page.html.raw_head, probe.html.raw_head) / 100
    ca, cb = Counter(a), Counter(b)
    if _own_text(page, probe, ca, cb, paths):
        return None
    total_a, total_b = _chars(ca), _chars(cb)
    dice = 2 * _chars(ca & cb) / (total_a + total_b) if total_a + total_b else 1.0
    ta, tb = "\n".join(a)[:_MAX_COMPARED], "\n".join(b)[:_MAX_COMPARED]
    return max(fuzz.ratio(ta, tb) / 100, dice)


def _chars(blocks: Counter) -> int:
    return sum(len(t) * n for t, n in blocks.items())


def _own_text(page: _Page, probe: _Page, ca: Counter, cb: Counter, paths: tuple[str, ...]) -> bool:
    """Has the page text of its own, absent from the probe's answer? Either much of it (link texts counted
    only beyond those the probe has of its own: "popular" and "latest" lists rotate between two requests,
    alike on both sides), or clearly more than the probe's answer has of its own: noise between two answers
    of one soft-404 page is symmetric, a page's own content is not (a portal's short list of agencies)."""
    def link_texts(p: _Page) -> set[str]:
        return {_normalise_block(link.text, paths) for link in p.doc.links} if p.doc is not None else set()

    mine, theirs = ca - cb, cb - ca
    my_links, their_links = link_texts(page), link_texts(probe)
    text = sum(len(t) * n for t, n in mine.items() if t not in my_links)
    my_link_chars = sum(len(t) * n for t, n in mine.items() if t in my_links)
    their_link_chars = sum(len(t) * n for t, n in theirs.items() if t in their_links)
    if text + max(0, my_link_chars - their_link_chars) > max(OWN_TEXT, 0.03 * _chars(ca)):
        return True
    # The probe's "not found" message is what it has instead of content, not noise.
    messages = {_normalise_block(t, paths) for t in probe.statements()}
    their_noise = sum(len(t) * n for t, n in theirs.items() if t not in messages)
    return _chars(mine) - their_noise > OWN_NET


def _own_title(page: _Page, probe: _Page, paths: tuple[str, ...]) -> bool:
    """The page has a title of its own: a site answering nonsense with one page gives it one title."""
    mine = _normalise_block(page.doc.title if page.doc is not None else "", paths)
    theirs = _normalise_block(probe.doc.title if probe.doc is not None else "", paths)
    return bool(mine and theirs and mine != theirs)


def _own_objects(page: _Page, probe: _Page) -> bool:
    """The page shows images, frames or documents the probe's answer lacks, and the probe's answer has none
    the page lacks (when both have some, teasers rotate: the text decides then)."""
    mine, theirs = page.html.objects - probe.html.objects, probe.html.objects - page.html.objects
    return bool(mine) and not theirs


def _shared_statement(page: _Page, probe: _Page) -> str | None:
    """A "not found" sentence that the page and the probe's answer both show, when the page has no prose of
    its own: the site says the same thing about our URL as about a nonsense one (while varying the rest,
    e.g. "did you mean" links picked from the path)."""
    mine = page.statements()
    if not mine:
        return None
    theirs = {_normalise_block(t) for t in probe.statements()}
    shared = [t for t in mine if _normalise_block(t) in theirs]
    if not shared:
        return None
    return None if _has_own_prose(page, probe) else shared[0]


def _has_own_prose(page: _Page, probe: _Page) -> bool:
    """Does the page's main text say, in sentences of its own, what the probe's answer does not? Link texts
    are left out first: "did you mean" suggestions differ between the two and are not prose."""
    text = " ".join(page.prose)
    if page.doc is not None:
        for link in sorted({k.text for k in page.doc.links if len(k.text) > 3}, key=len, reverse=True):
            text = text.replace(link, " ")
    words = _normalise_block(text).split()
    other = _normalise_block(" ".join(probe.blocks)).split()
    theirs = {tuple(other[i:i + 4]) for i in range(len(other) - 3)}
    missing = sum(1 for i in range(len(words) - 3) if tuple(words[i:i + 4]) not in theirs)
    return missing >= 25  # about a sentence


def _is_app_shell(page: _Page) -> bool:
    """A client-side app: almost no server-rendered text, scripts, and a mount point for the app."""
    return page.text_len < 300 and page.html.scripts > 0 and page.html.app_mount


# --- signal 3: "not found" wording ---------------------------------------------------------------------------

_NOT = r"(?:not|cannot|can't|can not|could not|couldn't|doesn't|does not|is not|isn't|no longer)"
_TIDAK = r"(?:tidak|tak|belum)"
# A message about a *page* (or 404) being missing: strong in any heading.
_PAGE_MISSING = [
    re.compile(rf"\bhalaman\b.{{0,160}}?\b{_TIDAK}\s+(?:dapat\s+|bisa\s+|lagi\s+)?"
               r"(?:ditemukan|tersedia|ada|ditemui|dapat diakses|bisa diakses)\b"),
    re.compile(r"\bhalaman\b.{0,160}?\b(?:telah|sudah)\s+(?:dihapus|dipindahkan|dipindah)\b"),
    re.compile(r"\b(?:page|url|link|resource)\b.{0,160}?\b" + _NOT + r"\s+(?:be\s+)?(?:found|available|exists?)\b"),
    re.compile(r"\b(?:page|url)\b.{0,160}?\b(?:has been|was|have been)\s+(?:removed|deleted|moved)\b"),
    re.compile(r"\bwe\s+(?:can't|cannot|can not|couldn't|could not)\s+find\s+(?:the|that|this|your)\s+page\b"),
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
    re.compile(r"\b(?:file|document|article|post|content|item|news)\s+(?:" + _NOT + r")\s+(?:be\s+)?"
               r"(?:found|available)\b"),
    re.compile(r"\b(?:berita|artikel|konten|data|dokumen|file|berkas|postingan|informasi)\s+" + _TIDAK
               + r"\s+(?:ada|tersedia)\b"),
]
_BARE_404 = re.compile(r"^\W*404\W*$")
# Every pattern above needs one of these: a cheap test first, since every short block of a page is tried.
_KEYWORDS = re.compile(r"404|found|ditemu|exist|tersedia|\bada\b|dihapus|dipindah|removed|deleted|moved|"
                       r"available|find|diakses")
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
_FUNCTION_WORDS = set("the of a an is are was how why what when to in on for with yang di ke dari untuk pada akan adalah".split())


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return " ".join(text.split())


def _content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[\w']+", text) if w not in _FILLER and not re.fullmatch(r"\W+", w)]


@dataclass(frozen=True)
class _Statement:
    page: bool  # about a page (strong anywhere) rather than a thing (strong only in title / h1)
    extra: int  # content words beside the message in its segment
    busy: bool  # another segment of the same title/heading is a long headline: an article *about* a 404


def _statement(text: str) -> _Statement | None:
    """Is this title, heading or block a "not found" message (give or take a few words)?"""
    norm = _norm(text)
    if not norm or len(norm) > 200 or not _KEYWORDS.search(norm):
        return None
    segments = [s for s in _SEPARATORS.split(norm) if s.strip()] or [norm]
    best: _Statement | None = None
    for i, segment in enumerate(segments):
        others = [s for j, s in enumerate(segments) if j != i]
        busy = any(len(_content_words(s)) > 3 and _FUNCTION_WORDS & set(re.findall(r"[\w']+", s))
                   for s in others)
        found = _match_statement(segment)
        if found is None:
            continue
        page, extra = found
        candidate = _Statement(page, extra, busy)
        if best is None or (candidate.extra, candidate.busy, not candidate.page) < (best.extra, best.busy, not best.page):
            best = candidate
    return best


def _match_statement(segment: str) -> tuple[bool, int] | None:
    if _BARE_404.match(segment):
        return False, 0  # a bare "404" is a number until the heading's place or other wording says more
    for page, patterns in ((True, _PAGE_MISSING), (False, _THING_MISSING)):
        for pattern in patterns:
            m = pattern.search(segment)
            if m:
                rest = segment[: m.start()] + " " + segment[m.end():]
                return page, len(_content_words(rest))
    return None


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 80 else text[:77] + "..."


PROSE = 150  # characters: a block this long is a paragraph of prose, not chrome or a message


def _wording_signals(page: _Page) -> list[_Signal]:
    doc = page.doc
    assert doc is not None
    main = [p for p in doc.article_paragraphs if p.strip()]
    prose_chars = page.prose_chars
    # An article with real paragraphs under a "Not Found" title is about something called that.
    long_prose = prose_chars >= 1500
    headings: list[tuple[_Signal, _Statement]] = []
    title = doc.title or page.html.title
    candidates: list[tuple[str, str, bool]] = [(f"title says '{_quote(title)}'", title, True)]
    for level, text in page.html.headings:
        candidates.append((f"heading (h{level}) says '{_quote(text)}'", text, level == 1))
    for label, text, top in candidates:
        st = _statement(text)
        if st is None or st.extra > 2:
            continue
        # "Not Found" or "404" alone may name a film or a song, and an article may have a subheading that
        # quotes an error page; a page that calls itself "the page you requested was not found" is one.
        if top:
            strong = st.extra == 0 and not st.busy and (st.page or not long_prose)
        else:
            strong = st.extra == 0 and not st.busy and st.page and prose_chars < 300
        headings.append((_Signal("wording", strong, label), st))
    found = [sig for sig, _ in headings]
    # The main text (trafilatura's) being a "not found" message and no prose is as good as a heading.
    for p in main:
        st = _statement(p) if len(p) <= 160 else None
        if st is not None and st.extra == 0 and not st.busy and not _BARE_404.match(_norm(p)) and (
                page.main_len <= 400 or prose_chars < 300):
            found.append(_Signal("wording", True, f"the main text says '{_quote(p)}'"))
            break
    if not any(s.strong for s in found):
        page_has_prose = prose_chars >= PROSE
        judged = {_norm(text) for _, text, _ in candidates}  # headings were weighed above, as headings
        for block in page.blocks:
            st = _statement(block) if len(block) <= 160 and _norm(block) not in judged else None
            if st is None or st.extra != 0 or st.busy or _BARE_404.match(_norm(block)):
                continue
            # A sentence saying the *page* is missing, on a page without prose, or with little under a "404"
            # heading.
            strong = st.page and (not page_has_prose or (bool(headings) and prose_chars < 300))
            found.append(_Signal("wording", strong, f"the page says '{_quote(block)}'"))
            break
    return found[:3]


# --- signal 4: (near-)empty page ----------------------------------------------------------------------------

NEAR_EMPTY = 100  # characters of visible text


def _empty_signals(page: _Page) -> list[_Signal]:
    if page.text_len >= NEAR_EMPTY or _is_app_shell(page):
        return []
    html = page.html
    plural = "" if page.text_len == 1 else "s"
    what = "no visible text" if page.text_len == 0 else f"almost no visible text ({page.text_len} character{plural})"
    bare = not (html.links or html.scripts or html.media or html.frames or html.forms)
    if bare:
        return [_Signal("empty", True, f"{what} and nothing else on the page")]
    return [_Signal("empty", False, what)]


# --- signal 5: parked domains, server placeholders, suspended hosting ---------------------------------------

_PARKED = [
    re.compile(r"\b(?:this|the)\s+domain(?:\s+name)?(?:\s+[\w.-]+)?\s+(?:is|may be|might be|could be)\s+"
               r"(?:for sale|available for (?:sale|purchase))\b"),
    re.compile(r"\bdomain(?:\s+name)?\s+(?:is\s+)?for\s+sale\b"),
    re.compile(r"\bbuy\s+this\s+domain\b"),
    re.compile(r"\bdomain\s+parking\b|\bparked\s+(?:free|domain)\b|\bthis\s+(?:web\s*page|domain|site)\s+is\s+parked\b"),
    re.compile(r"\b(?:this\s+)?domain(?:\s+name)?\s+(?:has\s+)?expired\b"),
    re.compile(r"\binquire\s+about\s+this\s+domain\b|\bget\s+this\s+domain\b|\bmake\s+an\s+offer\s+on\s+this\s+domain\b"),
    re.compile(r"\bdomain\s+ini\s+(?:sedang\s+|akan\s+)?(?:dijual|untuk\s+dijual)\b"),
    re.compile(r"\bdomain\s+ini\s+(?:telah\s+|sudah\s+)?(?:kedaluwarsa|kadaluarsa|kadaluwarsa|expired)\b"),
    re.compile(r"\bbeli\s+domain\s+ini\b"),
]
_SUSPENDED = [
    re.compile(r"\b(?:this\s+)?account\s+(?:has\s+been\s+)?suspended\b"),
    re.compile(r"\b(?:akun|website|situs)\s+(?:ini\s+)?(?:telah\s+|sedang\s+)?(?:di-?suspend|ditangguhkan)\b"),
]
_PLACEHOLDER_TITLES = re.compile(
    r"^(?:welcome to nginx!?|apache2 (?:ubuntu|debian) default page(?:: it works)?|it works!?|"
    r"test page for the (?:apache http server|nginx http server).*|iis windows server|iis\d* ?|"
    r"welcome to centos|default web site page|domain default page|web server's default page|"
    r"coming soon|future home of something quite cool\.?|site under construction|"
    r"under construction|website under construction|segera hadir)$"
)
# Script, frame or image sources of parking services: markup, not wording, so strong at any length.
_PARKING_SOURCES = re.compile(
    r"(?<![\w-])(?:sedoparking\.com|parkingcrew\.net|bodis\.com|parklogic\.com|above\.com|domainmarket\.com|"
    r"afternic\.com|hugedomains\.com|dan\.com|undeveloped\.com)|img1\.wsimg\.com/parking-lander"
)


def _parked_signals(page: _Page) -> list[_Signal]:
    doc = page.doc
    assert doc is not None
    title = _norm(doc.title or page.html.title)
    # Parked and placeholder pages are short and have at most a sentence of prose; articles about them not.
    short = page.text_len <= 3000 and page.prose_chars < 300
    texts = [title] + [_norm(t) for _, t in page.html.headings]
    if short:
        texts.append(_norm(" ".join(page.blocks)))
    for text in texts:
        for pattern in _PARKED:
            m = pattern.search(text)
            if m:
                return [_Signal("parked", True, f"parked domain: '{m.group(0)}'")]
        for pattern in _SUSPENDED:
            m = pattern.search(text)
            if m and short:
                return [_Signal("parked", True, f"hosting suspended: '{m.group(0)}'")]
    if _PLACEHOLDER_TITLES.match(title) and short:
        return [_Signal("parked", True, f"a placeholder page: '{_quote(doc.title or page.html.title)}'")]
    sources = " ".join(page.html.script_srcs + page.html.frame_srcs)
    if short:
        sources += " " + " ".join(page.html.hrefs[:50])
    m = _PARKING_SOURCES.search(sources.lower())
    if m:
        return [_Signal("parked", True, f"parked domain: the page loads a parking service ({m.group(0).rstrip('/')})")]
    return []


# --- HTML features ------------------------------------------------------------------------------------------


class Markup:
    """The few things the signals need from the markup, parsed with lxml (Document has no headings yet).
    Lists are capped: they are kept until the run's pages are assessed, and a hostile page has millions."""

    def __init__(self) -> None:
        self.title = ""
        self.headings: list[tuple[int, str]] = []
        self.refresh: tuple[float, str] | None = None
        self.script_srcs: list[str] = []
        self.frame_srcs: list[str] = []
        self.hrefs: list[str] = []  # the first _KEPT
        self.inline_js = ""
        self.scripts = self.links = self.media = self.frames = self.forms = 0
        self.objects: set[str] = set()  # what the page shows besides text: images, frames, linked documents
        self.app_mount = False
        self.bot_wall: str | None = None  # the marker _bot_wall_marker found (read_markup only)
        self.raw_head = ""  # the body's start, lower case, for a page without text (read_markup only)

    @classmethod
    def of(cls, result: FetchResult, parse: bool = True) -> Markup:
        """From a result that still has its body (read_markup does it all while reading a page)."""
        from civicheck.extract import decode_text

        markup = cls()
        if parse:
            markup._parse(decode_text(result))
        markup.raw_head = _raw_lower(result)[:_RAW_COMPARED]
        return markup

    def _parse(self, text: str) -> None:
        import lxml.html
        from lxml import etree

        from civicheck.extract import readable_part

        text = readable_part(text)
        if not text.strip():
            return
        try:
            root = lxml.html.document_fromstring(text)
        except (etree.ParserError, ValueError):
            return
        title = root.find(".//title")
        self.title = " ".join((title.text_content() if title is not None else "").split())
        for el in root.iter("h1", "h2", "h3"):
            words = " ".join(el.text_content().split())
            if words and len(self.headings) < _KEPT:
                self.headings.append((int(el.tag[1]), words))
        for meta in root.iter("meta"):
            if (meta.get("http-equiv") or "").strip().lower() == "refresh":
                self.refresh = _parse_refresh(meta.get("content") or "")
        for el in root.iter("script"):
            self.scripts += 1
            if el.get("src"):
                if len(self.script_srcs) < _KEPT:
                    self.script_srcs.append(el.get("src").strip())
            elif len(self.inline_js) < 50_000:
                self.inline_js += (el.text or "") + "\n"
        for el in root.iter("iframe", "frame", "embed", "object"):
            self.frames += 1
            src = el.get("src") or el.get("data")
            if src and len(self.frame_srcs) < _KEPT:
                self.frame_srcs.append(src.strip())
        for el in root.iter("a"):
            href = el.get("href")
            if href:
                self.links += 1
                if len(self.hrefs) < _KEPT:
                    self.hrefs.append(href.strip())
                if _DOCUMENT_LINK.search(href) and len(self.objects) < _KEPT:
                    self.objects.add(_object_key(href))
        self.media = sum(1 for _ in root.iter("img", "video", "audio", "picture", "canvas", "svg"))
        for el in root.iter("img", "video", "audio", "source", "iframe", "frame", "embed", "object"):
            src = el.get("src") or el.get("data") or el.get("data-src")
            if src and len(self.objects) < _KEPT:
                self.objects.add(_object_key(src))
        self.forms = sum(1 for _ in root.iter("form", "input", "button", "select", "textarea"))
        self.app_mount = _has_app_mount(root)

    def refresh_target(self, base: str) -> str | None:
        if self.refresh is None or self.refresh[0] > 10:  # a slow refresh is a reload, not a redirect
            return None
        return urljoin(base, self.refresh[1]) if self.refresh[1] else None

    def script_redirects(self, base: str) -> list[str]:
        return [urljoin(base, m.group(2)) for m in _JS_REDIRECT.finditer(self.inline_js)]


_DOCUMENT_LINK = re.compile(r"\.(?:pdf|docx?|xlsx?|pptx?|odt|ods|csv|zip)(?:[?#]|$)", re.IGNORECASE)


def _object_key(src: str) -> str:
    # Cache-busting queries and numbered variants of one teaser image are the same object.
    return re.sub(r"\d+", "0", src.strip().split("?")[0].split("#")[0].lower())


_JS_REDIRECT = re.compile(
    r"\b(?:window\.|document\.|top\.|self\.)?location(?:\.href)?\s*(?:=|\.replace\(|\.assign\()\s*(['\"])(.*?)\1"
)


def _parse_refresh(content: str) -> tuple[float, str] | None:
    m = re.match(r"\s*(\d+(?:\.\d+)?)?\s*[;,]?\s*(?:url\s*=\s*)?['\"]?([^'\"]*)['\"]?\s*$", content, re.IGNORECASE)
    if not m:
        return None
    return float(m.group(1) or 0), m.group(2).strip()


_APP_MOUNT_IDS = {"app", "root", "__next", "__nuxt", "___gatsby", "svelte", "main-app", "q-app", "application"}


def _has_app_mount(root) -> bool:
    for el in root.iter("div", "main", "section", "app-root"):
        if el.tag == "app-root" or (el.get("id") or "").lower() in _APP_MOUNT_IDS:
            return True
    for el in root.iter("noscript"):
        if re.search(r"enable javascript|need javascript|aktifkan javascript|requires javascript",
                     el.text_content(), re.IGNORECASE):
            return True
    return False


_RAW_LIMIT = 300_000  # characters of the raw body searched for bot-wall markers
_RAW_COMPARED = 20_000  # characters of two pages without text compared by their markup
_KEPT = 1_000  # entries kept per Markup list (50 hrefs are looked at; real pages have a few hundred objects)


def _raw_lower(result: FetchResult) -> str:
    return result.body[:_RAW_LIMIT].decode("utf-8", "replace").lower()


# --- bot walls ----------------------------------------------------------------------------------------------

_CHALLENGE_STATUS = {401, 403, 405, 406, 409, 429, 503}
_CAPTCHA = re.compile(
    r"hcaptcha\.com|class=[\"'][^\"']*\bh-captcha\b|google\.com/recaptcha|recaptcha/api\.js|"
    r"class=[\"'][^\"']*\bg-recaptcha\b|challenges\.cloudflare\.com/turnstile|class=[\"'][^\"']*\bcf-turnstile\b"
)
_HUMAN_WORDING = re.compile(
    r"checking (?:your|if the site connection is secure|the site connection)|verify(?:ing)? (?:that )?you are "
    r"(?:a )?human|verify you are not a (?:robot|bot)|are you a (?:robot|human)|not a robot|security check|"
    r"bot (?:verification|check)|please complete the (?:security check|captcha)|human verification|"
    r"access to this page has been denied|enable javascript and cookies to continue|"
    r"pastikan anda bukan robot|verifikasi (?:bahwa )?anda (?:adalah )?manusia"
)


def _bot_wall_marker(result: FetchResult, title: str, raw: str, status: int,
                     document: Document | None) -> str | None:
    blocked = status in _CHALLENGE_STATUS

    def header(name: str) -> str:
        return (result.header(name) or "").lower()

    server = header("server")
    # Header verdicts of the protection service itself: unambiguous at any status.
    if header("cf-mitigated") == "challenge":
        return "Cloudflare challenge, cf-mitigated: challenge"
    if header("x-vercel-mitigated") == "challenge":
        return "Vercel challenge, x-vercel-mitigated: challenge"
    if header("x-amzn-waf-action") in ("challenge", "captcha"):
        return f"AWS WAF {header('x-amzn-waf-action')}"
    cf_challenge = any(m in raw for m in ("_cf_chl_opt", "cf-chl-", "cf_chl_", "/cdn-cgi/challenge-platform/h/"))
    if title.startswith(("just a moment", "un momento", "einen moment", "un instant", "tunggu sebentar")) and (
            cf_challenge or "cloudflare" in server or "challenge-platform" in raw):
        return "Cloudflare 'Just a moment...'"
    if title.startswith("attention required") and "cloudflare" in title + server + raw[:20_000]:
        return "Cloudflare 'Attention Required!'"
    if blocked and cf_challenge:
        return "Cloudflare challenge"
    if status in (403, 429) and ("cf-error-details" in raw or "cloudflare ray id" in raw) and re.search(
            r"sorry, you have been blocked|access denied|you are being rate limited|has banned you|"
            r"error 10(?:06|07|08|10|12|15|20)", raw):
        return "Cloudflare block page"
    if ("ddos-guard" in server and blocked) or "ddos-guard" in title or (
            "ddos-guard" in raw and re.search(r"checking your browser|check\.ddos-guard", raw)):
        return "DDoS-Guard"
    if "sucuri_cloudproxy_js" in raw or "sucuri website firewall" in title or (blocked and (
            "sucuri website firewall" in raw or "sucuri" in server or result.header("x-sucuri-block")
            or result.header("x-sucuri-id"))):
        return "Sucuri Website Firewall"
    if re.search(r"incapsula incident id|request unsuccessful\. incapsula", raw) or (
            blocked and ("_incapsula_resource" in raw or result.header("x-iinfo") is not None)):
        return "Imperva/Incapsula 'Request unsuccessful'"
    if status == 403 and (title == "access denied" or "akamaighost" in server) and re.search(
            r"you don't have permission to access|reference\s*#\s*\d+\.|errors\.edgesuite\.net", raw):
        ref = re.search(r"reference\s*#\s*([0-9a-f.]+)", raw)
        return "Akamai 'Access Denied'" + (f", reference #{ref.group(1).rstrip('.')}" if ref else "")
    small = len(raw) < 10_000  # block pages are a few kilobytes; a long page quoting one is not one
    if "the requested url was rejected. please consult with your administrator" in raw and small:
        return "F5 BIG-IP 'The requested URL was rejected'"
    if ("captcha-delivery.com" in raw and (blocked or small)) or (
            blocked and (result.header("x-datadome") or "datadome" in server)):
        return "DataDome"
    if re.search(r"_pxappid|px-captcha|perimeterx", raw) and (blocked or "press & hold" in raw):
        return "PerimeterX 'Press & Hold'"
    if "anubis" in raw and ("making sure you're not a bot" in title or "anubis_version" in raw):
        return "Anubis proof-of-work"
    if blocked and re.search(r"generated by wordfence|your access to this site has been limited", raw):
        return "Wordfence"
    if status in (403, 406) and "mod_security" in raw:
        return "ModSecurity"
    captcha = _CAPTCHA.search(raw)
    if captcha:
        vendor = "hCaptcha" if "hcaptcha" in captcha.group(0) or "h-captcha" in captcha.group(0) else (
            "Cloudflare Turnstile" if "turnstile" in captcha.group(0) else "reCAPTCHA")
        text_len = sum(len(b) for b in document.page_blocks) if document is not None else len(raw)
        # A captcha on a 2xx page is usually a contact form: only a short page that asks for proof of
        # humanity is a wall.
        if blocked or (text_len < 600 and _HUMAN_WORDING.search(title + " " + raw)):
            return f"{vendor} form"
    if blocked and _HUMAN_WORDING.search(title):
        return f"challenge page '{title[:60]}'"
    return None
