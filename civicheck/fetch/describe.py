"""How a fetch is put in words: sizes ("1.5 MB"), seconds ("2.5"), HTTP status phrases ("Not Found")."""

from __future__ import annotations

from http import HTTPStatus


def phrase(status: int) -> str:
    """The standard reason phrase of an HTTP status ("Not Found"); "" for a status without one."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def secs(seconds: float) -> str:
    return f"{seconds:g}"


def size(n: int) -> str:
    """A byte count as a reader says it: "25 MB", "1.5 kB", "900 bytes"."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f}".rstrip("0").rstrip(".") + f" {unit}"
    return f"{n} bytes"
