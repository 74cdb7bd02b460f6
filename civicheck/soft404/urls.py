"""URL shapes the signals judge by: a site's root (or its language or index root), a login page, an error
page, the same site, the same page.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from civicheck.extract import site_of

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


def is_root_path(path: str) -> bool:
    return bool(_ROOT_PATH.match(path or "/"))


def is_root_url(url: str) -> bool:
    """The home page of a site: a root-like path whose query (if any) does not name a page."""
    parts = urlsplit(url)
    if not is_root_path(parts.path):
        return False
    return all(_TRIVIAL_QUERY.match(k) for k, _ in parse_qsl(parts.query, keep_blank_values=True))


def is_login_url(url: str) -> bool:
    parts = urlsplit(url)
    return bool(_LOGIN_PATH.search(parts.path) or _LOGIN_HOST.match(parts.hostname or ""))


def is_error_url(url: str) -> bool:
    parts = urlsplit(url)
    return bool(_ERROR_PATH.search(parts.path)) or any(
        k.lower() in ("error", "err", "notfound", "404") or v.strip() == "404"
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    )


def same_site(a: str, b: str) -> bool:
    """Same host give or take www., or one a subdomain of the other (disnaker.kota.go.id and kota.go.id)."""
    x, y = site_of(a), site_of(b)
    return x == y or x.endswith("." + y) or y.endswith("." + x)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def same_url(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (site_of(a), pa.path.rstrip("/") or "/", pa.query) == (
        site_of(b),
        pb.path.rstrip("/") or "/",
        pb.query,
    )
