"""Signal family "parked": a parked or expired domain, a parking service's script, a web server's placeholder
page or suspended hosting, on a short page without prose.
"""

from __future__ import annotations

import re

from civicheck.soft404.page import Page, Signal, norm, shortened

_PARKED = [
    re.compile(
        r"\b(?:this|the)\s+domain(?:\s+name)?(?:\s+[\w.-]+)?\s+(?:is|may be|might be|could be)\s+"
        r"(?:for sale|available for (?:sale|purchase))\b"
    ),
    re.compile(r"\bdomain(?:\s+name)?\s+(?:is\s+)?for\s+sale\b"),
    re.compile(r"\bbuy\s+this\s+domain\b"),
    re.compile(
        r"\bdomain\s+parking\b|\bparked\s+(?:free|domain)\b|\bthis\s+(?:web\s*page|domain|site)\s+is\s+parked\b"
    ),
    re.compile(r"\b(?:this\s+)?domain(?:\s+name)?\s+(?:has\s+)?expired\b"),
    re.compile(
        r"\binquire\s+about\s+this\s+domain\b|\bget\s+this\s+domain\b|\bmake\s+an\s+offer\s+on\s+this\s+domain\b"
    ),
    re.compile(r"\bdomain\s+ini\s+(?:sedang\s+|akan\s+)?(?:dijual|untuk\s+dijual)\b"),
    re.compile(r"\bdomain\s+ini\s+(?:telah\s+|sudah\s+)?(?:kedaluwarsa|kadaluarsa|kadaluwarsa|expired)\b"),
    re.compile(r"\bbeli\s+domain\s+ini\b"),
]
_SUSPENDED = [
    re.compile(r"\b(?:this\s+)?account\s+(?:has\s+been\s+)?suspended\b"),
    re.compile(
        r"\b(?:akun|website|situs)\s+(?:ini\s+)?(?:telah\s+|sedang\s+)?(?:di-?suspend|ditangguhkan)\b"
    ),
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


def parked_signals(page: Page) -> list[Signal]:
    doc = page.doc
    assert doc is not None
    title = norm(doc.title or page.html.title)
    # Parked and placeholder pages are short and have at most a sentence of prose; articles about them not.
    short = page.text_len <= 3000 and page.prose_chars < 300
    texts = [title] + [norm(t) for _, t in page.html.headings]
    if short:
        texts.append(norm(" ".join(page.blocks)))
    for text in texts:
        for pattern in _PARKED:
            m = pattern.search(text)
            if m:
                return [Signal("parked", True, f"parked domain: '{m.group(0)}'")]
        for pattern in _SUSPENDED:
            m = pattern.search(text)
            if m and short:
                return [Signal("parked", True, f"hosting suspended: '{m.group(0)}'")]
    if _PLACEHOLDER_TITLES.match(title) and short:
        return [Signal("parked", True, f"a placeholder page: '{shortened(doc.title or page.html.title)}'")]
    sources = " ".join(page.html.script_srcs + page.html.frame_srcs)
    if short:
        sources += " " + " ".join(page.html.hrefs[:50])
    m = _PARKING_SOURCES.search(sources.lower())
    if m:
        return [
            Signal(
                "parked", True, f"parked domain: the page loads a parking service ({m.group(0).rstrip('/')})"
            )
        ]
    return []
