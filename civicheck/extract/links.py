"""A page's links as a citizen's browser resolves them: every element a visitor can follow, resolved against the
page's `<base href>` with a WHATWG URL parser, hrefs no browser can open kept as invalid links (never dropped).

Entry point: `links_in(tree, page_url)` over a parsed lxml.html tree; `links_from_html` parses text for callers
that have no tree yet. Links inside PDF documents are read by extract/pdf.py with `resolve` from here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from typing import Any

from civicheck.extract.clean import clean_text
from civicheck.extract.document import Document, Link

# Links kept per page: a portal's menu has hundreds; a page with a million is hostile, and each costs memory
# until the run ends.
LINK_LIMIT = 20_000

# What a citizen follows: (tag, attribute) in the order a page is read. `form` only when it is sent with GET
# (a POST form's action is a program, not a page); meta refresh is read from its content (see refresh_url).
FOLLOWED = (
    ("a", "href"),
    ("area", "href"),
    ("iframe", "src"),
    ("frame", "src"),
    ("embed", "src"),
    ("object", "data"),
    ("form", "action"),
    ("meta", "content"),
)
# What a page loads for its visitor (`resources: true`): images, stylesheets and icons, scripts, media.
RESOURCES = (
    ("img", "src"),
    ("img", "srcset"),
    ("link", "href"),
    ("script", "src"),
    ("source", "src"),
    ("source", "srcset"),
    ("video", "src"),
    ("video", "poster"),
    ("audio", "src"),
    ("track", "src"),
    ("input", "src"),
    ("body", "background"),
    ("table", "background"),
    ("td", "background"),
    ("th", "background"),
)
_TAGS = tuple(dict.fromkeys(tag for tag, _ in FOLLOWED))
_RESOURCE_TAGS = tuple(dict.fromkeys(tag for tag, _ in RESOURCES))
# <link rel=…> values that name another origin or document, not a resource the page loads.
_NOT_LOADED_RELS = {
    "preconnect",
    "dns-prefetch",
    "canonical",
    "alternate",
    "next",
    "prev",
    "author",
    "license",
    "search",
    "help",
    "bookmark",
    "external",
    "shortlink",
    "pingback",
    "me",
}

# Schemes a browser hands to another program or treats as no page at all: not checked, not broken either.
# Anything else but http(s) is a scheme no browser knows ("hutzli:", a typo "htp://"): an invalid link.
# The list: the IANA URI schemes a public page plausibly links (permanent and common provisional ones) and the
# app schemes seen on government portals (whatsapp:, tg:, line:, intent:...). Written here because no
# maintained package ships the IANA registry.
SKIPPED_SCHEMES = frozenset(
    """
    about blob callto cid data dav facetime fax feed file fb fb-messenger ftp ftps geo git gopher im imap intent
    irc ircs itms itms-apps itms-services javascript ldap ldaps line magnet mailto maps market mid mms msteams
    news nntp openid pop rtmp rtmps rtsp s3 sftp sip sips skype slack sms smsto snapchat spotify ssh steam stun
    tel telnet tg tiktok twitter urn viber view-source waze webcal whatsapp ws wss xmpp ymsgr zoommtg zoomus
    instagram linkedin line-app market-app chrome edge android-app ios-app ms-windows-store microsoft-edge
    bitcoin ethereum payto upi web+mastodon x-apple-data-detectors x-web-search
""".split()
)


def links_in(
    tree: Any,
    page_url: str,
    *,
    resources: bool = False,
    roots: Iterable[Any] | None = None,
    doc: Document | None = None,
) -> list[Link]:
    """The links of a parsed page (an lxml.html tree): absolute, fragments dropped, each URL once (its first
    element and label kept), hrefs no browser can open as invalid links, mailto:/tel:/javascript: and other
    programs' schemes left out. `resources`: what the page loads too (images, stylesheets, scripts, media).
    `roots`: only the links inside these elements (a `select`), resolved against the whole page's base.
    `doc`: the Document whose text is being read (mojibake repair is noted on it)."""
    base = document_base(tree, page_url)
    wanted = FOLLOWED + (RESOURCES if resources else ())
    tags = _TAGS + (_RESOURCE_TAGS if resources else ())
    seen: dict[str, Link] = {}
    targets: dict[str, tuple[str, str | None] | None] = {}  # href -> _target(href): menus repeat their hrefs
    for element in _elements(tree, roots, tags):
        for attribute in _attributes(element, wanted):
            for href in _hrefs(element, attribute):
                target = targets[href] if href in targets else targets.setdefault(href, _target(href, base))
                if target is None or target[0] in seen:
                    continue
                # The label only for a link seen first (reading a link's text costs its whole subtree).
                url, invalid = target
                seen[url] = Link(url, _label(element, doc), _element_name(element.tag, attribute), invalid)
                if len(seen) >= LINK_LIMIT:
                    return list(seen.values())
    return list(seen.values())


def links_from_html(
    html: str, page_url: str, *, resources: bool = False, doc: Document | None = None
) -> list[Link]:
    """links_in() of markup not yet parsed (the thin wrapper for callers without an lxml tree)."""
    tree = parse_html(html)
    return [] if tree is None else links_in(tree, page_url, resources=resources, doc=doc)


def parse_html(html: str) -> Any:
    """The lxml.html tree of `html`, or None for markup with nothing in it."""
    import lxml.html
    from lxml import etree

    if not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):  # "Document is empty"; an encoding declaration in a str
        return None


def document_base(tree: Any, page_url: str) -> str:
    """The URL relative links resolve against: the first <base> with an href, itself resolved against the page
    URL (HTML's "frozen base URL"); the page URL when there is none or it cannot be parsed."""
    for base in tree.iter("base"):
        href = base.get("href")
        if href is None:
            continue
        parsed = _parse(href, page_url)
        return parsed if parsed is not None else page_url
    return page_url


def resolve(
    href: str, base: str, element: str = "a href", text: str = "", page: int | None = None
) -> Link | None:
    """The Link a browser would follow from `href` on a page whose base URL is `base`; None for hrefs that are
    no page to check (empty, a fragment of the page itself, mailto:, tel:, javascript:...)."""
    target = _target(href, base)
    return None if target is None else Link(target[0], text, element, target[1], page)


def _target(href: str, base: str) -> tuple[str, str | None] | None:
    """(the absolute URL without its fragment, None), or (the href as written, why it is invalid), or None."""
    if href.startswith(("http://", "https://")):
        return _absolute_target(href)
    return _relative_target(href, base)


# An href with its scheme and "//" names its target whatever the page: menus and footers repeat theirs on
# every page of a site, and a worker reads page after page of the same few sites. (A scheme without "//",
# "http:page", is relative to the page in WHATWG's parser: not remembered.)
@functools.lru_cache(maxsize=20_000)
def _absolute_target(href: str) -> tuple[str, str | None] | None:
    return _relative_target(href, "http://absolute.invalid/")


def _relative_target(href: str, base: str) -> tuple[str, str | None] | None:
    href = _strip(href)
    if not href or href.startswith("#"):
        return None
    parsed = _parse(href, base)
    if parsed is None:
        return _invalid(href, "not a URL a browser can open")
    scheme = parsed.partition(":")[0]
    if scheme not in ("http", "https"):
        if scheme in SKIPPED_SCHEMES:
            return None
        return _invalid(href, f"the scheme '{scheme}:' is one no browser opens")
    host = _host(parsed)
    # WHATWG accepts "http://.example.org/" (hosts are domain names to it, not DNS names); an empty label
    # never resolves, so no browser reaches it. A single trailing dot is the DNS root: that host is fine.
    if not host or "" in host.rstrip(".").split("."):
        return _invalid(href, "its host name has an empty label")
    return parsed.partition("#")[0], None


def _invalid(href: str, why: str) -> tuple[str, str]:
    shown = clean_text(href, None)[:300]
    return shown, f"invalid link: '{shown}' ({why})"


def _parse(href: str, base: str) -> str | None:
    """The WHATWG URL parser's serialisation of `href` against `base`; None when it fails (no browser could
    follow it: "http://", "http://host]", "//////" on an http page)."""
    try:
        return _join_url()(base, href)
    except ValueError:
        return None


@functools.cache
def _join_url():
    """ada_url.join_url, imported once, when a page is first read (an import in the loop costs as much as the
    parse)."""
    from ada_url import join_url

    return join_url


_AUTHORITY_END = re.compile(r"[/?#]")


def _host(url: str) -> str:
    """The host of an http(s) URL as the WHATWG parser serialised it (so it can be cut out of the string: no
    second parse): between "//" and the first "/", "?" or "#", without user info and port."""
    authority = _AUTHORITY_END.split(url.partition("//")[2], maxsplit=1)[0]
    host = authority.rpartition("@")[2]
    if host.startswith("["):  # an IPv6 address
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0]


# HTML's "strip leading and trailing ASCII whitespace" (U+0009, U+000A, U+000C, U+000D, U+0020): a no-break
# space at the end of an href is part of it (a browser percent-encodes it), so str.strip() would be wrong.
_ASCII_SPACE = "\t\n\x0c\r "


def _strip(href: str) -> str:
    return href.strip(_ASCII_SPACE)


def _elements(tree: Any, roots: Iterable[Any] | None, tags: tuple[str, ...]) -> Iterator[Any]:
    if roots is None:
        yield from tree.iter(*tags)
        return
    for root in roots:
        yield from root.iter(*tags)  # lxml's iter includes the root itself when it matches


def _attributes(element: Any, wanted: tuple[tuple[str, str], ...]) -> list[str]:
    tag = element.tag
    if tag == "form" and (element.get("method") or "get").strip().lower() != "get":
        return []
    if tag == "meta" and (element.get("http-equiv") or "").strip().lower() != "refresh":
        return []
    if tag == "link":
        rels = set((element.get("rel") or "").lower().split())
        if rels and rels <= _NOT_LOADED_RELS:
            return []
    if tag == "a" and element.get("href") is None and element.get("xlink:href") is not None:
        return ["xlink:href"]  # an SVG link
    return [attr for t, attr in wanted if t == tag and element.get(attr) is not None]


def _hrefs(element: Any, attribute: str) -> list[str]:
    value = element.get(attribute) or ""
    if attribute == "srcset":
        return srcset_urls(value)
    if element.tag == "meta":
        url = refresh_url(value)
        return [url] if url else []
    if element.tag == "form" and not _strip(value):
        return []  # a form without an action is sent to the page itself
    return [value]


def _element_name(tag: str, attribute: str) -> str:
    if tag == "meta":
        return "meta refresh"
    return f"{tag} {'href' if attribute == 'xlink:href' else attribute}"


def _label(element: Any, doc: Document | None) -> str:
    """What the visitor sees of the link: its text, else the alt of its image, its title or aria-label."""
    if element.tag in ("a", "area"):
        text = " ".join(element.text_content().split()) if element.tag == "a" else ""
        if not text:
            for img in element.iter("img"):
                text = " ".join((img.get("alt") or "").split())
                if text:
                    break
        text = text or " ".join(
            (element.get("alt") or element.get("aria-label") or element.get("title") or "").split()
        )
        return clean_text(text, doc)[:500]
    if element.tag in ("iframe", "frame", "embed", "object", "img"):
        return clean_text(" ".join((element.get("title") or element.get("alt") or "").split()), doc)[:500]
    return ""


_REFRESH = re.compile(
    r"""^[\t\n\x0c\r ]*[0-9.]*[\t\n\x0c\r ]*[;,]?[\t\n\x0c\r ]*(?:url[\t\n\x0c\r ]*=[\t\n\x0c\r ]*)?""",
    re.IGNORECASE,
)


def refresh_url(content: str) -> str | None:
    """The URL of a `<meta http-equiv=refresh content="5; url=...">` (HTML's shared declarative refresh steps,
    quotes included); None for a plain reload ("30")."""
    m = _REFRESH.match(content)
    rest = content[m.end() :] if m else content
    if not rest or not m or m.end() == 0 or not re.match(r"^[\t\n\x0c\r ]*[0-9.]", content):
        return None
    if rest[0] in "'\"":
        quote, rest = rest[0], rest[1:]
        rest = rest.split(quote, 1)[0]
    return _strip(rest) or None


def srcset_urls(srcset: str) -> list[str]:
    """The image URLs of a srcset ("a.jpg 1x, b.jpg 2x"), split as HTML's srcset parser does: a URL is a run
    of non-space characters (it may hold commas: "image,w_300.jpg"), trailing commas end it, and descriptors
    run to the next comma outside parentheses."""
    urls, i, n = [], 0, len(srcset)
    while i < n:
        while i < n and (srcset[i] in _ASCII_SPACE or srcset[i] == ","):
            i += 1
        start = i
        while i < n and srcset[i] not in _ASCII_SPACE:
            i += 1
        url = srcset[start:i]
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            depth = 0
            while i < n and (srcset[i] != "," or depth):
                depth += {"(": 1, ")": -1}.get(srcset[i], 0)
                i += 1
        if url:
            urls.append(url)
    return urls
