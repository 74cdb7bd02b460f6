"""Host names as a reader must see them: an internationalised one in both its Unicode and punycode forms,
and a label that mixes scripts (a Cyrillic "с" in "сilegon") flagged as the homograph it almost always is.
"""

from __future__ import annotations

import functools
import unicodedata
from collections import Counter
from urllib.parse import urlsplit

# Scripts that do not decide a label's script: digits, '-', combining marks (Unicode's Common and Inherited).
_NEUTRAL = {"COMMON", "INHERITED"}
# Mixes that are one writing system (UTS #39 "highly restrictive"): Japanese, Chinese and Korean names.
_ONE_WRITING_SYSTEM = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)


def host_forms(host: str) -> tuple[str, str] | None:
    """(Unicode form, punycode form) of an internationalised host name; None for a plain ASCII one or one
    that cannot be converted (it is then shown as written)."""
    import idna

    if host.isascii() and "xn--" not in host.lower():
        return None
    try:
        if host.isascii():
            return idna.decode(host), host.lower()
        # UTS 46, as requests encodes the host it connects to.
        return host, idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        pass
    try:  # IDNA 2003 (Python's own codec) accepts some names IDNA 2008 refuses
        if host.isascii():
            return host.encode("ascii").decode("idna"), host.lower()
        return host, host.encode("idna").decode("ascii")
    except UnicodeError:
        return None


def shown_url(url: str) -> str:
    """The URL with its host's other form beside it when the host is internationalised:
    'https://www.сilegon.go.id/ (punycode: www.xn--ilegon-hrf.go.id)', so a reader can tell a look-alike
    from the real site."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return url
    forms = host_forms(host) if host else None
    if forms is None:
        return url
    unicode, ascii_ = forms
    return f"{url} (punycode: {ascii_})" if host == unicode else f"{url} (Unicode: {unicode})"


# A run's claims cite a few hosts many times over (a news site's articles, an agency's pages): each is
# looked at once.
@functools.lru_cache(maxsize=4096)
def mixed_script_problem(host: str) -> str | None:
    """Why `host` looks like a homograph (a label mixing scripts, in its Unicode or punycode form), or None."""
    forms = host_forms(host)
    if forms is None and host.isascii():
        return None  # ASCII, no punycode: Latin letters, digits, '-' (the script table is not loaded for it)
    from confusable_homoglyphs.categories import alias

    unicode = forms[0] if forms else host
    for label in unicode.split("."):
        scripts = Counter(alias(ch) for ch in label)
        letters = {s: n for s, n in scripts.items() if s not in _NEUTRAL}
        if len(letters) < 2 or any(set(letters) <= mix for mix in _ONE_WRITING_SYSTEM):
            continue
        main = max(letters, key=lambda s: letters[s])
        odd = [ch for ch in dict.fromkeys(label) if alias(ch) in letters and alias(ch) != main]
        named = ", ".join(f"'{ch}' {unicodedata.name(ch, f'U+{ord(ch):04X}').lower()}" for ch in odd[:3])
        spelled = (
            "" if not forms else f" (punycode {forms[1]})" if host == unicode else f" (Unicode {unicode})"
        )
        return (
            f"the host {host}{spelled} mixes {' and '.join(sorted(s.title() for s in letters))} letters in "
            f"'{label}' ({named}): a look-alike of another name (a homograph), not a real site's name; "
            "type the address again by hand"
        )
    return None
