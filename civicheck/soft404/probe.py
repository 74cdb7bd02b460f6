"""Signal family "probe": a random sibling URL (/dinas/disnaker -> /dinas/qhzvkmwpratx) shows how the site
treats pages that do not exist; a cited page answered alike, or with the same "not found" sentence, is one of
them (Bar-Yossef et al., "Sic transit gloria telae", WWW 2004).
"""

from __future__ import annotations

import functools
import random
import re
import unicodedata
from collections import Counter
from urllib.parse import urlsplit

from civicheck.extract import Document
from civicheck.fetch import FetchResult
from civicheck.soft404.botwall import detect_bot_wall
from civicheck.soft404.markup import Markup
from civicheck.soft404.page import Page, Signal, extract_document, is_2xx, is_app_shell, shortened
from civicheck.soft404.urls import is_root_path, path_of, same_url
from civicheck.soft404.wording import statements

PROBE_TOKEN_LENGTH = 12
SIMILAR = 0.90  # visible-text similarity from which a random sibling "answers the same page" (see similarity)


@functools.lru_cache(maxsize=4096)  # asked three or four times per page a run, and pure
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
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or is_root_path(parts.path):
        return None
    key = probe_key(url)
    if seed is None:
        return _probe_of(key, random.SystemRandom())
    return _seeded_probe(key, seed)


@functools.lru_cache(maxsize=4096)
def _seeded_probe(key: str, seed: str) -> str:
    """The seeded probe of a pattern: the same for every page of it, and asked for three or four times a page
    (a nightly run of 1,000 pages of one pattern made 3,000 of them, each seeding a generator)."""
    return _probe_of(key, random.Random(f"{seed}\0{key}"))


def _probe_of(key: str, rng: random.Random) -> str:
    scheme, _, rest = key.partition("://")
    scheme_host, _, pattern = rest.partition("/")
    out = []
    for segment in pattern.split("/"):
        if segment == "#":
            out.append(
                str(rng.randint(1, 9))
                + "".join(rng.choice("0123456789") for _ in range(PROBE_TOKEN_LENGTH - 1))
            )
        elif segment.startswith("*"):
            out.append(
                "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(PROBE_TOKEN_LENGTH))
                + segment[1:]
            )
        else:
            out.append(segment)
    return f"{scheme}://{scheme_host}/{'/'.join(out)}"


_ID_SEGMENT = re.compile(r"\d{3,}")
_EXTENSION = re.compile(r"(\.[A-Za-z][A-Za-z0-9]{0,4})$")


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


def probe_signals(
    page: Page, probe: FetchResult, probe_document: Document | None, probe_markup: Markup | None = None
) -> list[Signal]:
    if not is_2xx(probe):
        return []  # the site tells a nonsense URL apart: it answers it with an error
    if probe_document is None:
        probe_document = extract_document(probe)
    if detect_bot_wall(probe, probe_document, probe_markup):
        return []
    name = path_of(probe.url)
    result = page.result
    strong = not is_app_shell(page)
    why = "" if strong else " (a JavaScript app that answers every path alike, so this proves little)"
    if (
        result.redirects
        and probe.redirects
        and same_url(result.final_url, probe.final_url)
        and not same_url(result.url, result.final_url)
    ):
        return [
            Signal(
                "probe",
                strong,
                f"a random sibling URL ({name}) is redirected to the same place ({probe.final_url}){why}",
            )
        ]
    other = Page(probe, probe_document, probe_markup)
    alike = similarity(page, other)
    if alike is not None and alike >= SIMILAR:
        return [
            Signal(
                "probe",
                strong,
                f"a random sibling URL ({name}) answers the same page ({alike:.0%} similar){why}",
            )
        ]
    shared = _shared_statement(page, other)
    if shared:
        return [
            Signal(
                "probe",
                True,
                f"a random sibling URL ({name}) answers with the same message: '{shortened(shared)}'",
            )
        ]
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


def similarity(page: Page, probe: Page) -> float | None:
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


def _own_text(page: Page, probe: Page, ca: Counter, cb: Counter, paths: tuple[str, ...]) -> bool:
    """Has the page text of its own, absent from the probe's answer? Either much of it (link texts counted
    only beyond those the probe has of its own: "popular" and "latest" lists rotate between two requests,
    alike on both sides), or clearly more than the probe's answer has of its own: noise between two answers
    of one soft-404 page is symmetric, a page's own content is not (a portal's short list of agencies)."""

    def link_texts(p: Page) -> set[str]:
        return {_normalise_block(link.text, paths) for link in p.doc.links} if p.doc is not None else set()

    mine, theirs = ca - cb, cb - ca
    my_links, their_links = link_texts(page), link_texts(probe)
    text = sum(len(t) * n for t, n in mine.items() if t not in my_links)
    my_link_chars = sum(len(t) * n for t, n in mine.items() if t in my_links)
    their_link_chars = sum(len(t) * n for t, n in theirs.items() if t in their_links)
    if text + max(0, my_link_chars - their_link_chars) > max(OWN_TEXT, 0.03 * _chars(ca)):
        return True
    # The probe's "not found" message is what it has instead of content, not noise.
    messages = {_normalise_block(t, paths) for t in statements(probe)}
    their_noise = sum(len(t) * n for t, n in theirs.items() if t not in messages)
    return _chars(mine) - their_noise > OWN_NET


def _own_title(page: Page, probe: Page, paths: tuple[str, ...]) -> bool:
    """The page has a title of its own: a site answering nonsense with one page gives it one title."""
    mine = _normalise_block(page.doc.title if page.doc is not None else "", paths)
    theirs = _normalise_block(probe.doc.title if probe.doc is not None else "", paths)
    return bool(mine and theirs and mine != theirs)


def _own_objects(page: Page, probe: Page) -> bool:
    """The page shows images, frames or documents the probe's answer lacks, and the probe's answer has none
    the page lacks (when both have some, teasers rotate: the text decides then)."""
    mine, theirs = page.html.objects - probe.html.objects, probe.html.objects - page.html.objects
    return bool(mine) and not theirs


def _shared_statement(page: Page, probe: Page) -> str | None:
    """A "not found" sentence that the page and the probe's answer both show, when the page has no prose of
    its own: the site says the same thing about our URL as about a nonsense one (while varying the rest,
    e.g. "did you mean" links picked from the path)."""
    mine = statements(page)
    if not mine:
        return None
    theirs = {_normalise_block(t) for t in statements(probe)}
    shared = [t for t in mine if _normalise_block(t) in theirs]
    if not shared:
        return None
    return None if _has_own_prose(page, probe) else shared[0]


def _has_own_prose(page: Page, probe: Page) -> bool:
    """Does the page's main text say, in sentences of its own, what the probe's answer does not? Link texts
    are left out first: "did you mean" suggestions differ between the two and are not prose."""
    text = " ".join(page.prose)
    if page.doc is not None:
        for link in sorted({k.text for k in page.doc.links if len(k.text) > 3}, key=len, reverse=True):
            text = text.replace(link, " ")
    words = _normalise_block(text).split()
    other = _normalise_block(" ".join(probe.blocks)).split()
    theirs = {tuple(other[i : i + 4]) for i in range(len(other) - 3)}
    missing = sum(1 for i in range(len(words) - 3) if tuple(words[i : i + 4]) not in theirs)
    return missing >= 25  # about a sentence
