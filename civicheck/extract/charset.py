"""A fetched body as text: its byte order mark, then the charset the server declares, then the page's own
declaration, then detection (charset_normalizer). Used by extraction, the only reader of text.
"""

from __future__ import annotations

import codecs
import re

from civicheck.fetch import FetchResult

_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)""", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# Browsers read all of these as windows-1252, and that is how the pages were written.
_LATIN_FAMILY = frozenset({"ascii", "iso8859-1", "cp1252"})
_PRESCAN_BYTES = 16 * 1024
_DETECT_BYTES = 256 * 1024


def decode_text(result: FetchResult) -> str:
    """The body as text: BOM, then the HTTP charset, then the page's own declaration, then detection;
    a latin-1/cp1252 declaration over UTF-8 bytes (common on old Indonesian sites) is read as UTF-8.
    Never raises."""
    body = result.body
    if not body:
        return ""
    try:
        return _decode(body, result.header("content-type") or "")
    except Exception:  # undecodable input must still give text, never a crash
        return body.decode("utf-8", "replace")


def _decode(body: bytes, content_type: str) -> str:
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(encoding, "replace")
    declared = _codec_name(_first_group(_HEADER_CHARSET, content_type))
    if declared is None:
        declared = _codec_name(_page_declaration(body[:_PRESCAN_BYTES]))
        if declared is not None and declared.startswith("utf-16"):
            declared = "utf-8"  # a page readable enough to declare utf-16 in ASCII is not utf-16
    if declared in _LATIN_FAMILY:
        if not body.isascii() and _is_utf8(body):
            return body.decode("utf-8", "replace")
        return body.decode("cp1252", "replace")
    if declared is not None and declared != "utf-8":
        try:
            return body.decode(declared)
        except UnicodeDecodeError:
            guess = _detect(body)
            return body.decode(guess or declared, "replace")
    return _decode_unsure_utf8(body)


def _decode_unsure_utf8(body: bytes) -> str:
    """Declared UTF-8 or nothing: UTF-8 if the bytes are (mostly) UTF-8, else detection, else cp1252."""
    if _is_utf8(body):
        return body.decode("utf-8", "replace")
    text = body.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", "ignore")) - bad
    if good > 4 * bad:  # a UTF-8 page with a few broken bytes, not another charset
        return text
    guess = _detect(body)
    return body.decode(guess or "cp1252", "replace")


def _is_utf8(body: bytes) -> bool:
    """Valid UTF-8, allowing the last character to be cut off by the size cap."""
    try:
        body.decode("utf-8")
        return True
    except UnicodeDecodeError as exc:
        return exc.reason == "unexpected end of data" and exc.start >= len(body) - 3


def _detect(body: bytes) -> str | None:
    import charset_normalizer

    matches = charset_normalizer.from_bytes(body[:_DETECT_BYTES])
    best = matches.best()
    if best is None:
        return None
    # On short Latin-script text the detector ties windows-1252 with Baltic or Mac code pages (and may
    # rank one of those first); undeclared Indonesian pages are windows-1252 far more often.
    for match in matches:
        if "cp1252" in match.could_be_from_charset and match.chaos <= best.chaos + 0.1:
            return "cp1252"
    return _codec_name(best.encoding)


def _page_declaration(head: bytes) -> str | None:
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii", "replace") if match else None


def _first_group(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group(1) if match else None


def _codec_name(label: str | None) -> str | None:
    if not label:
        return None
    try:
        return codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
