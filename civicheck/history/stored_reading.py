"""A page's Reading (Document and soft-404 markup) as compressed JSON, so that a page unchanged since the last
good fetch (a 304, or a 200 with the same digest) is judged without being extracted again; and the searches its
text checks made of it (MatchResults), so that it is not searched again either.

JSON and a fixed list of classes, never pickle: the history database is a file that CI caches and people
share, and loading it must not run code. A reading stored by another civicheck version, or of another shape
(a field added to Document, another layout of what is stored), is a miss: the page is simply read again.

The markup's lists that only a comparison with a soft-404 probe reads (or content signals worked out when the
page is assessed) are stored after the rest and decoded on first use (StoredMarkup): a night of `live` and
`contains` checks over unchanged pages decodes what those checks read, and no more.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import threading
from typing import Any, cast

from zlib_ng import zlib_ng  # plain zlib data, written in half zlib's time and read in half its time

from civicheck import __version__
from civicheck.logs import get_logger
from civicheck.soft404.markup import Markup

logger = get_logger(__name__)

# How a reading is laid out in its blob (below): part of shape(), so that a row of another layout, such as one
# stored before the markup's lists were put apart, is a miss (the page is read again) and never misread.
_LAYOUT = "2: markup lists later"
# The Markup attributes stored after the rest of a reading (a Markup is only ever stored as a Reading's), decoded
# when first asked for: what a comparison with a soft-404 probe that answered a page (headings, hrefs,
# objects...) and content signals worked out late read; not what a 304's `live` or `contains` check reads of a
# page whose content signals were worked out when it was read (read_markup), as every HTML page's are.
LATER = ("borrowed", "frame_srcs", "headings", "hrefs", "objects", "script_srcs")
# Between the two parts of a blob: JSON as json.dumps writes it has no line break (one in a string is "\n").
_THEN = b"\n"
# What a blob that is not a stored value raises as it is read (zlib_ng's stub calls its error an instance).
_DAMAGED = (ValueError, TypeError, KeyError, AttributeError, cast(type[Exception], zlib_ng.error))


@functools.cache
def _classes() -> dict[str, type]:
    from civicheck.extract.dates import Declared, Publication
    from civicheck.extract.document import Document, Link
    from civicheck.match.results import Hit, MatchResult
    from civicheck.reading import Reading

    # MatchResult and Hit: the searches made of a stored reading (kinds/sources.py search_once), stored beside it.
    classes = (Reading, Document, Link, Publication, Declared, Markup, MatchResult, Hit)
    return {cls.__name__: cls for cls in classes}


@functools.cache  # asked for every object stored: a page has hundreds of links
def _names(cls: type) -> tuple[str, ...]:
    if dataclasses.is_dataclass(cls):
        return tuple(f.name for f in dataclasses.fields(cls))
    return tuple(sorted(vars(cls())))


@functools.cache
def _stored_now(cls: type) -> tuple[str, ...]:
    """The attributes of `cls` stored in the first part of a blob: all but a Markup's LATER ones."""
    return tuple(n for n in _names(cls) if cls is not Markup or n not in LATER)


@functools.cache
def shape() -> str:
    """What a stored reading must match to be used: this civicheck's version, the fields of every class, and
    the layout of the blob."""
    parts = [__version__, _LAYOUT]
    parts += [f"{name}:{','.join(_names(cls))}" for name, cls in sorted(_classes().items())]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]


def dump(value: Any) -> bytes | None:
    """The value (a Reading, or the searches made of one) as zlib-compressed JSON, a reading's markup LATER
    lists after the rest; None when it holds something we do not store (then it is not kept)."""
    try:
        text = json.dumps(_encode(value), ensure_ascii=False).encode("utf-8")
        markup = getattr(value, "markup", None)
        if isinstance(markup, Markup):
            later = {name: _encode(getattr(markup, name)) for name in LATER}
            text += _THEN + json.dumps(later, ensure_ascii=False).encode("utf-8")
        return zlib_ng.compress(text, 6)
    except (TypeError, ValueError):
        return None


def load(blob: bytes) -> Any:
    """The value back; None for anything that is not one (a damaged row is a miss, never an error: the whole
    blob is decompressed, so its checksum tells a damaged one, but only the first part is decoded now)."""
    try:
        first, _, later = zlib_ng.decompress(blob).partition(_THEN)
        value = _decode(json.loads(first.decode("utf-8")))
    except _DAMAGED:
        return None
    markup = getattr(value, "markup", None)
    if isinstance(markup, StoredMarkup):
        if not later:
            return None  # a reading of the layout before (its markup whole, in one part): a miss
        markup.__dict__["_later"] = later
    return value


_DECODING = threading.Lock()  # a StoredMarkup's LATER lists are decoded under it, once


class StoredMarkup(Markup):
    """A Markup read back from the history, whose LATER lists are decoded when one is first asked for."""

    def __getattr__(self, name: str) -> Any:  # only for an attribute not set yet: a LATER one, once
        if name not in LATER:
            raise AttributeError(name)
        with _DECODING:  # two threads asking at once: one decodes, the other finds them set
            if name not in self.__dict__:
                self.__dict__.update(_later(self.__dict__.pop("_later", b"")))
        return self.__dict__[name]

    def __getstate__(self) -> dict[str, Any]:
        # Sent to another process (a worker) whole: what was not decoded yet is decoded first.
        for name in LATER:
            getattr(self, name)
        return dict(self.__dict__)


def _later(text: bytes) -> dict[str, Any]:
    """A stored markup's LATER lists. The blob's checksum held, so only a row written to deceive gets here
    with something else: its lists are then those of a page without any (an error would cost the run)."""
    try:
        found = json.loads(text.decode("utf-8"))
        if isinstance(found, dict) and set(found) == set(LATER):
            return {name: _decode(found[name]) for name in LATER}
    except (ValueError, TypeError, KeyError, AttributeError):
        pass
    logger.warning("a stored page reading is damaged: its markup's lists are left empty")
    fresh = vars(Markup())
    return {name: fresh[name] for name in LATER}


# What JSON stores and gives back as it is: a page's blocks and links are thousands of these, not encoded nor
# decoded one call each.
_AS_IS = (str, int, float, bool, type(None))
_PLAIN = frozenset(_AS_IS)


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, list):
        return [v if type(v) in _AS_IS else _encode(v) for v in value]
    if isinstance(value, tuple):
        return {"t": [v if type(v) in _AS_IS else _encode(v) for v in value]}
    if isinstance(value, (set, frozenset)):
        return {"s": [_encode(v) for v in value]}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("only text keys are stored")
        return {"d": {k: v if type(v) in _AS_IS else _encode(v) for k, v in value.items()}}
    cls: type = Markup if type(value) is StoredMarkup else type(value)
    if _classes().get(cls.__name__) is not cls:
        raise TypeError(f"{cls.__name__} is not stored")
    fields = {name: getattr(value, name) for name in _stored_now(cls)}
    return {"o": cls.__name__, "f": {k: v if type(v) in _AS_IS else _encode(v) for k, v in fields.items()}}


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        if _PLAIN.issuperset(map(type, value)):  # a page's text blocks: all strings, checked in C
            return value
        return [v if type(v) in _AS_IS else _decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "t" in value:
        return tuple(v if type(v) in _AS_IS else _decode(v) for v in value["t"])
    if "s" in value:
        return {_decode(v) for v in value["s"]}
    if "d" in value:
        return {k: v if type(v) in _AS_IS else _decode(v) for k, v in value["d"].items()}
    cls = _classes()[value["o"]]
    fields = {k: v if type(v) in _AS_IS else _decode(v) for k, v in value["f"].items()}
    if dataclasses.is_dataclass(cls):
        return cls(**fields)
    # A Markup, the one class stored that is not a dataclass: only the attributes a fresh instance has are set
    # from a file, the LATER ones once asked for.
    markup = StoredMarkup.__new__(StoredMarkup)
    markup.__dict__.update((name, fields[name]) for name in _stored_now(Markup))
    return markup
