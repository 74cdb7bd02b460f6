"""A page's Reading (Document and soft-404 markup) as compressed JSON, so that a page unchanged since the last
good fetch (a 304, or a 200 with the same digest) is judged without being extracted again; and the searches its
text checks made of it (MatchResults), so that it is not searched again either.

JSON and a fixed list of classes, never pickle: the history database is a file that CI caches and people
share, and loading it must not run code. A reading stored by another civicheck version, or of another shape
(a field added to Document), is a miss: the page is simply read again.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import zlib
from typing import Any

from zlib_ng import zlib_ng  # plain zlib data, written in half zlib's time

from civicheck import __version__


@functools.cache
def _classes() -> dict[str, type]:
    from civicheck.extract.dates import Declared, Publication
    from civicheck.extract.document import Document, Link
    from civicheck.match.results import Hit, MatchResult
    from civicheck.reading import Reading
    from civicheck.soft404.markup import Markup

    # MatchResult and Hit: the searches made of a stored reading (kinds/sources.py search_once), stored beside it.
    classes = (Reading, Document, Link, Publication, Declared, Markup, MatchResult, Hit)
    return {cls.__name__: cls for cls in classes}


@functools.cache  # asked for every object stored: a page has hundreds of links
def _names(cls: type) -> tuple[str, ...]:
    if dataclasses.is_dataclass(cls):
        return tuple(f.name for f in dataclasses.fields(cls))
    return tuple(sorted(vars(cls())))


@functools.cache
def shape() -> str:
    """What a stored reading must match to be used: this civicheck's version and the fields of every class."""
    parts = [__version__] + [f"{name}:{','.join(_names(cls))}" for name, cls in sorted(_classes().items())]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:16]


def dump(reading: Any) -> bytes | None:
    """The reading as zlib-compressed JSON; None when it holds something we do not store (then it is not kept)."""
    try:
        return zlib_ng.compress(json.dumps(_encode(reading), ensure_ascii=False).encode("utf-8"), 6)
    except (TypeError, ValueError):
        return None


def load(blob: bytes) -> Any:
    """The reading back; None for anything that is not one (a damaged row is a miss, never an error)."""
    try:
        return _decode(json.loads(zlib.decompress(blob).decode("utf-8")))
    except (ValueError, TypeError, KeyError, AttributeError, zlib.error):
        return None


# What JSON stores and gives back as it is: a page's blocks and links are thousands of these, not encoded nor
# decoded one call each.
_AS_IS = (str, int, float, bool, type(None))


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
    cls: type = type(value)
    if _classes().get(cls.__name__) is not cls:
        raise TypeError(f"{cls.__name__} is not stored")
    fields = {name: getattr(value, name) for name in _names(cls)}
    return {"o": cls.__name__, "f": {k: v if type(v) in _AS_IS else _encode(v) for k, v in fields.items()}}


def _decode(value: Any) -> Any:
    if isinstance(value, list):
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
    obj = cls()
    for name in _names(cls):  # only the attributes a fresh instance has: nothing else is set from a file
        setattr(obj, name, fields[name])
    return obj
