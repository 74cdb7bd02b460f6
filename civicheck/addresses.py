"""Where a fetch may connect: names resolved within the fetch's own deadline, and loopback, private,
link-local and other non-public addresses refused before any connection is made, unless allowed.

The connection then goes to exactly the address that was checked (`pinned` + `connect`): a name that
resolves to a public address when checked and to 169.254.169.254 a moment later (DNS rebinding) cannot slip
through, while the Host header, TLS SNI and certificate checks still use the name.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from civicheck.errors import NoAnswer

# host name -> IP addresses (strings, as getaddrinfo gives them). Raises socket.gaierror when the name has
# none. A Fetcher takes one as `resolve=`, so tests can map names to addresses or never answer at all.
Resolve = Callable[[str], Sequence[str]]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# What each non-public range is, in the words a refusal uses. Most specific first: the first match names it.
_RANGES: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/32", "the unspecified address"),
    ("0.0.0.0/8", "a 'this network' address"),
    ("127.0.0.0/8", "a loopback address"),
    ("169.254.0.0/16", "a link-local address"),
    ("10.0.0.0/8", "a private address"),
    ("172.16.0.0/12", "a private address"),
    ("192.168.0.0/16", "a private address"),
    ("100.64.0.0/10", "a carrier-grade NAT address"),
    ("192.0.0.0/24", "an IETF protocol address"),
    ("192.0.2.0/24", "a documentation address"),
    ("198.51.100.0/24", "a documentation address"),
    ("203.0.113.0/24", "a documentation address"),
    ("198.18.0.0/15", "a benchmarking address"),
    ("224.0.0.0/4", "a multicast address"),
    ("255.255.255.255/32", "the broadcast address"),
    ("240.0.0.0/4", "a reserved address"),
    ("::/128", "the unspecified address"),
    ("::1/128", "a loopback address"),
    ("fe80::/10", "a link-local address"),
    ("fec0::/10", "a site-local address"),
    ("fc00::/7", "a private (unique local) address"),
    ("ff00::/8", "a multicast address"),
    ("2001:db8::/32", "a documentation address"),
    ("3fff::/20", "a documentation address"),
    ("100::/64", "a discard-only address"),
    ("64:ff9b:1::/48", "a local-use NAT64 address"),
)
_NETWORKS = tuple((ipaddress.ip_network(net), words) for net, words in _RANGES)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LOCALHOST_NAMES = ("localhost", "localhost.localdomain")


def non_public(address: str | IPAddress) -> str | None:
    """Why `address` is not a public internet address ("a link-local address", "an IPv4-mapped form of
    169.254.169.254, a link-local address"), or None when it is one."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        ip = ip.__class__(ip.compressed.split("%")[0])  # a zone (fe80::1%eth0) changes nothing here
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            v4, form = embedded
            why = non_public(v4)
            # Python before 3.13 judges these by the IPv6 prefix alone: the address inside is what is reached.
            return f"{form} of {v4}, {why}" if why else None
    for network, words in _NETWORKS:
        if ip.version == network.version and ip in network:
            return words
    if not ip.is_global:  # anything else IANA lists as not globally reachable
        return "a non-public address"
    return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, str] | None:
    """The IPv4 address an IPv6 form carries, and the form's name."""
    value = int(ip)
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped, "an IPv4-mapped form"
    if value >> 32 == 0xFFFF0000:  # ::ffff:0:a.b.c.d (RFC 2765)
        return ipaddress.IPv4Address(value & 0xFFFFFFFF), "an IPv4-translated form"
    if ip in _NAT64:
        return ipaddress.IPv4Address(value & 0xFFFFFFFF), "a NAT64 form"
    if ip.sixtofour is not None:
        return ip.sixtofour, "a 6to4 form"
    if ip.teredo is not None:
        return ip.teredo[1], "a Teredo form"
    if value >> 32 == 0 and value > 1:  # ::a.b.c.d, the deprecated IPv4-compatible form
        return ipaddress.IPv4Address(value), "an IPv4-compatible form"
    return None


def numeric_host(host: str) -> str | None:
    """The address an IP literal in any form stands for ("2852039166", "0251.0376.0251.0376", "127.1",
    "::ffff:169.254.169.254" all count), or None for a name. Asks the C library exactly as a connection
    would, without ever asking DNS."""
    try:
        infos = socket.getaddrinfo(host.strip("[]"), None, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError, ValueError):
        return None
    return str(infos[0][4][0]) if infos else None


def host_key(host: str) -> str:
    """One spelling per host: lower case, no brackets, no trailing dot, an international name in its ASCII
    (punycode) form as requests sends it, an IP literal as its address."""
    host = host.strip("[]").rstrip(".").lower()
    if not host.isascii():
        import idna

        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError:
            return host
    return numeric_host(host) or host


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses a fetch may connect to: public ones always; any address when `allow_private` is set
    (--allow-private), for the hosts in `private_hosts` (those a claims file saying `allow_private: true`
    cites), or for URLs under `private_urls` (what the operator named: a --canary, a self-hosted --archive;
    URLs, not hosts, so that naming an office canary does not open its whole host to every claims file)."""

    allow_private: bool = False
    private_hosts: frozenset[str] = field(default_factory=frozenset)
    private_urls: tuple[str, ...] = ()

    @classmethod
    def of(cls, allow_private: bool = False, private_hosts: Iterable[str] = (),
           private_urls: Iterable[str] = ()) -> AddressPolicy:
        return cls(allow_private, frozenset(host_key(h) for h in private_hosts),
                   tuple(_prepared(u) for u in private_urls))

    def allows_any(self, host: str, url: str = "") -> bool:
        if self.allow_private or host_key(host) in self.private_hosts:
            return True
        return bool(url) and any(_prepared(url).startswith(prefix) for prefix in self.private_urls)

    def refusal(self, host: str, addresses: Sequence[str], url: str = "") -> str | None:
        """Why connecting to `host` at `addresses` (for `url`) is refused ("169.254.169.254 is a link-local
        address"), or None. One non-public address refuses the host: a name that mixes them is up to something."""
        if self.allows_any(host, url):
            return None
        bare = host.strip("[]")
        for address in addresses:
            why = non_public(address)
            if why is None:
                continue
            if numeric_host(bare) is None:
                return f"{bare} resolves to {address}, {why}"
            if _same_address(bare, address):
                return f"{bare} is {why}"
            return f"{bare} is {address}, {why}"
        return None

    def refusal_by_name(self, host: str, url: str = "") -> str | None:
        """What can be refused without resolving (through a proxy, which resolves names itself): IP literals
        in any form, and the names that mean this machine."""
        if self.allows_any(host, url):
            return None
        bare = host.strip("[]").rstrip(".").lower()
        address = numeric_host(bare)
        if address is not None:
            return self.refusal(bare, [address])
        if bare in _LOCALHOST_NAMES or bare.endswith(".localhost"):
            return f"{bare} names this machine (a loopback address)"
        return None


def _prepared(url: str) -> str:
    """The URL as requests sends it (IDN hosts in punycode, spaces quoted), so prefixes compare like for like."""
    from requests.models import PreparedRequest

    prepared = PreparedRequest()
    try:
        prepared.prepare_url(url, None)
    except Exception:  # noqa: BLE001 - an unpreparable URL is compared as written
        return url
    return prepared.url or url


def refused(why: str, via: str | None = None) -> str:
    """The sentence a refused fetch reports: "refused: 169.254.169.254 is a link-local address; …"."""
    redirected = f" ({via} redirected there)" if via else ""
    return (f"refused: {why}{redirected}; civicheck connects only to public addresses unless allowed "
            "(--allow-private, or allow_private: true in the claims file)")


def _same_address(a: str, b: str) -> bool:
    try:
        return ipaddress.ip_address(a) == ipaddress.ip_address(b)
    except ValueError:
        return False


# --- Resolving within a deadline ----------------------------------------------------------------------


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
            fresh = lookup is not None and (not lookup.done.is_set() or (
                lookup.error is None and time.monotonic() - lookup.finished < self._cache_seconds))
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


# --- Connecting to the address that was checked -------------------------------------------------------

_pins = threading.local()


@contextmanager
def pinned(routes: dict[str, list[str]], deadline: float) -> Iterator[None]:
    """While this is active on a thread, every connection it opens to a host in `routes` (host_key -> the
    checked addresses) goes to those addresses, and a connection to any other host is refused."""
    previous = getattr(_pins, "state", None)
    _pins.state = (routes, deadline)
    try:
        yield
    finally:
        _pins.state = previous


def connect(conn: Any) -> socket.socket:
    """Stands in for urllib3's HTTPConnection._new_conn: the TCP connection to `conn`'s host, made to the
    addresses pinned for it (each in turn, within the deadline), never to a fresh DNS answer."""
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
    from urllib3.util.connection import create_connection

    state = getattr(_pins, "state", None)
    routes, deadline = state if state is not None else ({}, 0.0)
    addresses = routes.get(host_key(conn.host))
    if not addresses:  # never connect to an address nobody checked
        raise NewConnectionError(conn, f"{conn.host} was not resolved and checked by civicheck; not connecting")
    error: Exception | None = None
    for address in addresses:
        timeout = conn.timeout
        left = deadline - time.monotonic()
        if left <= 0 and error is not None:
            break
        if isinstance(timeout, (int, float)):
            timeout = max(0.001, min(timeout, left))
        try:
            return create_connection((address, conn.port), timeout, source_address=conn.source_address,
                                     socket_options=conn.socket_options)
        except TimeoutError as exc:
            error = ConnectTimeoutError(conn, f"Connection to {conn.host} timed out. (connect timeout={timeout})")
            error.__cause__ = exc
        except OSError as exc:
            error = NewConnectionError(conn, f"Failed to establish a new connection: {exc}")
            error.__cause__ = exc
    assert error is not None
    raise error
