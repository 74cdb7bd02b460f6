"""Untrusted text made safe for where it goes: one terminal line, an error message, a markdown cell, a CSV cell.

Everything from a fetched page, a claims file or an archive passes here before it reaches a reader: no page can
move the cursor, hide or reorder text, add a column, a link, HTML or a spreadsheet formula. Imports nothing
else of civicheck, so any module may use it.
"""

from __future__ import annotations

import re
from typing import Any

# ANSI/VT escape sequences (CSI, OSC, DCS/PM/APC/SOS strings, two-character escapes), 7-bit and 8-bit forms.
# Removed whole from page text at extraction, so neither matching nor evidence sees their printable remains
# ("]8;;" of an OSC link); clean() removes them again from everything printed. A string sequence counts
# only when it is complete (its terminator present, nothing but printable text inside, ASCII for the 8-bit
# forms): the 8-bit introducers are what mojibake is made of (the "”" of a page decoded twice reads
# "â€\x9d"), and reading one as the start of a string once erased the rest of the page. A C1 character left
# over is dropped by itself.
ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI ... final byte
    r"|\x1b[\]PX^_][^\x00-\x1f\x7f-\x9f]*(?:\x07|\x1b\\|\x9c)"  # OSC/DCS/SOS/PM/APC ... terminator
    r"|[\x90\x98\x9d\x9e\x9f][ -~]*(?:\x07|\x1b\\|\x9c)"  # the same introduced by one 8-bit character
    r"|\x1b[@-Z\\-_]?"  # other two-byte escapes, or a lone ESC
    r"|[\x80-\x9f]",  # a lone C1 control character
)

# Control characters, and the invisible bidi/format marks that can reorder or hide text on screen.
INVISIBLE = "\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"
# Lone surrogates too: not characters at all, they cannot even be written out as UTF-8.
_CONTROL = re.compile(rf"[\x00-\x08\x0b-\x1f\x7f-\x9f{INVISIBLE}\ud800-\udfff]")
_UNPRINTABLE = re.compile(rf"[\x00-\x1f\x7f-\x9f{INVISIBLE}\ud800-\udfff]")
_WHITESPACE = re.compile(r"\s+")


def clean(text: Any) -> str:
    """Untrusted text made safe for one line of a terminal: no escape sequences, controls or line breaks."""
    if text is None:
        return ""
    text = ESCAPE_SEQUENCE.sub("", str(text))
    text = _CONTROL.sub("", text.replace("\t", " "))
    return _WHITESPACE.sub(" ", text).strip()


def visible(text: Any) -> str:
    """Text for one line of an error message: every control, escape, line break and invisible character
    written out (\\x1b, \\n, \\u202e) rather than acted on or dropped, so a reporter can find the odd character
    in their file (clean() would show a key "ti\\x1b[2Jtle" as the valid-looking "title")."""
    return _UNPRINTABLE.sub(
        lambda m: m[0].encode("unicode_escape", "backslashreplace").decode("ascii"), str(text)
    )


def clean_lines(text: str) -> str:
    """Each line cleaned, keeping its leading indentation (which groups a detail under its item)."""
    return "".join(
        " " * (len(line) - len(line.lstrip(" "))) + clean(line) + "\n" for line in text.splitlines()
    )


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#!~>])")
# "@name" (or "@org/team") where GitHub would notify that person or team: not after a letter or digit, as in
# an e-mail address. A zero-width space after the @ (as Renovate writes them) stops it and reads the same.
_MENTION = re.compile(r"(?<![A-Za-z0-9_])@(?=[A-Za-z0-9])")


def md(text: Any) -> str:
    """Untrusted text made literal inside a markdown table cell: no links, HTML, code, emphasis, columns or
    @mentions (a report posted to an issue must not notify whoever a page or claim names)."""
    text = clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MENTION.sub("@&#8203;", _MD_SPECIAL.sub(r"\\\1", text))


def csv_cell(value: Any) -> Any:
    if value is None or isinstance(value, (int, float)):
        return value
    text = clean(value)
    # A cell starting with = + - @ is a formula to a spreadsheet: keep page text inert.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


# Characters json.dumps leaves raw with ensure_ascii=False but a terminal would act on (C1 controls, bidi marks),
# and lone surrogates (from a "\ud800" in a merged report), which no UTF-8 output could hold.
JSON_UNSAFE = re.compile(rf"[\x7f-\x9f{INVISIBLE}\ud800-\udfff]")
# Inside <script type="application/ld+json"> a literal "</script>" or "<!--" from a claim or a page would end
# the script early; \u escapes mean the same to a JSON parser and nothing to an HTML one.
SCRIPT_UNSAFE = re.compile(rf"[<>&\x7f-\x9f{INVISIBLE}\ud800-\udfff]")


def json_text(text: str, unsafe: re.Pattern[str] = JSON_UNSAFE) -> str:
    """JSON text (as json.dumps wrote it) with every `unsafe` character written as a \\u escape instead. They
    can only occur inside JSON strings, where the escape means the same thing to a parser."""
    return unsafe.sub(lambda m: f"\\u{ord(m[0]):04x}", text)
