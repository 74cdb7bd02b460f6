"""The few things the signals need from a page's markup (title, headings, refreshes, scripts, frames, links,
media, an app's mount point), parsed with lxml while the body is at hand: bodies are let go once read.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

from civicheck.fetch import FetchResult
from civicheck.soft404.words import could_say_missing, might_say_missing, norm


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
        # Link labels and navigation texts that could read as "not found" wording (normalised): words the page
        # shows but does not say about itself ("Page not found" as a menu entry). Wording signals skip them.
        self.borrowed: list[str] = []
        # Where inline scripts send the browser (`location = '...'`), as written: the scripts themselves (up to
        # 50 kB a page) were kept only to look for these, in memory until assessed and in each stored reading.
        self.script_targets: list[str] = []
        self.scripts = self.links = self.media = self.frames = self.forms = 0
        self.objects: set[str] = set()  # what the page shows besides text: images, frames, linked documents
        self.app_mount = False
        self.bot_wall: str | None = None  # the marker bot_wall_marker found (read_markup only)
        self.raw_head = ""  # the body's start, lower case, for a page without text (read_markup only)
        # (family, strong, sentence) of each signal the page's content gives by itself (ensemble.content_signals),
        # worked out by read_markup where the page is read; None: assess() works them out.
        self.content_signals: list[tuple[str, bool, str]] | None = None

    @classmethod
    def of(cls, result: FetchResult, parse: bool = True) -> Markup:
        """From a result that still has its body (read_markup does it all while reading a page)."""
        from civicheck.extract import decode_text

        markup = cls()
        if parse:
            markup._parse(decode_text(result))
        markup.raw_head = raw_lower(result)[:RAW_COMPARED]
        return markup

    def _parse(self, text: str, root: Any = None) -> None:
        """`root`: the page's tree, when extraction parsed it already (extract.extract_parsed)."""
        if root is None:
            from civicheck.extract import readable_part
            from civicheck.extract.tree import parse_tree

            text = readable_part(text)
            if not text.strip():
                return
            root = parse_tree(text)
            if root is None:
                return
        found = _elements_read(root)
        title = found["title"][0] if found["title"] else None
        self.title = " ".join((title.text_content() if title is not None else "").split())
        for el in found["headings"]:
            words = " ".join(el.text_content().split())
            if words and len(self.headings) < _KEPT:
                self.headings.append((int(str(el.tag)[1]), words))  # "h2" -> 2
        for meta in found["meta"]:
            if (meta.get("http-equiv") or "").strip().lower() == "refresh":
                self.refresh = _parse_refresh(meta.get("content") or "")
        inline_js = ""
        for el in found["script"]:
            self.scripts += 1
            if src := el.get("src"):
                if len(self.script_srcs) < _KEPT:
                    self.script_srcs.append(src.strip())
            elif len(inline_js) < 50_000:
                inline_js += (el.text or "") + "\n"
        self.script_targets = _script_targets(inline_js)
        for el in found["frames"]:
            self.frames += 1
            src = el.get("src") or el.get("data")
            if src and len(self.frame_srcs) < _KEPT:
                self.frame_srcs.append(src.strip())
        for el in found["a"]:
            href = el.get("href")
            if href:
                self.links += 1
                if len(self.hrefs) < _KEPT:
                    self.hrefs.append(href.strip())
                if _DOCUMENT_LINK.search(href) and len(self.objects) < _KEPT:
                    self.objects.add(_object_key(href))
        self.borrowed = _borrowed_words(root, found["a"], found["nav"])
        self.media = len(found["media"])
        for el in found["objects"]:
            src = el.get("src") or el.get("data") or el.get("data-src")
            if src and len(self.objects) < _KEPT:
                self.objects.add(_object_key(src))
        self.forms = len(found["forms"])
        self.app_mount = _has_app_mount(root, found)

    def refresh_target(self, base: str) -> str | None:
        if self.refresh is None or self.refresh[0] > 10:  # a slow refresh is a reload, not a redirect
            return None
        return urljoin(base, self.refresh[1]) if self.refresh[1] else None

    def script_redirects(self, base: str) -> list[str]:
        return [urljoin(base, target) for target in self.script_targets]


# What _parse reads, by the elements it reads it from: each element goes to every group its tag is in.
_GROUPS = {
    "title": ("title",),
    "headings": ("h1", "h2", "h3"),
    "meta": ("meta",),
    "script": ("script",),
    "frames": ("iframe", "frame", "embed", "object"),
    "a": ("a",),
    "nav": ("nav",),
    "media": ("img", "video", "audio", "picture", "canvas", "svg"),
    "objects": ("img", "video", "audio", "source", "iframe", "frame", "embed", "object"),
    "forms": ("form", "input", "button", "select", "textarea"),
    "app-root": ("app-root",),
    "noscript": ("noscript",),
}
_GROUPS_OF: dict[str, list[str]] = {}
for _group, _tags in _GROUPS.items():
    for _tag in _tags:
        _GROUPS_OF.setdefault(_tag, []).append(_group)


def _elements_read(root: Any) -> dict[str, list[Any]]:
    """The elements of each of _GROUPS, each group in document order, found in one walk of the tree (in C):
    a walk for each group, as _parse made before, took a millisecond a page."""
    found: dict[str, list[Any]] = {group: [] for group in _GROUPS}
    for el in root.iter(*_GROUPS_OF):
        for group in _GROUPS_OF[el.tag]:
            found[group].append(el)
    return found


_DOCUMENT_LINK = re.compile(r"\.(?:pdf|docx?|xlsx?|pptx?|odt|ods|csv|zip)(?:[?#]|$)", re.IGNORECASE)


def _object_key(src: str) -> str:
    # Cache-busting queries and numbered variants of one teaser image are the same object.
    return re.sub(r"\d+", "0", src.strip().split("?")[0].split("#")[0].lower())


# `location = '...'`, `location.href = "..."`, `location.replace('...')` (often after "window.", "document.",
# "top." or "self.": a prefix that never changes what is matched, so it is not part of the pattern).
_JS_REDIRECT = re.compile(r"\blocation(?:\.href)?\s*(?:=|\.replace\(|\.assign\()\s*(['\"])(.*?)\1")


def _script_targets(js: str) -> list[str]:
    """Where `js` sends the browser: _JS_REDIRECT's matches, as finditer() finds them, but tried only where
    "location" is written. A pattern that does not start with a plain word is tried at every character by
    the re module: 1.1 ms a page on 40 kB of inline scripts, against 0.03 ms this way."""
    found = []
    at = js.find("location")
    while at >= 0:
        m = _JS_REDIRECT.match(js, at)  # \b looks at the character before `at`, as finditer() would
        if m:
            found.append(m.group(2))
        at = js.find("location", m.end() if m else at + 1)
    return found


def _parse_refresh(content: str) -> tuple[float, str] | None:
    m = re.match(
        r"\s*(\d+(?:\.\d+)?)?\s*[;,]?\s*(?:url\s*=\s*)?['\"]?([^'\"]*)['\"]?\s*$", content, re.IGNORECASE
    )
    if not m:
        return None
    return float(m.group(1) or 0), m.group(2).strip()


def _borrowed_words(root: Any, links: list[Any], navs: list[Any]) -> list[str]:
    """The short texts of links (<a>) and of navigation (<nav>, role="navigation") that could read as a "not
    found" message, longest first: a link's label names another page, a menu the site, never this page.
    `links`, `navs`: the page's <a> and <nav> elements (_elements_read)."""
    found: set[str] = set()
    # The elements a role="navigation" is on, found from those attributes: a search of every element for it
    # (//*[@role=...]) took twice as long.
    navigation = [*navs, *(role.getparent() for role in root.xpath("//@role[.='navigation']"))]
    texts = (_text_of(el) for el in links)
    for scope in [texts, *(_texts_that_might_say_missing(nav) for nav in navigation)]:
        for raw in scope:
            if len(found) >= _KEPT:
                break
            if not might_say_missing(raw):
                continue
            text = norm(raw)
            if text and len(text) <= 200 and could_say_missing(text):
                found.add(text)
    # Longest first (own_words removes them in this order); alphabetical among equals, so that a run's outcome
    # never hangs on the order of a set.
    return sorted(found, key=lambda text: (-len(text), text))


def _text_of(element: Any) -> str:
    """element.text_content(), read at once where the element holds nothing but its text (most links)."""
    return (element.text or "") if not len(element) else element.text_content()


def _texts_that_might_say_missing(top) -> Iterator[str]:
    """The text of `top` and of each element inside it, in document order, where it might say "not found"
    (words.might_say_missing). An element's text holds the text of every element inside it: a menu without
    such a word is passed over whole, rather than element by element."""
    stack = [top]
    while stack:
        el = stack.pop()
        if not isinstance(el.tag, str):
            continue  # comments and processing instructions
        text = el.text_content()
        if might_say_missing(text):
            yield text
            stack.extend(reversed(el))


_APP_MOUNT_IDS = {
    "app",
    "root",
    "__next",
    "__nuxt",
    "___gatsby",
    "svelte",
    "main-app",
    "q-app",
    "application",
}


def _has_app_mount(root: Any, found: dict[str, list[Any]]) -> bool:
    """A mount point of a client-side app: an <app-root>, or a <div>, <main> or <section> with an id apps
    mount on (found by the ids the page has: most of its elements are <div>s, few have an id), or a
    <noscript> asking for JavaScript. `found`: _elements_read(root)."""
    if found["app-root"]:
        return True
    for value in root.xpath(".//@id"):  # the ids of `root` and of the elements in it
        if value.lower() in _APP_MOUNT_IDS and value.getparent().tag in ("div", "main", "section"):
            return True
    for el in found["noscript"]:
        if re.search(
            r"enable javascript|need javascript|aktifkan javascript|requires javascript",
            el.text_content(),
            re.IGNORECASE,
        ):
            return True
    return False


_RAW_LIMIT = 300_000  # characters of the raw body searched for bot-wall markers
RAW_COMPARED = 20_000  # characters of two pages without text compared by their markup
_KEPT = 1_000  # entries kept per Markup list (50 hrefs are looked at; real pages have a few hundred objects)


def raw_lower(result: FetchResult) -> str:
    return result.body[:_RAW_LIMIT].decode("utf-8", "replace").lower()


class RawBody:
    """raw_lower(result), searched for bot-wall markers. `marker in raw` is answered from the bytes, lowered as
    bytes (0.08 ms a page, where str.lower() of the text took 0.6 ms). The same answer for a marker in ASCII: an ASCII character is one byte in UTF-8 (never
    a part of another character's bytes, nor of an invalid sequence "replace" decodes to U+FFFD), and only two
    characters that are not ASCII lower to ASCII ones: the Kelvin sign to "k", and "\u0130" to "i\u0307",
    which a marker can only end on. A marker with a "k", or ending in "i", is searched in `text`, as one not in
    ASCII is. `text` (raw_lower) is made only where it is read."""

    def __init__(self, result: FetchResult) -> None:
        self._result = result
        self._bytes = result.body[:_RAW_LIMIT].lower()

    def __contains__(self, marker: str) -> bool:
        if not marker.isascii() or "k" in marker or marker.endswith("i"):
            return marker in self.text
        return marker.encode() in self._bytes

    @functools.cached_property
    def text(self) -> str:
        return raw_lower(self._result)
