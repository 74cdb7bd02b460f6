"""A response body read off the wire within a byte cap, its Content-Encoding (gzip, deflate, in any chain)
removed by us within the same cap: a compression bomb stops one byte past the room it is given.
"""

from __future__ import annotations

import io
import time
import zlib
from dataclasses import dataclass
from typing import Any

import requests

from civicheck.fetch.attempts import Run
from civicheck.fetch.describe import size
from civicheck.fetch.failures import TRANSPORT_ERRORS

ENCODINGS_WE_DECODE = ("gzip", "deflate")
_CHUNK = 64 * 1024


class _TooLarge(Exception):
    pass


class _Undecodable(Exception):
    pass


class _Inflater:
    """Removes one gzip/deflate layer without ever holding more output than the room it is given."""

    def __init__(self, coding: str):
        self._coding = coding
        self._head = b""
        # MAX_WBITS|32 accepts a gzip or a zlib header: servers mislabel one as the other.
        self._d: Any = None if coding == "deflate" else zlib.decompressobj(zlib.MAX_WBITS | 32)

    def feed(self, data: bytes, room: int) -> bytes:
        if self._d is None:
            # "deflate" should be zlib-wrapped, yet many servers send raw deflate: the 2-byte header decides.
            self._head += data
            if len(self._head) < 2:
                return b""
            data, self._head = self._head, b""
            zlib_header = (data[0] & 0x0F) == 8 and ((data[0] << 8) | data[1]) % 31 == 0
            self._d = zlib.decompressobj(zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS)
        out = bytearray()
        try:
            while data:
                # max_length bounds the output of this call: a bomb stops one byte past the room.
                out += self._d.decompress(data, room - len(out) + 1)
                if len(out) > room:
                    raise _TooLarge
                data = b""
                rest = self._d.unused_data
                if self._d.eof and rest[:2] == b"\x1f\x8b" and self._coding == "gzip":
                    self._d = zlib.decompressobj(zlib.MAX_WBITS | 32)  # another gzip member follows
                    data = rest
        except zlib.error as exc:
            raise _Undecodable(f"the {self._coding} compression is corrupt ({exc})") from exc
        return bytes(out)

    def finish(self, room: int) -> bytes:
        if self._d is None:  # at most one byte of "deflate" ever arrived: nothing to decode
            return b""
        try:
            out = self._d.flush()
        except zlib.error as exc:
            raise _Undecodable(f"the {self._coding} compression is corrupt ({exc})") from exc
        if len(out) > room:
            raise _TooLarge
        return out


class _Decoder:
    """Undoes a Content-Encoding chain ("gzip", "deflate, gzip", ...) within a byte cap."""

    def __init__(self, codings: list[str], cap: int):
        self._layers = [_Inflater(c) for c in reversed(codings)]
        self._cap = cap
        self.size = 0

    def feed(self, data: bytes) -> bytes:
        for layer in self._layers:
            data = layer.feed(data, self._cap - self.size if layer is self._layers[-1] else self._cap)
        self.size += len(data)
        return data

    def finish(self) -> bytes:
        data = b""
        for layer in self._layers:
            room = self._cap - self.size if layer is self._layers[-1] else self._cap
            fed = layer.feed(data, room)
            data = fed + layer.finish(room - len(fed))
        self.size += len(data)
        return data


def content_codings(headers: list[tuple[str, str]]) -> list[str]:
    codings = []
    for name, value in headers:
        if name.lower() == "content-encoding":
            for coding in value.split(","):
                coding = coding.strip().lower()
                if coding == "x-gzip":
                    coding = "gzip"
                if coding and coding != "identity":
                    codings.append(coding)
    return codings


@dataclass
class Body:
    """A body as read: the bytes off the wire, the decoded payload, and why reading stopped early, if so."""

    raw: bytes = b""
    data: bytes = b""
    too_large: str = ""  # why reading stopped at the cap
    undecodable: str = ""
    failure: BaseException | None = None  # the transport error that cut the read short


def read_body(resp: requests.Response, run: Run, cap: int, codings: list[str]) -> Body:
    """Stream the body off the wire (decode_content=False), decompressing it ourselves within `cap`."""
    body = Body()
    unknown = [c for c in codings if c not in ENCODINGS_WE_DECODE]
    decoder = _Decoder(codings, cap) if codings and not unknown else None
    # BytesIO, not bytearray: getvalue() hands its buffer over without a copy, so a 25 MB body is held once.
    raw = io.BytesIO()
    data = io.BytesIO()
    try:
        while True:
            chunk = resp.raw.read1(_CHUNK, decode_content=False)
            if not chunk:
                break
            if raw.tell() + len(chunk) > cap:
                raw.write(chunk[: cap - raw.tell()])
                body.too_large = f"the answer is larger than the {size(cap)} limit"
                break
            raw.write(chunk)
            run.pulse.last = time.monotonic()
            if decoder is not None:
                data.write(decoder.feed(chunk))
            if run.left() <= 0:  # a drip the watchdog has not cut yet
                body.failure = TimeoutError("deadline")
                break
        if decoder is not None and not body.too_large and body.failure is None:
            data.write(decoder.finish())
    except _TooLarge:
        codings_text = ", ".join(codings)
        body.too_large = f"the page is larger than the {size(cap)} limit once decompressed ({codings_text})"
    except _Undecodable as exc:
        body.undecodable = f"could not decompress the page: {exc}"
    except TRANSPORT_ERRORS as exc:
        body.failure = exc
    body.raw = raw.getvalue()
    if unknown:
        unknown_text = ", ".join(unknown)
        body.undecodable = (
            f"the server sent the page encoded as {unknown_text}, which civicheck cannot decode"
        )
    else:
        body.data = data.getvalue() if decoder is not None else body.raw
    return body
