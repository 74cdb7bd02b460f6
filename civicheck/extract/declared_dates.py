"""The dates a page declares for its own publication: JSON-LD, OpenGraph and other meta tags, marked-up <time>
elements, a date in its address; each with where it came from and how far it is trusted. extract/dates.py
weighs them against htmldate's reading and the date shown under the headline.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# Meta tags that say when a page was first published, by how much they are trusted: the first group is written
# by the publishing system for this very page; the second is often a copy date, a crawl date or the last change.
_STRONG_META = {
    "article:published_time": "OpenGraph article:published_time",
    "og:article:published_time": "OpenGraph article:published_time",
    "og:published_time": "OpenGraph published_time",
    "article:published": "meta article:published",
    "datepublished": "meta datePublished",
    "sailthru.date": "meta sailthru.date",
    "parsely-pub-date": "meta parsely-pub-date",
    "article.published": "meta article.published",
    "article_date_original": "meta article_date_original",
    "publish-date": "meta publish-date",
    "publishdate": "meta publishdate",
    "pubdate": "meta pubdate",
    "og:pubdate": "meta og:pubdate",
    "published_time": "meta published_time",
    "pub_date": "meta pub_date",
    "citation_publication_date": "meta citation_publication_date",
    "dc.date.issued": "meta DC.date.issued",
    "dcterms.issued": "meta dcterms.issued",
}
_WEAK_META = {
    "dc.date": "meta DC.date",
    "dcterms.date": "meta dcterms.date",
    "dcterms.created": "meta dcterms.created",
    "dc.date.created": "meta DC.date.created",
    "date": "meta date",
    "datecreated": "meta dateCreated",
    "citation_date": "meta citation_date",
}
_ARTICLE_TYPES = re.compile(
    r"(?i)article|posting|report|news|blog|review|creativework|webpage|opinion|analysis"
)


@dataclass(frozen=True)
class Declared:
    """One date a page gives for its publication, and where it gives it."""

    date: str  # ISO day, as the source states it (its own time zone's day)
    source: (
        str  # "JSON-LD datePublished", "OpenGraph article:published_time", "the address (/2023/06/15/)", ...
    )
    strong: bool = True  # written for this page by its publishing system (not a copy, crawl or change date)
    # A day as the publisher's readers saw it: a date alone, or a time with its local offset. A time in UTC, or
    # with no zone at all (most often UTC too), may fall on the next or the last day where it was published.
    local: bool = True
    time: bool = False  # it gave a time of day too (with its offset, when local)


# --- reading the page's own declarations ------------------------------------------------------------------------


def declared(root: Any, url: str) -> list[Declared]:
    """Every publication date the page declares, in order of trust: JSON-LD, meta tags, marked-up elements,
    and the date in its address. `root`: the page's lxml tree (extract/tree.py), None when it has none."""
    # The tags read here, each kind in document order (XPath, in C). The elements marked datePublished are
    # found from their itemprop attributes: a search of every element for one took twice as long.
    metas = root.xpath("//meta") if root is not None else []
    scripts = [tag for tag in root.xpath("//script") if _is_json_ld(tag)] if root is not None else []
    found: list[Declared] = []
    found += _json_ld(scripts, url)
    found += _meta(metas)
    if root is not None and not any(
        d.source in ("meta datePublished", "OpenGraph article:published_time") for d in found
    ):
        wanted = "//@itemprop[.='datePublished']/.. | //time[@pubdate]"
        marked = [tag for tag in root.xpath(wanted) if tag.tag != "meta" and not _is_json_ld(tag)]
        found += _marked_up(marked)  # an element: may be a related story's; the page's own tags first
    in_address = date_in_url(url)
    if in_address:
        found.append(Declared(in_address[0], f"the address ({in_address[1]})"))
    return found


def _is_json_ld(tag: Any) -> bool:
    return tag.tag == "script" and re.search(r"(?i)ld\+json", tag.get("type") or "") is not None


def _json_ld(scripts: list[Any], url: str) -> list[Declared]:
    """datePublished of the article the page is: the JSON-LD object whose url or @id is the page's, else the
    first article-like one (a page may also describe the articles it links to)."""
    candidates: list[tuple[bool, str, str]] = []  # (is this page, date text, type)
    for script in scripts:
        try:
            data = json.loads(script.text_content() or "null", strict=False)
        except (ValueError, RecursionError):
            continue  # a broken block says nothing
        for obj in _objects(data):
            value = obj.get("datePublished")
            kind = obj.get("@type")
            kind = " ".join(kind) if isinstance(kind, list) else str(kind or "")
            if isinstance(value, str) and _ARTICLE_TYPES.search(kind):
                own = any(_same_page(obj.get(k), url) for k in ("url", "@id", "mainEntityOfPage"))
                candidates.append((own, value, kind))
    if not candidates:
        return []
    on_this_page = [c for c in candidates if c[0]]
    _, text, kind = (on_this_page or candidates)[0]
    parsed = parse_date(text)
    return (
        [Declared(parsed[0], "JSON-LD datePublished", local=parsed[1], time=_has_time(text))]
        if parsed
        else []
    )


def _objects(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every JSON object in a JSON-LD block (@graph, lists, nested), breadth-first, to a sane depth."""
    if depth > 6:
        return
    if isinstance(data, list):
        for item in data:
            yield from _objects(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement", "item"):
            if isinstance(data.get(key), (list, dict)):
                yield from _objects(data[key], depth + 1)


def _same_page(value: Any, url: str) -> bool:
    if isinstance(value, dict):
        value = value.get("@id") or value.get("url")
    if not isinstance(value, str) or not value:
        return False
    strip = re.compile(r"^https?://(www\.)?|[#?].*$|/$")
    return strip.sub("", value.strip()) == strip.sub("", url.strip())


def _meta(metas: list[Any]) -> list[Declared]:
    found: list[Declared] = []
    seen: set[str] = set()
    for tag in metas:
        key = (tag.get("property") or tag.get("name") or tag.get("itemprop") or "").strip().lower()
        label = _STRONG_META.get(key) or _WEAK_META.get(key)
        if label is None or label in seen:
            continue
        parsed = parse_date(tag.get("content") or "")
        if parsed:
            seen.add(label)
            found.append(
                Declared(
                    parsed[0],
                    label,
                    strong=key in _STRONG_META,
                    local=parsed[1],
                    time=_has_time(tag.get("content") or ""),
                )
            )
    parsely = next((tag for tag in metas if tag.get("name") == "parsely-page"), None)
    if parsely is not None and "meta parsely-pub-date" not in seen:
        try:
            pub = json.loads(parsely.get("content") or "{}").get("pub_date")
        except (ValueError, AttributeError):
            pub = None
        parsed = parse_date(pub or "")
        if parsed:
            found.append(Declared(parsed[0], "meta parsely-page pub_date", local=parsed[1]))
    return found


def _marked_up(marked: list[Any]) -> list[Declared]:
    """An element marked as the publication date: itemprop="datePublished" (microdata) or <time pubdate>."""
    for element in marked:
        if element.tag == "meta":
            continue  # read with the meta tags
        text = element.get("datetime") or element.get("content") or ""
        parsed = parse_date(text)
        if parsed:
            return [
                Declared(
                    parsed[0], f"<{element.tag}> marked datePublished", local=parsed[1], time=_has_time(text)
                )
            ]
    return []


# /2023/06/15/, /2023-06-15/, /20230615/: a year, a month and a day in the path, never a bare year or month.
_URL_DATE = re.compile(r"/((?:19|20)\d\d)([/-]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?=[/._-]|$)")


def date_in_url(url: str) -> tuple[str, str] | None:
    """The publication date a page's address carries, and the part that says it ("/2023/06/15/")."""
    from urllib.parse import urlsplit

    path = urlsplit(url).path
    m = _URL_DATE.search(path)
    if not m:
        return None
    try:
        day = dt.date(int(m[1]), int(m[3]), int(m[4]))
    except ValueError:
        return None
    return day.isoformat(), m.group(0) + ("/" if path[m.end() : m.end() + 1] == "/" else "")


_ISO = re.compile(
    r"\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)?\s*"
    r"(Z|[+-]\d{2}:?\d{2}|UTC|GMT)?)?"
)


def parse_date(text: str) -> tuple[str, bool] | None:
    """(ISO day, whether that is the publisher's local day) of a date as metadata writes it: ISO 8601 with or
    without a time and offset, a compact 20230615, or an RFC 2822 date ("Tue, 15 Jun 2023 10:00:00 GMT").
    None for anything else: a numeric date like 05/10/2018 means a different day in different countries."""
    text = (text or "").strip()
    m = _ISO.match(text)
    if m:
        try:
            day = dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
        zone = (m[7] or "").upper()
        return plausible(
            day, local=not m[4] or zone not in ("", "Z", "UTC", "GMT", "+00:00", "+0000", "-00:00")
        )
    m = re.fullmatch(r"((?:19|20)\d\d)(\d\d)(\d\d)(?:T?\d{4,6}.*)?", text)
    if m:
        try:
            return plausible(dt.date(int(m[1]), int(m[2]), int(m[3])), local=len(text) == 8)
        except ValueError:
            return None
    if re.search(r"[A-Za-z]{3}", text):
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(re.sub(r"\s*\(.*\)$", "", text))
        except (TypeError, ValueError, IndexError):
            return None
        offset = when.utcoffset()
        return plausible(when.date(), local=bool(offset))
    return None


def _has_time(text: str) -> bool:
    return bool(re.search(r"\d:\d\d", text))


def plausible(day: dt.date, local: bool) -> tuple[str, bool] | None:
    # The web is younger than 1990; a date a year ahead is a placeholder or an event, not a publication.
    if not dt.date(1990, 1, 1) <= day <= dt.date.today() + dt.timedelta(days=366):
        return None
    return day.isoformat(), local
