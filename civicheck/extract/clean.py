"""Untrusted text made fit to match and to show: mojibake repaired (ftfy), terminal escape sequences and stray
control characters removed, split into the lines (blocks) a Document holds.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from civicheck.escape import ESCAPE_SEQUENCE  # page text loses them at extraction already
from civicheck.extract.document import Document

# ftfy's encoding repairs only ("â€\x9d" -> "”", "Ã©" -> "é", text encoded twice, cp1252 read as latin-1);
# every fix that would change correct text (curly quotes made straight, ligatures, widths, NFC, HTML entities)
# is off: the page's own wording is the evidence, and match.py folds quotes and widths for matching anyway.
# Controls and terminal escapes are left for ESCAPE_SEQUENCE, so they are removed as whole sequences.
_FTFY_OPTIONS: dict[str, Any] = dict(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)
MOJIBAKE_NOTE = "the page's text was repaired from garbled encoding (mojibake)"


# The "”" of UTF-8 read as windows-1252 is "â€" and a byte (0x9D) that windows-1252 leaves undefined, so many
# systems drop it: "â€ kata" is left, which ftfy cannot repair, or reads as the dagger "†" (taking the space
# for a lost no-break space). "â€" followed by no character a windows-1252 byte 0x80-0xBF reads as has lost
# its last byte, and it was 0x9D: the other undefined bytes make characters pages hardly use (U+2001,
# U+200D, U+200F, U+2010). It is put back before ftfy repairs the text.
_LOST_9D = re.compile(
    "\u00e2\u20ac(?![\u0080-\u00bf\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030"
    "\u0160\u2039\u0152\u017d\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122"
    "\u0161\u203a\u0153\u017e\u0178])"
)


def repair(text: str) -> str:
    """Text with its mojibake repaired (see _FTFY_OPTIONS); correct text comes back unchanged."""
    if text.isascii():  # mojibake is made of non-ASCII characters: most text is let through at C speed
        return text
    text = _LOST_9D.sub("\u00e2\u20ac\x9d", text)

    found = _GARBLING.search(text)
    if found is None:
        return text  # every character is one no mojibake pattern of ftfy's is made of alone (HARMLESS)
    # ftfy repairs line by line; handing it only the lines that are not ASCII does the same four times faster.
    # Those lines are found from the characters that make them so, not by a search of every line (a page
    # has hundreds, and a few such lines).
    parts, done = [], 0  # the text up to `done` is in parts
    while found is not None:
        start = text.rfind("\n", 0, found.start()) + 1
        end = text.find("\n", found.end())
        end = len(text) if end < 0 else end
        line = text[start:end]
        parts += [text[done:start], _short_line(line) if len(line) <= 200 else _repaired_line(line)]
        done = end
        found = _GARBLING.search(text, end)
    parts.append(text[done:])
    return "".join(parts)


# Characters correct text is full of that no pattern of ftfy's badness test is made of alone, ASCII aside:
# typographic quotes, dashes and spaces, and the Cyrillic letters but В, Г, Р and С (which its windows-1251
# patterns start with). A text made only of these is never repaired, so it is not handed to ftfy at all
# (tests/test_extract.py proves the claim against the installed ftfy's pattern, branch by branch).
HARMLESS = (
    "\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u2022\u00a0\u00a9\u00ae\u00b0\u00b7\u00ab\u00bb\u2033\u2032"
    "\u2122\u2192\u2011\u2010\u200b\u2009\u202f\u2002\u2003"
    "\u0430-\u044f\u0410\u0411\u0414-\u041f\u0422-\u042f"
)
_GARBLING = re.compile(f"[^\x00-\x7f{HARMLESS}]")


def _repaired_line(line: str) -> str:
    import ftfy
    from ftfy.badness import is_bad

    # ftfy's encoding repair starts only on text its badness pattern matches (which also matches the C1
    # controls it would replace), and the one other repair left on is of lone surrogates: a line with neither
    # comes back unchanged. Asked first, that search spares the whole fix_text machinery on almost every line
    # (it was a tenth of a page's reading).
    if not is_bad(line) and _SURROGATE.search(line) is None:
        return line
    return ftfy.fix_text(line, _ftfy_config())


_SURROGATE = re.compile("[\ud800-\udfff]")


# Short lines are remembered: a site's menus and link texts come back on each of its pages.
_short_line = functools.lru_cache(maxsize=20_000)(_repaired_line)


@functools.cache
def _ftfy_config():
    import ftfy

    return ftfy.TextFixerConfig(**_FTFY_OPTIONS)


def clean_text(text: str, doc: Document | None) -> str:
    """Untrusted text as matching and evidence see it: mojibake repaired (noted on the document, when one is
    given), then escape sequences and stray C1 controls removed (after the repair, which turns "â€\x9d" into
    "”")."""
    fixed = repair(text)
    if fixed != text and doc is not None:
        doc.repaired = True
    return ESCAPE_SEQUENCE.sub("", fixed) if ESCAPE_START.search(fixed) else fixed


# The characters every match of ESCAPE_SEQUENCE starts with (ESC, and the C1 controls, 8-bit introducers among
# them): text without one, almost every page's, is let through after a search for them, a fifth of the cost
# of ESCAPE_SEQUENCE's own scan (0.06 against 0.28 ms a page).
ESCAPE_START = re.compile(r"[\x1b\x80-\x9f]")


def lines_of(text: str, doc: Document | None = None) -> list[str]:
    text = clean_text(text, doc)
    return [stripped for line in text.splitlines() if (stripped := line.strip())]
