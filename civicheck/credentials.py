"""Credentials never become evidence: headers that authenticate are redacted in every record civicheck keeps,
URLs holding a user name or password are refused, and the per-host request headers a claims file asks for
take their secret values from CIVICHECK_… environment variables, never from the file itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from civicheck.errors import Problem
from civicheck.fetch.addresses import host_key

REDACTED = "[redacted]"
# Header values that authenticate someone: never written to a WARC, a report or the history.
SENSITIVE = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
# A claims file may only read variables named so: a contributor's file must not be able to send this
# machine's other secrets (a cloud key, a deploy token) to a site of their choosing.
ENV_PREFIX = "CIVICHECK_"
_ENV_REFERENCE = re.compile(r"\$\{([^}]*)\}")
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
_FIELD_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an RFC 9110 token
_AUTH_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,31}")
# Headers civicheck must set itself: the connection, its framing and the host it is pinned to depend on them.
_MANAGED = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "te",
        "trailer",
        "upgrade",
        "proxy-authorization",
        "proxy-connection",
    }
)
# Headers whose value is a secret by nature: a claims file must take it from the environment.
_NEEDS_ENVIRONMENT = frozenset({"authorization", "cookie"})


def redact_headers(headers: Iterable[tuple[str, str]], also: Iterable[str] = ()) -> list[tuple[str, str]]:
    """`headers` with the value of every sensitive header (and of the names in `also`) redacted. What is not
    secret stays, so a reader still sees what happened: "Basic [redacted]", "session=[redacted]; Path=/"."""
    names = SENSITIVE | {name.lower() for name in also}
    return [
        (k, _redacted(k.strip().lower(), v)) if k.strip().lower() in names else (k, v) for k, v in headers
    ]


def _redacted(name: str, value: str) -> str:
    if name in ("authorization", "proxy-authorization"):
        scheme, space, _ = value.strip().partition(" ")
        return f"{scheme} {REDACTED}" if space and _AUTH_SCHEME.fullmatch(scheme) else REDACTED
    if name == "cookie":  # name=value; name=value
        return "; ".join(_cookie_pair(pair) for pair in value.split(";") if pair.strip())
    if name == "set-cookie":  # name=value; Path=/; HttpOnly: the attributes say nothing secret
        first, semicolon, attributes = value.partition(";")
        return _cookie_pair(first) + semicolon + attributes
    return REDACTED


def _cookie_pair(pair: str) -> str:
    cookie_name, equals, _ = pair.strip().partition("=")
    return f"{cookie_name}={REDACTED}" if equals and _FIELD_NAME.fullmatch(cookie_name) else REDACTED


def has_userinfo(url: str) -> bool:
    """Does the URL carry a user name or password (http://user:password@host/)?"""
    return "@" in _authority(url.strip())[1]


def masked(url: str) -> str:
    """The URL as it may be shown: its password, if any, replaced by ***. Parsed by hand, so that even a URL
    urllib cannot parse is never shown with its password."""
    url = url.strip()
    prefix, authority, tail = _authority(url)
    userinfo, at, hostport = authority.rpartition("@")
    if not at:
        return url
    user, colon, _ = userinfo.partition(":")
    return f"{prefix}{user}{':***' if colon else ''}@{hostport}{tail}"


def _authority(url: str) -> tuple[str, str, str]:
    """(scheme://, user-info@host:port, the rest) of a URL; the middle is empty without "://"."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url, "", ""
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    return scheme + sep, rest[:end], rest[end:]


def without_userinfo(url: str) -> str:
    """The URL with any user name and password removed: what civicheck actually requests."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def userinfo_problem(url: str) -> str:
    """What lint says about a URL holding credentials, with the way to send them that keeps them secret."""
    try:
        host = urlsplit(url.strip()).hostname or "HOST"
    except ValueError:
        host = "HOST"
    return (
        f"'{masked(url)}' holds a user name or password, which civicheck never sends (they would be "
        f"printed in every report and archive): remove them, and send a header from an environment "
        f'variable instead: defaults: {{headers: {{{host}: {{Authorization: "Basic ${{{ENV_PREFIX}AUTH}}"}}}}}} '
        f"with {ENV_PREFIX}AUTH holding the base64 of user:password (see the README)"
    )


# --- Request headers per host, from claims files ------------------------------------------------------


@dataclass(frozen=True)
class HeaderRule:
    """One header a claims file asks to send to one host: `Authorization: "Bearer ${CIVICHECK_TOKEN}"`."""

    host: str  # as written, lower case
    name: str
    template: str  # the value, with ${CIVICHECK_…} references still in it
    file: str
    line: int

    @property
    def variables(self) -> list[str]:
        return _ENV_REFERENCE.findall(self.template)

    def value(self, environ: Mapping[str, str]) -> str:
        return _ENV_REFERENCE.sub(lambda m: environ.get(m[1], ""), self.template)


def header_rules(
    value: Any, file: str, line: int | None, problem: Callable[[int | None, str], None]
) -> list[HeaderRule]:
    """The rules of a claims file's `defaults.headers` ({host: {Header: value}}), every mistake reported through
    `problem(line, message)`. Values are checked here; the variables they name are read by `resolve_headers`."""
    example = f'headers: {{intranet.example.go.id: {{Authorization: "Bearer ${{{ENV_PREFIX}TOKEN}}"}}}}'
    if not isinstance(value, dict):
        problem(line, f"'headers' must map host names to headers, e.g. {example}")
        return []
    rules = []
    for host, headers in value.items():
        host_line = _line_of(value, host, line)
        if not isinstance(host, str) or not _bare_host(host):
            problem(
                host_line,
                f"'{host}' in 'headers' must be a bare host name (no scheme, port or path), e.g. {example}",
            )
            continue
        if not isinstance(headers, dict) or not headers:
            problem(
                host_line,
                f"the headers for {host} must be a mapping of header names to values, e.g. {example}",
            )
            continue
        for name, template in headers.items():
            name_line = _line_of(headers, name, host_line)
            if (why := _header_problem(name, template)) is not None:
                problem(name_line, f"header {name!r} for {host}: {why}")
                continue
            rules.append(HeaderRule(host.lower().rstrip("."), name, template, file, name_line or 0))
    return rules


# A cookie value as RFC 6265 allows it (no spaces, quotes, commas, semicolons or backslashes), or a variable.
_COOKIE_VALUE = re.compile(r"(?:[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]|\$\{[^}]*\})*")


def cookie_rules(
    value: Any,
    file: str,
    line: int | None,
    problem: Callable[[int | None, str], None],
    headers: Iterable[HeaderRule] = (),
) -> list[HeaderRule]:
    """The Cookie header per host of a claims file's `defaults.cookies` ({host: {name: value}}): one rule per host,
    "name=value; name=value", sent to that host only and redacted wherever it is recorded. A value may be
    written out (a consent cookie says nothing secret) or read from a ${CIVICHECK_…} variable (a session)."""
    example = f'cookies: {{intranet.example.go.id: {{session: "${{{ENV_PREFIX}SESSION}}", consent: "yes"}}}}'
    if not isinstance(value, dict):
        problem(line, f"'cookies' must map host names to cookies, e.g. {example}")
        return []
    with_cookie_header = {rule.host for rule in headers if rule.name.lower() == "cookie"}
    rules = []
    for host, cookies in value.items():
        host_line = _line_of(value, host, line)
        if not isinstance(host, str) or not _bare_host(host):
            problem(
                host_line,
                f"'{host}' in 'cookies' must be a bare host name (no scheme, port or path), e.g. {example}",
            )
            continue
        if not isinstance(cookies, dict) or not cookies:
            problem(
                host_line,
                f"the cookies for {host} must be a mapping of cookie names to values, e.g. {example}",
            )
            continue
        if host.lower().rstrip(".") in with_cookie_header:
            problem(
                host_line, f"{host} has a Cookie in 'headers' too: give its cookies in one place, 'cookies'"
            )
            continue
        pairs = []
        for name, template in cookies.items():
            name_line = _line_of(cookies, name, host_line)
            if not isinstance(name, str) or not _FIELD_NAME.fullmatch(name):
                problem(name_line, f"cookie {name!r} for {host}: not a valid cookie name")
            elif (
                isinstance(template, bool)
                or not isinstance(template, (str, int, float))
                or not _COOKIE_VALUE.fullmatch(str(template))
            ):
                problem(
                    name_line,
                    f"cookie {name} for {host}: the value must be one word without spaces, quotes, "
                    f'commas, semicolons or backslashes, or a variable: {name}: "${{{ENV_PREFIX}…}}"',
                )
            elif (why := _header_problem("Set-Cookie", str(template))) is not None:  # the variables' names
                problem(name_line, f"cookie {name} for {host}: {why}")
            else:
                pairs.append(f"{name}={template}")
        if pairs and len(pairs) == len(cookies):
            rules.append(
                HeaderRule(host.lower().rstrip("."), "Cookie", "; ".join(pairs), file, host_line or 0)
            )
    return rules


def user_agent_problem(value: Any) -> str | None:
    """What is wrong with a claims file's `defaults.user_agent`, or None."""
    if not isinstance(value, str) or not value.strip():
        return "'user_agent' must be text, e.g. user_agent: \"Mozilla/5.0 (compatible; newsroom-checker)\""
    if any(not ch.isprintable() for ch in value) or not value.isascii():
        return "'user_agent' must be one line of plain ASCII text"
    return None


def _line_of(mapping: Any, key: Any, default: int | None) -> int | None:
    return getattr(mapping, "key_lines", {}).get(key, default)


def _bare_host(host: str) -> bool:
    try:
        parts = urlsplit(f"//{host}")
        return (
            bool(parts.hostname)
            and parts.hostname == host.lower()
            and parts.port is None
            and not (parts.path or parts.query or parts.fragment or "@" in parts.netloc)
        )
    except ValueError:
        return False


def _header_problem(name: Any, template: Any) -> str | None:
    if not isinstance(name, str) or not _FIELD_NAME.fullmatch(name):
        return "not a valid header name"
    if name.lower() in _MANAGED:
        return "civicheck sets this header itself"
    if not isinstance(template, str) or not template.strip():
        return "the value must be text"
    if any(ch in template for ch in "\r\n\0"):
        return "the value must be one line"
    for variable in _ENV_REFERENCE.findall(template):
        if not _ENV_NAME.fullmatch(variable) or not variable.startswith(ENV_PREFIX):
            return (
                f"${{{variable}}}: only environment variables named {ENV_PREFIX}… (capitals, digits, _) can be "
                "used, so a claims file cannot send other secrets of this machine to a site"
            )
    if name.lower() in _NEEDS_ENVIRONMENT and not _ENV_REFERENCE.search(template):
        example = "session=${CIVICHECK_SESSION}" if name.lower() == "cookie" else "Bearer ${CIVICHECK_TOKEN}"
        return f'keep the secret in an environment variable, not in the claims file: {name}: "{example}"'
    return None


def conflicting(rules: Iterable[HeaderRule]) -> list[Problem]:
    """Two files asking for different values of one header for one host: neither can be chosen silently."""
    first: dict[tuple[str, str], HeaderRule] = {}
    problems = []
    for rule in rules:
        seen = first.setdefault((rule.host, rule.name.lower()), rule)
        if seen is not rule and seen.template != rule.template:
            problems.append(
                Problem(
                    rule.file,
                    rule.line,
                    None,
                    f"header {rule.name} for {rule.host} is already set differently at "
                    f"{seen.file}:{seen.line}; give each host one value per header",
                )
            )
    return problems


@dataclass(frozen=True)
class RequestHeaders:
    """Headers sent to particular hosts only (never to a redirect's other host, nor to a canary), and the
    header names whose values must never be written anywhere."""

    by_host: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    secret_names: frozenset[str] = frozenset()

    def for_host(self, host: str) -> dict[str, str]:
        return dict(self.by_host.get(host_key(host), {}))

    def redact(self, headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        return redact_headers(headers, self.secret_names)


def resolve_headers(
    rules: Iterable[HeaderRule], environ: Mapping[str, str]
) -> tuple[RequestHeaders, list[Problem]]:
    """The headers to send, their variables read from `environ`; a variable that is not set is a problem."""
    by_host: dict[str, dict[str, str]] = {}
    secret_names: set[str] = set()
    problems = []
    for rule in dict.fromkeys(rules):
        missing = [v for v in rule.variables if not environ.get(v)]
        if missing:
            problems.append(
                Problem(
                    rule.file,
                    rule.line,
                    None,
                    f"header {rule.name} for {rule.host} reads ${{{missing[0]}}}, which is not set "
                    "(or empty): export it before running civicheck verify",
                )
            )
            continue
        value = rule.value(environ)
        if any(ch in value for ch in "\r\n\0"):
            problems.append(
                Problem(
                    rule.file,
                    rule.line,
                    None,
                    f"header {rule.name} for {rule.host}: the environment variable holds a line "
                    "break, which a header value cannot",
                )
            )
            continue
        by_host.setdefault(host_key(rule.host), {})[rule.name] = value
        if rule.variables:
            secret_names.add(rule.name.lower())
    return RequestHeaders(by_host, frozenset(secret_names)), problems
