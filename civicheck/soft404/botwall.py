"""Bot walls: the challenge or block page of a bot or DDoS protection service standing in front of the site
(Cloudflare, DDoS-Guard, Sucuri, Imperva, Akamai, DataDome, captchas...). A page behind one says nothing about
the site: its checks are unknown, never a soft 404.
"""

from __future__ import annotations

import re

from civicheck.extract import Document
from civicheck.fetch import FetchResult
from civicheck.fetch.models import BOT_BLOCK_STATUSES
from civicheck.soft404.markup import Markup, RawBody
from civicheck.soft404.page import norm


def detect_bot_wall(
    result: FetchResult, document: Document | None, markup: Markup | None = None
) -> str | None:
    """ "blocked by a bot wall (<vendor and marker>)" when the answer is a challenge or block page of a bot
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
        found = bot_wall_marker(result, norm(title), RawBody(result), status, document)
    return f"blocked by a bot wall ({found})" if found else None


_CHALLENGE_STATUS = {401, 403, 405, 406, 409, 429, 503}
# The alternatives of one regular expression of captcha markers, each with a text it cannot match without.
_CAPTCHA = (
    (r"hcaptcha\.com", "hcaptcha.com"),
    (r"class=[\"'][^\"']*\bh-captcha\b", "h-captcha"),
    (r"google\.com/recaptcha", "google.com/recaptcha"),
    (r"recaptcha/api\.js", "recaptcha/api.js"),
    (r"class=[\"'][^\"']*\bg-recaptcha\b", "g-recaptcha"),
    (r"challenges\.cloudflare\.com/turnstile", "challenges.cloudflare.com/turnstile"),
    (r"class=[\"'][^\"']*\bcf-turnstile\b", "cf-turnstile"),
)
_HUMAN_WORDING = re.compile(
    r"checking (?:your|if the site connection is secure|the site connection)|verify(?:ing)? (?:that )?you are "
    r"(?:a )?human|verify you are not a (?:robot|bot)|are you a (?:robot|human)|not a robot|security check|"
    r"bot (?:verification|check)|please complete the (?:security check|captcha)|human verification|"
    r"access to this page has been denied|enable javascript and cookies to continue|"
    r"pastikan anda bukan robot|verifikasi (?:bahwa )?anda (?:adalah )?manusia"
)


def bot_wall_marker(
    result: FetchResult, title: str, raw: RawBody, status: int, document: Document | None
) -> str | None:
    """`raw`: the body's start in lower case; `marker in raw` for the markers, raw.text for the rest."""
    blocked = status in _CHALLENGE_STATUS

    def header(name: str) -> str:
        return (result.header(name) or "").lower()

    server = header("server")
    # A status only bot blocks answer (LinkedIn's 999): no page to read, the status says it.
    if status in BOT_BLOCK_STATUSES:
        return BOT_BLOCK_STATUSES[status]
    # Header verdicts of the protection service itself: unambiguous at any status.
    if header("cf-mitigated") == "challenge":
        return "Cloudflare challenge, cf-mitigated: challenge"
    if header("x-vercel-mitigated") == "challenge":
        return "Vercel challenge, x-vercel-mitigated: challenge"
    if header("x-amzn-waf-action") in ("challenge", "captcha"):
        return f"AWS WAF {header('x-amzn-waf-action')}"

    # Each test of `raw` scans up to 300,000 characters, and most pages are no wall: the cheap tests of a
    # conjunction (status, title, size) come first, and a scan is made only where its answer can decide.
    def cf_challenge() -> bool:
        return any(m in raw for m in ("_cf_chl_opt", "cf-chl-", "cf_chl_", "/cdn-cgi/challenge-platform/h/"))

    if title.startswith(
        ("just a moment", "un momento", "einen moment", "un instant", "tunggu sebentar")
    ) and (cf_challenge() or "cloudflare" in server or "challenge-platform" in raw):
        return "Cloudflare 'Just a moment...'"
    if title.startswith("attention required") and "cloudflare" in title + server + raw.text[:20_000]:
        return "Cloudflare 'Attention Required!'"
    if blocked and cf_challenge():
        return "Cloudflare challenge"
    if (
        status in (403, 429)
        and ("cf-error-details" in raw or "cloudflare ray id" in raw)
        and re.search(
            r"sorry, you have been blocked|access denied|you are being rate limited|has banned you|"
            r"error 10(?:06|07|08|10|12|15|20)",
            raw.text,
        )
    ):
        return "Cloudflare block page"
    if (
        ("ddos-guard" in server and blocked)
        or "ddos-guard" in title
        or ("ddos-guard" in raw and re.search(r"checking your browser|check\.ddos-guard", raw.text))
    ):
        return "DDoS-Guard"
    if (
        "sucuri_cloudproxy_js" in raw
        or "sucuri website firewall" in title
        or (
            blocked
            and (
                "sucuri website firewall" in raw
                or "sucuri" in server
                or result.header("x-sucuri-block")
                or result.header("x-sucuri-id")
            )
        )
    ):
        return "Sucuri Website Firewall"
    if (
        "incapsula" in raw and re.search(r"incapsula incident id|request unsuccessful\. incapsula", raw.text)
    ) or (blocked and ("_incapsula_resource" in raw or result.header("x-iinfo") is not None)):
        return "Imperva/Incapsula 'Request unsuccessful'"
    if (
        status == 403
        and (title == "access denied" or "akamaighost" in server)
        and re.search(
            r"you don't have permission to access|reference\s*#\s*\d+\.|errors\.edgesuite\.net", raw.text
        )
    ):
        ref = re.search(r"reference\s*#\s*([0-9a-f.]+)", raw.text)
        return "Akamai 'Access Denied'" + (f", reference #{ref.group(1).rstrip('.')}" if ref else "")

    def small() -> bool:  # block pages are a few kilobytes; a long page quoting one is not one
        return len(raw.text) < 10_000

    if "the requested url was rejected. please consult with your administrator" in raw and small():
        return "F5 BIG-IP 'The requested URL was rejected'"
    if ("captcha-delivery.com" in raw and (blocked or small())) or (
        blocked and (result.header("x-datadome") or "datadome" in server)
    ):
        return "DataDome"
    if (blocked or "press & hold" in raw) and (
        "_pxappid" in raw or "px-captcha" in raw or "perimeterx" in raw
    ):
        return "PerimeterX 'Press & Hold'"
    if "anubis" in raw and ("making sure you're not a bot" in title or "anubis_version" in raw):
        return "Anubis proof-of-work"
    if blocked and ("generated by wordfence" in raw or "your access to this site has been limited" in raw):
        return "Wordfence"
    if status in (403, 406) and "mod_security" in raw:
        return "ModSecurity"
    # Every _CAPTCHA alternative holds "captcha" or "turnstile": a substring test first spares the regular
    # expression's scan of each class attribute of a long page. Where one is there, the expression is made of
    # the alternatives whose text the page has (the others cannot match, so the first match is the same): the
    # whole of it took 2 ms on a page with a reCAPTCHA script, trying every alternative at every character.
    captcha = None
    if "captcha" in raw or "turnstile" in raw:
        present = [pattern for pattern, needed in _CAPTCHA if needed in raw]
        captcha = re.search("|".join(present), raw.text) if present else None
    if captcha:
        vendor = (
            "hCaptcha"
            if "hcaptcha" in captcha.group(0) or "h-captcha" in captcha.group(0)
            else ("Cloudflare Turnstile" if "turnstile" in captcha.group(0) else "reCAPTCHA")
        )
        text_len = sum(len(b) for b in document.page_blocks) if document is not None else len(raw.text)
        # A captcha on a 2xx page is usually a contact form: only a short page that asks for proof of
        # humanity is a wall.
        if blocked or (text_len < 600 and _HUMAN_WORDING.search(title + " " + raw.text)):
            return f"{vendor} form"
    if blocked and _HUMAN_WORDING.search(title):
        return f"challenge page '{title[:60]}'"
    return None
