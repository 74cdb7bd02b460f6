"""Benchmark of civicheck.soft404: real news pages (must stay live) and soft-404 variants built from them, served
from 127.0.0.1 and run through the real Fetcher, extract and assess, probes included. Run by hand:

    .venv/bin/python bench/bench_soft404.py [--corpus /work/shared/corpus] [--limit N] [--stress] [--verbose]

Every real site gets local servers (one port each, so each has its own root). A server answers the site's
real pages at their original paths, plus three thin portal-like pages built from its chrome (a list of agency
links, an organisation chart image, one PDF link), and unknown paths the way its "behaviour" says: a hard
404, a "not found" template with 200 (four placements, one of them silent), the home page with 200, a
redirect to the root, or (for sites that route by id) the article whatever the slug. All of these must stay
live; --stress puts every page under every behaviour. Soft-404 variants, built from each article: a not-found
template keeping the page's own chrome (seven placements, Indonesian or English); redirects to the root, a
language root, an error page, a login page or the parent listing, by HTTP, meta refresh or script; parked,
expired, suspended and placeholder domains; empty pages; sites answering any path with the home page (static
or with rotating lists) or a listing. The probes are fetched once per probe key, as the runner does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import html
import itertools
import json
import random
import re
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from civicheck.extract import extract  # noqa: E402
from civicheck.extract.pipeline import extract_parsed  # noqa: E402
from civicheck.fetch import FetchResult  # noqa: E402
from civicheck.fetch.client import Fetcher  # noqa: E402
from civicheck.reading import read_page  # noqa: E402
from civicheck.reading.needs import LIVENESS_ONLY as READ_FOR_LIVENESS  # noqa: E402
from civicheck.soft404 import assess, probe_key, probe_url  # noqa: E402

DEFAULT_CORPUS = Path("/work/shared/corpus")
LIVENESS_ONLY = False  # --liveness-only


# --- the corpus ---------------------------------------------------------------------------------------------


@dataclass
class RealPage:
    name: str
    url: str
    html: bytes
    kind: str  # "article" or "home"
    site: str  # one local "site" per original site
    lang: str  # "id" or "en"


def load_corpus(corpus: Path) -> list[RealPage]:
    pages: list[RealPage] = []
    aeb = corpus / "aeb"
    if (aeb / "ground-truth.json").exists():
        truth = json.loads((aeb / "ground-truth.json").read_text())
        for digest, item in sorted(truth.items()):
            path = aeb / "html" / f"{digest}.html.gz"
            if path.exists():
                host = urlsplit(item["url"]).hostname or digest
                pages.append(
                    RealPage(
                        digest[:10],
                        item["url"],
                        gzip.decompress(path.read_bytes()),
                        "article",
                        f"aeb:{host}",
                        "en",
                    )
                )
    idnews = corpus / "idnews"
    if (idnews / "ground-truth.json").exists():
        truth = json.loads((idnews / "ground-truth.json").read_text())
        urls = {item["file"]: item["url"] for item in truth}
        for path in sorted(idnews.glob("*/*.html")):
            rel = f"{path.parent.name}/{path.name}"
            lang = "en" if path.parent.name == "tempo-english" else "id"
            if "mainpage" in path.name:
                pages.append(
                    RealPage(rel, "http://home/", path.read_bytes(), "home", f"id:{path.parent.name}", lang)
                )
            elif rel in urls:
                pages.append(
                    RealPage(rel, urls[rel], path.read_bytes(), "article", f"id:{path.parent.name}", lang)
                )
    return pages


def local_path(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


# --- page surgery: a site's chrome around other content ----------------------------------------------------


def decode(body: bytes) -> str:
    from civicheck.extract import decode_text

    return decode_text(
        FetchResult(
            url="x",
            final_url="x",
            status=200,
            reason="OK",
            error=None,
            detail="",
            fetched_at="",
            body=body,
            headers=[("Content-Type", "text/html")],
        )
    )


def with_main_replaced(page: RealPage, fragment: str, title: str | None) -> bytes:
    """The page's own HTML with its main text (the densest block of long paragraphs) and its h1 headline
    replaced by `fragment`: the site's header, navigation, sidebars and footer stay."""
    import lxml.html

    root = lxml.html.document_fromstring(decode(page.html))
    for bad in list(root.iter("script", "style", "noscript")):
        bad.getparent().remove(bad)
    # Paragraph carriers: elements with 50+ characters of their own text (a <p>, or a <div> of text and <br>).
    paras = [
        el
        for el in root.iter()
        if isinstance(el.tag, str)
        and len(own_text(el)) >= 50
        and el.tag not in ("html", "head", "body", "title", "a", "li")
    ]
    total = sum(len(own_text(p)) for p in paras)
    container = None
    if paras:
        weight: Counter = Counter()
        for p in paras:
            for anc in [p, *p.iterancestors()]:
                weight[anc] += len(own_text(p))
        # The deepest element holding most of the article text.
        best = [el for el, w in weight.items() if w >= 0.6 * total]
        container = max(best, key=lambda el: sum(1 for _ in el.iterancestors())) if best else None
    for h1 in list(root.iter("h1")):
        # Only a headline: a broken page may have an unclosed <h1> wrapping everything after it.
        if len(h1.text_content()) < 300 and (container is None or h1 not in container.iterancestors()):
            h1.getparent().remove(h1)
    body = root.find("body")
    if container is not None and body is not None and body not in [container, *container.iterancestors()]:
        container = None  # lxml moved part of a broken page into <head>: write into the body instead
    if container is None or container.tag in ("html", "body"):
        body = root.find("body")
        container = body if body is not None else root
        for p in paras:
            if p.getparent() is not None:
                p.getparent().remove(p)
    else:
        for child in list(container):
            container.remove(child)
        container.text = None
    for el in lxml.html.fragments_fromstring(fragment):
        if isinstance(el, str):
            continue
        container.append(el)
    if title is not None:
        t = root.find(".//title")
        if t is None:
            head = root.find("head")
            if head is None:
                head = lxml.html.Element("head")
                root.insert(0, head)
            t = lxml.html.Element("title")
            head.append(t)
        t.text = title
    return lxml.html.tostring(root, encoding="utf-8", doctype="<!DOCTYPE html>")


def own_text(el) -> str:
    parts = [el.text or ""] + [child.tail or "" for child in el]
    return " ".join(" ".join(parts).split())


def site_name(page: RealPage) -> str:
    import lxml.html

    root = lxml.html.document_fromstring(decode(page.html))
    og = root.xpath("//meta[@property='og:site_name']/@content")
    if og and og[0].strip():
        return og[0].strip()
    host = urlsplit(page.url).hostname or page.site
    return host.removeprefix("www.").split(".")[0].capitalize()


NOT_FOUND = {
    "id": {
        "title-h1": (
            "Halaman Tidak Ditemukan | {site}",
            "<div class='error-404'><h1>Halaman Tidak Ditemukan</h1><p>Maaf, halaman yang Anda cari tidak "
            "ditemukan atau telah dipindahkan.</p><p><a href='/'>Kembali ke Beranda</a></p></div>",
        ),
        "h1-only": (
            "{site}",
            "<section><h1>Ups! Halaman yang Anda cari tidak ada</h1><p>Silakan gunakan menu "
            "pencarian atau kembali ke beranda.</p></section>",
        ),
        "p-only": (
            "{site}",
            "<div class='alert'><p>Maaf, halaman yang Anda cari tidak ditemukan.</p>"
            "<a href='/'>Beranda</a></div>",
        ),
        "404-h2": (
            "{site} - Berita Terkini",
            "<div class='notfound'><h2>404</h2><p>Halaman yang Anda minta tidak tersedia.</p></div>",
        ),
        "echo-path": ("{site}", "<div><p>Maaf, halaman {path} tidak ditemukan di server ini.</p></div>"),
        "silent": ("{site}", "<div class='content'></div>"),
        "suggest": (
            "{site}",
            "<div><p>Halaman yang Anda cari tidak tersedia.</p><h3>Mungkin Anda mencari:</h3>"
            "<ul>{suggestions}</ul></div>",
        ),
    },
    "en": {
        "title-h1": (
            "Page not found | {site}",
            "<div class='error-404'><h1>Page Not Found</h1><p>Sorry, the page you are looking for does not "
            "exist or has been moved.</p><p><a href='/'>Go to the home page</a></p></div>",
        ),
        "h1-only": (
            "{site}",
            "<section><h1>Oops! That page can\u2019t be found.</h1><p>It looks like nothing was "
            "found at this location. Maybe try a search?</p></section>",
        ),
        "p-only": (
            "{site}",
            "<div class='alert'><p>Sorry, we couldn't find that page.</p><a href='/'>Home</a></div>",
        ),
        "404-h2": (
            "{site} | News",
            "<div class='notfound'><h2>404</h2><p>The page you requested could not be found.</p></div>",
        ),
        "echo-path": ("{site}", "<div><p>The requested URL {path} was not found on this server.</p></div>"),
        "silent": ("{site}", "<div class='content'></div>"),
        "suggest": (
            "{site}",
            "<div><p>Sorry, this page doesn't exist.</p><h3>Were you looking for:</h3>"
            "<ul>{suggestions}</ul></div>",
        ),
    },
}

PARKED = {
    "sedo": (
        "{domain} - This domain may be for sale!",
        "<div class='container'><h1>{domain}</h1><p>This domain may be for sale!</p><h2>Related Searches</h2>"
        "<ul><li><a href='/?q=news'>News Today</a></li><li><a href='/?q=loans'>Personal Loans</a></li>"
        "<li><a href='/?q=travel'>Cheap Flights</a></li></ul>"
        "<script src='https://img.sedoparking.com/jspartner/e.js'></script></div>",
    ),
    "dan": (
        "{domain} is for sale",
        "<main><h1>The domain name {domain} is for sale</h1><p>Buy now for $2,488 or make an offer.</p>"
        "<p>Secure payments. Fast transfer.</p></main>",
    ),
    "godaddy-js": (
        "{domain}",
        "<div id='parking'></div><script src='https://img1.wsimg.com/parking-lander/static/js/main.js'>"
        "</script>",
    ),
    "id-dijual": (
        "Domain dijual - {domain}",
        "<div><h2>{domain}</h2><p>Domain ini dijual! Hubungi kami untuk penawaran terbaik.</p>"
        "<p>Telp: 0812-0000-0000</p></div>",
    ),
    "expired": (
        "{domain}",
        "<div><h1>{domain}</h1><p>This domain has expired. If you owned this domain, contact your domain "
        "registration service provider to renew it.</p></div>",
    ),
    "suspended": (
        "Account Suspended",
        "<div><h1>Account Suspended</h1><p>This Account has been suspended.</p><p>Contact your hosting "
        "provider for more information.</p></div>",
    ),
    "nginx": (
        "Welcome to nginx!",
        "<h1>Welcome to nginx!</h1><p>If you see this page, the nginx web server is successfully installed "
        "and working. Further configuration is required.</p><p>For online documentation and support please "
        "refer to <a href='http://nginx.org/'>nginx.org</a>.</p><p><em>Thank you for using nginx.</em></p>",
    ),
}

EMPTY = {
    "empty-body": b"",
    "blank-html": b"<!DOCTYPE html><html><head><title></title></head><body></body></html>",
    "br-only": b"<html><body><br/>\n</body></html>",
    "php-error": (
        b"<br />\n<b>Warning</b>:  mysqli_connect(): (HY000/2002): Connection refused in "
        b"<b>/var/www/html/config.php</b> on line <b>12</b><br />"
    ),
}


def page_doc(title: str, body: str) -> bytes:
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
        f"<body>{body}</body></html>"
    ).encode()


# --- local servers ------------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


class VirtualSite:
    """One site on its own port: known paths, and a behaviour for every other path."""

    def __init__(self, unknown, home: bytes | None):
        self.pages: dict[str, bytes] = {}
        self.redirects: dict[str, str] = {}
        self.extra: dict[str, Answer] = {}
        self.unknown = unknown  # path -> Answer
        self.home = home
        self.slug_ignoring = False
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.request_queue_size = 128
        server.vsite = self  # type: ignore[attr-defined]
        self.server = server
        self.base = f"http://127.0.0.1:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.5}, daemon=True).start()

    def answer(self, target: str) -> Answer:
        path = urlsplit(target).path
        for key in (target, path):
            if key in self.redirects:
                return Answer(302, b"", [("Location", self.redirects[key])])
            if key in self.pages:
                return Answer(200, self.pages[key])
            if key in self.extra:
                return self.extra[key]
        if path == "/" and self.home is not None:
            return Answer(200, dynamic(self.home))
        if self.slug_ignoring:
            for known, body in self.pages.items():
                prefix = id_prefix(known)
                if prefix and path.startswith(prefix):
                    return Answer(200, body)
        return self.unknown(target)


def id_prefix(path: str) -> str | None:
    segments = urlsplit(path).path.split("/")
    for i in range(len(segments) - 1, 0, -1):
        if re.search(r"\d{3,}", segments[i]) and i < len(segments) - 1:
            return "/".join(segments[: i + 1]) + "/"
    return None


_CLOCK = itertools.count()


def dynamic(body: bytes) -> bytes:
    """A home page as a live site serves it: a clock and a rotating "trending" item differ per request."""
    now = dt.datetime.now().strftime("%H:%M:%S")
    pick = random.Random(next(_CLOCK)).choice(
        ["Harga cabai naik lagi", "Jadwal KRL berubah pekan ini", "Cuaca ekstrem di pesisir"]
    )
    extra = f"<div class='ticker'><span>Diperbarui {now} #{next(_CLOCK)}</span> <b>Trending: {pick}</b></div>"
    return (
        re.sub(rb"(<body[^>]*>)", lambda m: m.group(1) + extra.encode(), body, count=1, flags=re.I)
        if re.search(rb"<body", body, re.I)
        else body + extra.encode()
    )


def rotating(body: bytes) -> bytes:
    """A home page whose server-side "popular" and "latest" lists rotate: a tenth of its links change order
    or disappear between two requests, on top of the clock."""
    anchors = list(re.finditer(rb"<a\b[^>]*>(.*?)</a>", body, re.S | re.I))
    if len(anchors) < 10:
        return dynamic(body)
    rng = random.Random(next(_CLOCK))
    chosen = rng.sample(anchors, max(1, len(anchors) // 10))
    texts = [m.group(1) for m in chosen]
    rng.shuffle(texts)
    out, last = [], 0
    for m, text in sorted(zip(chosen, texts, strict=True), key=lambda x: x[0].start()):
        out.append(body[last : m.start(1)])
        out.append(text if rng.random() < 0.7 else b"")
        last = m.end(1)
    out.append(body[last:])
    return dynamic(b"".join(out))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        ans = self.server.vsite.answer(self.path)  # type: ignore[attr-defined]
        self.send_response(ans.status)
        names = {k.lower() for k, _ in ans.headers}
        if "content-type" not in names:
            self.send_header("Content-Type", "text/html; charset=utf-8")
        for k, v in ans.headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(ans.body)))
        self.end_headers()
        self.wfile.write(ans.body)

    def log_message(self, *args) -> None:
        pass


# --- scenarios ----------------------------------------------------------------------------------------------


@dataclass
class Case:
    url: str
    soft404: bool  # the truth
    variant: str
    page: str


NEG_BEHAVIOURS = ["hard404", "template200", "home200", "redirect_root", "slug_ignoring"]
POS_VARIANTS = (
    [f"tmpl:{p}" for p in ("title-h1", "h1-only", "p-only", "404-h2", "echo-path", "silent", "suggest")]
    + [
        "redirect:root",
        "redirect:lang",
        "redirect:404page",
        "redirect:login",
        "redirect:parent",
        "redirect:meta",
        "redirect:js",
    ]
    + [f"parked:{k}" for k in PARKED]
    + [f"empty:{k}" for k in EMPTY]
    + ["same:home200", "same:listing200", "same:home200-rotating"]
)


class Builder:
    def __init__(self, pages: list[RealPage]):
        self.pages = pages
        self.by_site: dict[str, list[RealPage]] = defaultdict(list)
        for p in pages:
            self.by_site[p.site].append(p)
        self.cases: list[Case] = []
        self.sites: list[VirtualSite] = []
        self._home_cache: dict[str, bytes] = {}
        self._names: dict[str, str] = {}

    def name(self, page: RealPage) -> str:
        if page.site not in self._names:
            self._names[page.site] = site_name(page)
        return self._names[page.site]

    def home(self, site: str) -> bytes:
        """The site's real home page if the corpus has one, else one built from an article's chrome."""
        if site not in self._home_cache:
            homes = [p for p in self.by_site[site] if p.kind == "home"]
            if homes:
                self._home_cache[site] = homes[0].html
            else:
                art = self.by_site[site][0]
                others = [p for p in self.pages if p.kind == "article" and p.site != site][:25]
                items = "".join(
                    f"<li><a href='/story/{i}'>{html.escape(self._headline(p))}</a></li>"
                    for i, p in enumerate(others)
                )
                self._home_cache[site] = with_main_replaced(
                    art,
                    f"<section class='latest'><h2>Latest stories</h2><ul>{items}</ul></section>",
                    self.name(art),
                )
        return self._home_cache[site]

    @staticmethod
    def _headline(page: RealPage) -> str:
        m = re.search(rb"<title[^>]*>(.*?)</title>", page.html, re.I | re.S)
        return html.unescape(m.group(1).decode("utf-8", "replace")).strip()[:120] if m else page.name

    def template(self, page: RealPage, placement: str, path: str) -> bytes:
        title, fragment = NOT_FOUND[page.lang][placement]
        if "{suggestions}" in fragment:
            # "Did you mean": five stories picked from the requested path, so the probe gets other ones.
            arts = [p for p in self.pages if p.kind == "article"]
            rng = random.Random(path)
            fragment = fragment.replace(
                "{suggestions}",
                "".join(
                    f"<li><a href='/s/{i}'>{html.escape(self._headline(p))}</a></li>"
                    for i, p in enumerate(rng.sample(arts, 5))
                ),
            )
        return with_main_replaced(
            page, fragment.replace("{path}", html.escape(path)), title.replace("{site}", self.name(page))
        )

    def listing(self, page: RealPage) -> bytes:
        others = [p for p in self.pages if p.kind == "article"][:15]
        items = "".join(
            f"<li><a href='/a/{i}'>{html.escape(self._headline(p))}</a></li>" for i, p in enumerate(others)
        )
        return with_main_replaced(
            page, f"<section><h2>Indeks Berita</h2><ul>{items}</ul></section>", f"Indeks | {self.name(page)}"
        )

    # -- negatives: every real page, on a site with some behaviour for unknown paths --

    def negatives(self, stress: bool) -> None:
        """Every real page once, on a site whose behaviour for unknown paths rotates; with `stress`, every page
        under every behaviour (five times the real cases)."""
        for i, (site, pages) in enumerate(sorted(self.by_site.items())):
            for k in range(len(NEG_BEHAVIOURS)) if stress else [i]:
                self.negative_site(site, pages, NEG_BEHAVIOURS[k % len(NEG_BEHAVIOURS)])

    def negative_site(self, site: str, pages: list[RealPage], behaviour: str) -> None:
        art = next((p for p in pages if p.kind == "article"), pages[0])
        home = self.home(site)
        # The site's own "not found" template, in one of its placements (the silent one has no message).
        placement = ["title-h1", "p-only", "silent", "404-h2"][len(self.sites) % 4]
        tmpl = self.template(art, placement, "/x") if behaviour == "template200" else b""
        unknown = {
            "hard404": lambda t: Answer(404, b"<html><body><h1>Not Found</h1></body></html>"),
            "template200": lambda t, tmpl=tmpl: Answer(200, tmpl),
            "home200": lambda t, home=home: Answer(200, dynamic(home)),
            "redirect_root": lambda t: Answer(302, b"", [("Location", "/")]),
            "slug_ignoring": lambda t: Answer(404, b"Not Found"),
        }[behaviour]
        vs = VirtualSite(unknown, home)
        vs.slug_ignoring = behaviour == "slug_ignoring"
        self.sites.append(vs)
        self.thin_pages(vs, art, behaviour)
        for j, p in enumerate(pages):
            if p.kind == "home":
                if j % 2:
                    vs.redirects["/"] = "/id/"
                    vs.pages["/id/"] = p.html
                self.cases.append(Case(vs.base + "/", False, f"real-home({behaviour})", p.name))
                continue
            path = local_path(p.url)
            vs.pages[path] = p.html
            self.cases.append(Case(vs.base + path, False, f"real-article({behaviour})", p.name))
            if j % 4 == 0:
                old = urlsplit(path).path.rstrip("/") + "-old-slug"
                vs.redirects[old] = path
                self.cases.append(Case(vs.base + old, False, "real-article(old slug redirect)", p.name))

    def thin_pages(self, vs: VirtualSite, art: RealPage, behaviour: str) -> None:
        """Real pages with almost no text of their own, the kind a portal is made of: a list of agencies'
        links, an organisation chart (one image), a page offering one PDF."""
        agencies = "".join(
            f"<li><a href='https://{d}.example.go.id/'>Dinas {n}</a></li>"
            for d, n in (
                ("disnaker", "Tenaga Kerja"),
                ("dukcapil", "Kependudukan dan Catatan Sipil"),
                ("dinkes", "Kesehatan"),
                ("dindik", "Pendidikan"),
                ("dishub", "Perhubungan"),
                ("dpmptsp", "Penanaman Modal dan PTSP"),
            )
        )
        thin = {
            "/profil/dinas-daerah": ("Dinas Daerah", f"<h1>Dinas Daerah</h1><ul>{agencies}</ul>"),
            "/profil/struktur-organisasi": (
                "Struktur Organisasi",
                "<h1>Struktur Organisasi</h1><img src='/uploads/2023/struktur.png'>",
            ),
            "/dokumen/apbd-2023": (
                "APBD 2023",
                "<h1>APBD 2023</h1><p><a href='/uploads/apbd-2023.pdf'>Unduh (PDF, 2 MB)</a></p>",
            ),
        }
        for path, (title, fragment) in thin.items():
            vs.pages[path] = with_main_replaced(art, fragment, f"{title} | {self.name(art)}")
            self.cases.append(Case(vs.base + path, False, f"thin-real({behaviour})", f"{art.name}{path}"))

    # -- positives: a dead URL on a site that answers it softly --

    def positives(self, per_page: int) -> None:
        cycle = itertools.cycle(POS_VARIANTS)
        for _site, pages in sorted(self.by_site.items()):
            for p in pages:
                if p.kind != "article":
                    continue
                for _ in range(per_page):
                    self.positive(p, next(cycle))

    def positive(self, p: RealPage, variant: str) -> None:
        family, kind = variant.split(":")
        path = local_path(p.url)
        dead = dead_sibling(path)
        home = self.home(p.site)
        if family == "tmpl":
            vs = VirtualSite(lambda t: Answer(200, self.template(p, kind, urlsplit(t).path)), home)
        elif family == "redirect" and kind in ("meta", "js"):
            stub = (
                "<html><head><meta http-equiv='refresh' content='0; url=/'></head><body></body></html>"
                if kind == "meta"
                else "<html><head><script>window.location.href = '/';</script></head><body>Redirecting...</body></html>"
            )
            vs = VirtualSite(lambda t: Answer(200, stub.encode()), home)
        elif family == "redirect":
            parent = urlsplit(path).path.rsplit("/", 2)[0] + "/" if path.count("/") > 1 else "/"
            target = {
                "root": "/",
                "lang": "/en/" if p.lang == "en" else "/id/",
                "404page": "/404.html",
                "login": "/user/login?destination=" + dead,
                "parent": parent,
            }[kind]
            vs = VirtualSite(lambda t: Answer(302, b"", [("Location", target)]), home)
            vs.extra["/en/"] = vs.extra["/id/"] = Answer(200, home)
            vs.extra["/404.html"] = Answer(200, self.template(p, "title-h1", "/404.html"))
            vs.extra["/user/login"] = Answer(
                200,
                page_doc("Log in | " + self.name(p), "<form><input name='u'><input type='password'></form>"),
            )
            vs.extra[parent] = Answer(200, self.listing(p))
        elif family == "parked":
            domain = (urlsplit(p.url).hostname or "example.com").removeprefix("www.")
            title, body = PARKED[kind]
            doc = page_doc(title.replace("{domain}", domain), body.replace("{domain}", domain))
            vs = VirtualSite(lambda t: Answer(200, doc), None)
            vs.extra["/"] = Answer(200, doc)
            dead = path  # the whole domain lapsed: the article's own URL answers the parking page
        elif family == "empty":
            vs = VirtualSite(lambda t: Answer(200, EMPTY[kind]), home)
        else:  # same: any unknown path answers one page of the site
            body = home if kind.startswith("home200") else self.listing(p)
            serve = rotating if kind.endswith("rotating") else dynamic
            vs = VirtualSite(lambda t: Answer(200, serve(body)), home)
        self.sites.append(vs)
        self.cases.append(Case(vs.base + dead, True, variant, p.name))


def dead_sibling(path: str) -> str:
    """A URL beside a real one that names a page the site no longer has (another id, or another slug)."""
    parts = urlsplit(path)
    segs = parts.path.split("/")
    for i in range(len(segs) - 1, 0, -1):
        m = re.search(r"\d{3,}", segs[i])
        if m:
            segs[i] = segs[i][: m.start()] + str(int(m.group(0)) + 7) + segs[i][m.end() :]
            return "/".join(segs)
    last = next((i for i in range(len(segs) - 1, 0, -1) if segs[i]), None)
    if last is None:
        return "/halaman-lama"
    stem, dot, ext = segs[last].rpartition(".")
    segs[last] = f"{stem}-arsip-lama.{ext}" if dot and len(ext) <= 5 else segs[last] + "-arsip-lama"
    return "/".join(segs)


# --- the run ------------------------------------------------------------------------------------------------


def run(cases: list[Case], seed: str) -> tuple[dict, dict, dict, dict[str, float]]:
    timings: dict[str, float] = defaultdict(float)
    with Fetcher(concurrency=16, per_host=4, retries=0, timeout=20, allow_private=True) as fetcher:
        t = time.perf_counter()
        results = fetcher.fetch_all([(c.url, 20.0) for c in cases])
        timings["fetch pages"] = time.perf_counter() - t
        probes_for: dict[str, str] = {}
        for c in cases:
            r = results[c.url]
            if r.status is not None and 200 <= r.status < 300:
                probe = probe_url(c.url, seed=seed)
                if probe is not None:
                    probes_for.setdefault(probe_key(c.url), probe)
        t = time.perf_counter()
        probe_results = fetcher.fetch_all([(u, 20.0) for u in probes_for.values()])
        timings["fetch probes"] = time.perf_counter() - t
    t = time.perf_counter()
    cache: dict[tuple[bytes, str], object] = {}

    def extract_once(r: FetchResult):
        # The same real page is served under several behaviours: extract its bytes once (trafilatura is slow).
        key = (hashlib.sha256(r.body).digest(), r.content_type)
        if key not in cache:
            # --liveness-only: as the runner reads a page only liveness checks cite (no main text, no dates)
            cache[key] = extract_parsed(r, full=False)[0] if LIVENESS_ONLY else extract(r)
        return cache[key]

    markups: dict[str, object] = {}

    def read_once(url: str, r: FetchResult):
        if not LIVENESS_ONLY:
            return extract_once(r)
        # --liveness-only: read as the runner reads a page only liveness checks cite (read_page in a worker:
        # no main text, no dates; the markup features and the page's own signals worked out there).
        reading = read_page(r, needs=READ_FOR_LIVENESS)
        markups[url] = reading.markup
        return reading.document

    docs = {u: read_once(u, r) for u, r in results.items()}
    probe_docs = {
        u: read_once(u, r) for u, r in probe_results.items() if r.status is not None and 200 <= r.status < 300
    }
    timings["extract (cached by body)"] = time.perf_counter() - t
    with_probe, without_probe, margins = {}, {}, {}
    t = time.perf_counter()
    for c in cases:
        r = results[c.url]
        key = probe_key(c.url)
        purl = probes_for.get(key) if probe_url(c.url, seed=seed) else None
        pr = probe_results.get(purl) if purl else None
        with_probe[c.url] = assess(
            r,
            docs[c.url],
            pr,
            probe_docs.get(purl) if purl else None,
            markup=markups.get(c.url),
            probe_markup=markups.get(purl) if purl else None,
        )
    timings["assess (with probe)"] = time.perf_counter() - t
    from civicheck.soft404.page import Page
    from civicheck.soft404.probe import similarity

    for c in cases:
        # Diagnostics only (the package's inner API): how close each page came to "the probe answers the same page".
        r = results[c.url]
        purl = probes_for.get(probe_key(c.url)) if probe_url(c.url, seed=seed) else None
        if purl and purl in probe_docs and r.status and 200 <= r.status < 300:
            margins[c.url] = similarity(Page(r, docs[c.url]), Page(probe_results[purl], probe_docs[purl]))
    for c in cases:
        without_probe[c.url] = assess(results[c.url], docs[c.url], markup=markups.get(c.url))
    stats = {
        "margins": margins,
        "pages": len(cases),
        "2xx": sum(1 for r in results.values() if r.status and 200 <= r.status < 300),
        "probes": len(probes_for),
        "results": results,
    }
    return with_probe, without_probe, stats, timings


def score(cases: list[Case], verdicts: dict) -> dict:
    tp = sum(1 for c in cases if c.soft404 and verdicts[c.url].soft404)
    fp = sum(1 for c in cases if not c.soft404 and verdicts[c.url].soft404)
    fn = sum(1 for c in cases if c.soft404 and not verdicts[c.url].soft404)
    tn = sum(1 for c in cases if not c.soft404 and not verdicts[c.url].soft404)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {"tp": tp, "fp": fp, "fn": fn, "tn": tn, "precision": precision, "recall": recall}


def family_of(signal: str) -> str:
    for needle, fam in (
        ("random sibling", "probe"),
        ("redirected", "redirect"),
        ("sent by", "redirect"),
        ("says", "wording"),
        ("visible text", "empty"),
        ("parked", "parked"),
        ("placeholder", "parked"),
        ("suspended", "parked"),
    ):
        if needle in signal:
            return fam
    return "other"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--limit", type=int, default=0, help="use only the first N pages (0: all)")
    ap.add_argument("--per-page", type=int, default=2, help="soft-404 variants built from each article")
    ap.add_argument("--seed", default="bench")
    ap.add_argument("--stress", action="store_true", help="every real page under every site behaviour")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument(
        "--liveness-only",
        action="store_true",
        help="read pages as for a `live` check: no main text (trafilatura), its long blocks instead",
    )
    args = ap.parse_args()
    global LIVENESS_ONLY
    LIVENESS_ONLY = args.liveness_only
    if not args.corpus.exists():
        print(f"corpus not found at {args.corpus}: nothing to benchmark (skipped)")
        return 0
    random.seed(args.seed)
    pages = load_corpus(args.corpus)
    if args.limit:
        pages = pages[: args.limit]
    t = time.perf_counter()
    b = Builder(pages)
    b.negatives(args.stress)
    b.positives(args.per_page)
    built = time.perf_counter() - t
    cases = b.cases
    neg = sum(1 for c in cases if not c.soft404)
    print(
        f"corpus: {len(pages)} real pages ({sum(p.kind == 'home' for p in pages)} home pages), "
        f"{len(b.by_site)} sites; {len(b.sites)} local servers; built in {built:.1f}s"
    )
    print(f"cases: {neg} real (must stay live), {len(cases) - neg} soft-404 variants")
    with_probe, without_probe, stats, timings = run(cases, args.seed)

    for label, verdicts in (("ensemble with probe", with_probe), ("ensemble without probe", without_probe)):
        s = score(cases, verdicts)
        print(
            f"\n{label}: precision {s['precision']:.1%}  recall {s['recall']:.1%}  "
            f"(tp {s['tp']}, fp {s['fp']}, fn {s['fn']}, tn {s['tn']})"
        )

    print("\nrecall by variant (with probe / without):")
    by_variant: dict[str, list[Case]] = defaultdict(list)
    for c in cases:
        by_variant[c.variant].append(c)
    for variant, cs in sorted(by_variant.items()):
        a = sum(1 for c in cs if with_probe[c.url].soft404)
        w = sum(1 for c in cs if without_probe[c.url].soft404)
        kind = "flagged" if not cs[0].soft404 else "caught"
        print(f"  {variant:34s} {kind} {a:3d}/{len(cs):<3d} / {w:3d}/{len(cs)}")

    fired: Counter = Counter()
    alone: Counter = Counter()
    for c in cases:
        if c.soft404:
            fams = {family_of(s) for s in with_probe[c.url].signals}
            fired.update(fams)
            if len(fams) == 1:
                alone.update(fams)
    print("\nsignal families firing on soft-404 variants (any / the only one):")
    for fam, n in fired.most_common():
        print(f"  {fam:9s} {n:4d} / {alone[fam]:4d}")
    weak_on_real = Counter(family_of(s) for c in cases if not c.soft404 for s in with_probe[c.url].signals)
    print(f"signals recorded (not decisive) on real pages: {dict(weak_on_real)}")
    margins = stats["margins"]
    for truth, label in ((False, "real pages"), (True, "soft-404 variants")):
        vals = [margins.get(c.url, "n/a") for c in cases if c.soft404 == truth]
        guarded = sum(1 for v in vals if v is None)
        sims = sorted(v for v in vals if isinstance(v, float))
        top = ", ".join(f"{v:.3f}" for v in (sims[-5:] if not truth else sims[:5]))
        print(
            f"probe similarity on {label}: {guarded} stopped by the guards (own title, objects or text), "
            f"{len(sims)} compared; "
            f"{'highest' if not truth else 'lowest'}: {top}"
        )
    walls = [c for c in cases if with_probe[c.url].bot_wall]
    print(f"bot walls detected (should be 0): {len(walls)}")

    print(
        f"\nprobe cost: {stats['2xx']} cited URLs answered 2xx; {stats['probes']} probes for "
        f"{stats['probes']} distinct directories (probe keys) = {stats['probes'] / max(stats['2xx'], 1):.2f} extra "
        f"requests per 2xx URL"
    )
    n = len(cases)
    for k, v in timings.items():
        print(f"  {k:22s} {v:6.2f}s  ({v / n * 1000:.1f} ms per case)")

    errors = [(c, with_probe[c.url]) for c in cases if c.soft404 != with_probe[c.url].soft404]
    if errors:
        print(f"\nerrors ({len(errors)}):")
        for c, a in errors[: (None if args.verbose else 40)]:
            r = stats["results"][c.url]
            kind = "FP" if not c.soft404 else "FN"
            print(f"  {kind} {c.variant:30s} {c.page:28s} {r.status} {local_path(c.url)[:60]}")
            for s in a.signals:
                print(f"       - {s}")
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(32) as pool:
        list(pool.map(lambda vs: (vs.server.shutdown(), vs.server.server_close()), b.sites))
    return 0


if __name__ == "__main__":
    sys.exit(main())
