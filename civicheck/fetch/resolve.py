"""Host names resolved within a fetch's own deadline, on daemon threads: a resolver that never answers costs a
fetch its deadline at most, and Ctrl-C nothing.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from civicheck.errors import NoAnswer
from civicheck.fetch.addresses import numeric_host

# host name -> IP addresses (strings, as getaddrinfo gives them). Raises socket.gaierror when the name has
# none. A Fetcher takes one as `resolve=`, so tests can map names to addresses or never answer at all.
Resolve = Callable[[str], Sequence[str]]


def system_resolve(host: str) -> list[str]:
    """The C library's answer (hosts file, DNS, ...), every address once, in its order of preference."""
    from urllib3.util.connection import allowed_gai_family  # no IPv6 answers on a machine without IPv6

    infos = socket.getaddrinfo(host, None, allowed_gai_family(), socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass
class _Lookup:
    done: threading.Event = field(default_factory=threading.Event)
    addresses: list[str] = field(default_factory=list)
    error: BaseException | None = None
    finished: float = 0.0


_POLL = 0.05  # how often a waiting fetch looks whether it was cut (Ctrl-C, its deadline)


class Resolver:
    """Looks names up on daemon threads, so a resolver that never answers costs a fetch its own deadline at
    most, and Ctrl-C nothing: the caller stops waiting and the lookup is abandoned (a daemon thread never
    holds the process at exit). Fetches of one name share one lookup; answers are reused for `cache_seconds`
    (failures never are). At most `max_threads` lookups run at once: a hung resolver cannot pile up threads."""

    def __init__(self, resolve: Resolve | None = None, *, cache_seconds: float = 30.0, max_threads: int = 64):
        self._resolve = resolve or system_resolve
        self._cache_seconds = cache_seconds
        self._max_threads = max_threads
        self._lookups: dict[str, _Lookup] = {}
        self._running = 0
        self._cv = threading.Condition()

    def lookup(self, host: str, deadline: float, cut: Callable[[], bool] = lambda: False) -> list[str]:
        """The addresses of `host` (an IP literal is its own answer, DNS is never asked for one); raises
        socket.gaierror as the resolver does, or NoAnswer at `deadline` (time.monotonic) or when `cut()`."""
        literal = numeric_host(host)
        if literal is not None:
            return [literal]
        key = host.rstrip(".").lower()
        lookup = self._start(key, deadline, cut)
        while not lookup.done.wait(min(_POLL, max(0.0, deadline - time.monotonic()))):
            if cut() or time.monotonic() >= deadline:
                raise NoAnswer(key)
        if isinstance(lookup.error, socket.gaierror):  # one exception object per waiting fetch
            raise socket.gaierror(*lookup.error.args)
        if lookup.error is not None:
            raise lookup.error
        return list(lookup.addresses)

    def _start(self, key: str, deadline: float, cut: Callable[[], bool]) -> _Lookup:
        with self._cv:
            lookup = self._lookups.get(key)
            fresh = lookup is not None and (
                not lookup.done.is_set()
                or (lookup.error is None and time.monotonic() - lookup.finished < self._cache_seconds)
            )
            if fresh:
                return lookup  # type: ignore[return-value]
            while self._running >= self._max_threads:
                if cut() or time.monotonic() >= deadline:
                    raise NoAnswer(key, f"{self._running} lookups were already waiting for the resolver")
                self._cv.wait(_POLL)
            lookup = self._lookups[key] = _Lookup()
            self._running += 1
        threading.Thread(target=self._run, args=(key, lookup), name="civicheck-dns", daemon=True).start()
        return lookup

    def _run(self, key: str, lookup: _Lookup) -> None:
        try:
            addresses = list(dict.fromkeys(self._resolve(key)))
            if not addresses:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            lookup.addresses = addresses
        except BaseException as exc:  # noqa: BLE001 - handed to every waiting fetch
            lookup.error = exc
        finally:
            lookup.finished = time.monotonic()
            with self._cv:
                self._running -= 1
                if lookup.error is not None and self._lookups.get(key) is lookup:
                    del self._lookups[key]
                self._cv.notify_all()
            lookup.done.set()
