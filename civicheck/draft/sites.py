"""Sites an article points to: the links in its body, addresses written in its text (disnaker.cilegon.go.id),
and which of them are government sites whose front page deserves a links audit.

A written address is only taken when the Public Suffix List knows its ending (tldextract, with the list it
ships: never fetched), so "tersebut.Dia" or "Node.js" are not sites.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from civicheck.draft.article import Article
from civicheck.extract import site_of

# An address in running text: a URL with its scheme, or a host name (with an optional path) standing alone.
_URL = re.compile(r"\bhttps?://[^\s<>\"“”‘’]+", re.I)
_HOST = re.compile(
    r"(?<![\w@./-])((?:www\.)?(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[a-z]{2,24})"
    r"(/[^\s<>\"“”‘’()]*)?(?![\w@-])"
)
_TRAILING = ".,;:!?)]}'\"’”®™"
# Labels of a public suffix that mark a government or military registry: go.id, gov, gov.uk, gob.mx, gouv.fr.
_GOVERNMENT_LABELS = frozenset({"go", "gov", "govt", "gob", "gouv", "gv", "mil"})
_GOVERNMENT_SUFFIXES = frozenset({"desa.id", "gc.ca", "europa.eu", "admin.ch", "mil"})


@dataclass(frozen=True)
class Mention:
    url: str  # what a `live` check cites
    text: str  # the link's words, or the address as written
    paragraph: int | None
    written: bool  # an address in the text, not a link


def mentions(article: Article) -> list[Mention]:
    """Every link in the body and every address written in it, in order, each URL once; the article's own
    address is left out (it is being read, so it is up)."""
    found: dict[str, Mention] = {}
    for link in article.links:
        found.setdefault(link.url, Mention(link.url, link.text, link.paragraph, False))
    linked = {_same_page(url) for url in found}
    own = {_registrable(article.site)}
    sitename = (article.document.meta.get("sitename") or "") if article.document is not None else ""
    for p, text in enumerate(article.paragraphs):
        for url, written in _addresses(text):
            if _registrable(site_of(url)) in own or written.casefold() == sitename.casefold():
                continue  # "JAKARTA, KOMPAS.com - …": the paper's own name, not a site it points to
            if _same_page(url) in linked:
                continue  # the words of a link to that very address
            found.setdefault(url, Mention(url, written, p, True))
    return [m for m in found.values() if _same_page(m.url) != _same_page(article.url)]


def _addresses(text: str) -> list[tuple[str, str]]:
    """(URL to check, address as written) of each address in the text, in order."""
    out: list[tuple[int, str, str]] = []
    taken: list[tuple[int, int]] = []
    for m in _URL.finditer(text):
        url = m.group().rstrip(_TRAILING)
        if _known_host(urlsplit(url).hostname or ""):
            out.append((m.start(), url, url))
            taken.append((m.start(), m.start() + len(url)))
    for m in _HOST.finditer(text):
        if any(a <= m.start() < b for a, b in taken):
            continue
        host, path = m.group(1), (m.group(2) or "").rstrip(_TRAILING)
        if not _known_host(host) or _looks_like_prose(host):
            continue
        # Written without a scheme, as people type it: http:// reaches the site either way (a site with
        # TLS redirects to https itself), while https:// would call an http-only site dead.
        out.append((m.start(), f"http://{host.lower()}{path or '/'}", host + path))
    return [(url, written) for _, url, written in sorted(out)]


def _looks_like_prose(host: str) -> bool:
    """ "said.It", "tersebut.Dia": two sentences glued together, not a site (a site's ending is lower case)."""
    suffix = host.rsplit(".", 1)[-1]
    return not suffix.islower()


@lru_cache(maxsize=1)
def _extractor():
    import tldextract

    # The suffix list tldextract ships; suffix_list_urls=() so it never goes online for a newer one.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@lru_cache(maxsize=4096)
def _parts(host: str) -> tuple[str, str]:
    found = _extractor()(host.lower())
    return found.domain, found.suffix


def _known_host(host: str) -> bool:
    domain, suffix = _parts(host)
    return bool(domain and suffix)


def _registrable(host: str) -> str:
    domain, suffix = _parts(host)
    return f"{domain}.{suffix}" if domain and suffix else host


def is_government(host: str) -> bool:
    """A government or military site by its registry: *.go.id, *.gov, *.gov.uk, *.gouv.fr, *.desa.id …"""
    _, suffix = _parts(host)
    return bool(suffix) and (
        suffix in _GOVERNMENT_SUFFIXES or bool(_GOVERNMENT_LABELS & set(suffix.split(".")))
    )


def _same_page(url: str) -> str:
    parts = urlsplit(url)
    return f"{(parts.hostname or '').lower()}{parts.path.rstrip('/')}?{parts.query}"


def by_site(found: list[Mention]) -> dict[str, list[Mention]]:
    """Mentions grouped per site (host without "www."), in order of first mention."""
    groups: dict[str, list[Mention]] = {}
    for mention in found:
        groups.setdefault(site_of(mention.url), []).append(mention)
    return groups


def audit_roots(found: list[Mention]) -> list[str]:
    """The front page to audit for each government domain named: its portal (www.cilegon.go.id or
    cilegon.go.id) when the article names that, else the first of its sites named (an agency's subdomain)."""
    named: dict[str, list[str]] = {}
    for mention in found:
        parts = urlsplit(mention.url)
        host = (parts.hostname or "").lower()
        if is_government(host):
            port = f":{parts.port}" if parts.port else ""
            named.setdefault(_registrable(host), []).append(f"{parts.scheme}://{host}{port}/")
    roots = []
    for domain, urls in named.items():
        portal = [u for u in urls if urlsplit(u).hostname in (domain, f"www.{domain}")]
        roots.append((portal or urls)[0])
    return roots
