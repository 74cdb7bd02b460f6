"""Where a fetch may connect: loopback, private, link-local and other non-public addresses are refused before
any connection is made, unless allowed (AddressPolicy); and one spelling per host, to compare hosts by.

The fetch then connects to exactly the address that was checked (transport.pinned): a name that resolves to a
public address when checked and to 169.254.169.254 a moment later (DNS rebinding) cannot slip through, while
the Host header, TLS SNI and certificate checks still use the name.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

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


# Remembered per host: glibc's getaddrinfo asks the kernel for the machine's interfaces on every call, even
# for a literal (a netlink round trip), and a fetch asks about its host several times (9% of a run of 1,000
# tiny pages). The answer depends on the text alone.
@functools.lru_cache(maxsize=4096)
def numeric_host(host: str) -> str | None:
    """The address an IP literal in any form stands for ("2852039166", "0251.0376.0251.0376", "127.1",
    "::ffff:169.254.169.254" all count), or None for a name. Asks the C library exactly as a connection
    would, without ever asking DNS."""
    try:
        infos = socket.getaddrinfo(
            host.strip("[]"), None, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST
        )
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
    def of(
        cls, allow_private: bool = False, private_hosts: Iterable[str] = (), private_urls: Iterable[str] = ()
    ) -> AddressPolicy:
        return cls(
            allow_private,
            frozenset(host_key(h) for h in private_hosts),
            tuple(_prepared(u) for u in private_urls),
        )

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
    return (
        f"refused: {why}{redirected}; civicheck connects only to public addresses unless allowed "
        "(--allow-private, or allow_private: true in the claims file)"
    )


def _same_address(a: str, b: str) -> bool:
    try:
        return ipaddress.ip_address(a) == ipaddress.ip_address(b)
    except ValueError:
        return False


def host_of(url: str) -> str:
    """The host a URL names, lower case ("" when it cannot be parsed): per-host limits and headers go by it."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
