"""One claims file's YAML data turned into Claims: its defaults, each claim's fields, each check handed to its
kind (kinds/) to read its options; a Problem, at its line, for everything wrong.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from civicheck import kinds
from civicheck.claims.fields import Fields, url_problem
from civicheck.claims.model import DEFAULT_TIMEOUT, Check, Claim
from civicheck.claims.yaml_lines import MAX_ID, YamlList, YamlMap, named, shown
from civicheck.credentials import HeaderRule, cookie_rules, header_rules, user_agent_problem
from civicheck.errors import Problem
from civicheck.report import VERDICTS, SaidByType

_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # fullmatch: "$" would let a trailing line break in

_CLAIM_KEYS = {
    "id",
    "claim",
    "said_by",
    "said_on",
    "sources",
    "tags",
    "expect",
    "checks",
    "timeout",
    "review_url",
}
# `said_by` in its long form: who said it, and whether a person or an organization (never guessed from the name).
_SAID_BY_KEYS = {"name", "type"}
SAID_BY_TYPES: dict[str, SaidByType] = {
    "person": "person",
    "organization": "organization",
    "organisation": "organization",
}
_DEFAULT_KEYS = {"timeout", "allow_private", "headers", "cookies", "user_agent", "exclude"}
# Options every check takes in its long form, beside its kind's own (kinds/).
_CHECK_KEYS = {"url", "timeout"}


class FileValidator:
    """Turns one file's YAML data into Claims, appending a Problem for everything wrong."""

    def __init__(self, name: str, problems: list[Problem], ids: list[tuple[str, str, int]]):
        self.name = name
        self.problems = problems
        self.ids = ids
        self.allow_private = False
        self.headers: tuple[HeaderRule, ...] = ()
        self.user_agent: tuple[str, int] | None = None  # (the value, its line)
        self.check_defaults: dict[str, Any] = {}  # what `defaults` gives the checks' kinds (with_defaults)

    def problem(self, line: int | None, claim_id: str | None, message: str) -> None:
        self.problems.append(Problem(self.name, line, claim_id, message))

    def _unknown_keys(
        self,
        mapping: YamlMap,
        allowed: Collection[str],
        cid: str | None,
        *,
        word: str = "key",
        where: str = "",
    ) -> None:
        """A problem at its line for every key of `mapping` not in `allowed`, naming what is."""
        for key in mapping:
            if key not in allowed:
                self.problem(
                    mapping.key_lines[key],
                    cid,
                    f"unknown {word} '{named(key)}'{where}; allowed: {', '.join(sorted(allowed))}",
                )

    def validate(self, data: Any) -> list[Claim]:
        if data is None:
            self.problem(1, None, "the file is empty; expected a 'claims:' list")
            return []
        if not isinstance(data, YamlMap):
            self.problem(
                getattr(data, "line", 1), None, "the top level must be a mapping with a 'claims:' list"
            )
            return []
        self._duplicates(data, None)
        for key in data:
            if key not in ("defaults", "claims"):
                self.problem(
                    data.key_lines[key],
                    None,
                    f"unknown top-level key '{named(key)}'; expected 'defaults' or 'claims'",
                )
        timeout = self._defaults(data.get("defaults"), data.key_lines.get("defaults"))
        if "claims" not in data:
            self.problem(data.line, None, "missing 'claims:' (a list of claims)")
            return []
        items = data["claims"]
        if not isinstance(items, YamlList):
            self.problem(
                data.key_lines["claims"],
                None,
                "'claims' must be a list of claims (each starting with '- id:')",
            )
            return []
        if not items:
            self.problem(data.key_lines["claims"], None, "'claims' is empty")
        claims = []
        for item, line in zip(items, items.item_lines, strict=True):
            claim = self._claim(item, line, timeout)
            if claim is not None:
                claims.append(claim)
        return claims

    def _duplicates(self, mapping: YamlMap, claim_id: str | None) -> None:
        for key, line in mapping.duplicates:
            self.problem(line, claim_id, f"key '{named(key)}' appears twice in the same mapping")

    def _defaults(self, defaults: Any, line: int | None) -> float:
        if defaults is None:
            return DEFAULT_TIMEOUT
        if not isinstance(defaults, YamlMap):
            self.problem(line, None, "'defaults' must be a mapping (e.g. 'timeout: 20')")
            return DEFAULT_TIMEOUT
        self._duplicates(defaults, None)
        self._unknown_keys(defaults, _DEFAULT_KEYS, None, where=" in defaults")
        self.allow_private = Fields(defaults, defaults.line, None, self.problem).flag("allow_private", False)
        if "headers" in defaults:
            self.headers = tuple(
                header_rules(
                    defaults["headers"],
                    self.name,
                    defaults.key_lines["headers"],
                    lambda line, message: self.problem(line, None, message),
                )
            )
        if "cookies" in defaults:
            self.headers += tuple(
                cookie_rules(
                    defaults["cookies"],
                    self.name,
                    defaults.key_lines["cookies"],
                    lambda line, message: self.problem(line, None, message),
                    self.headers,
                )
            )
        if "user_agent" in defaults:
            line = defaults.key_lines["user_agent"]
            if (why := user_agent_problem(defaults["user_agent"])) is not None:
                self.problem(line, None, why)
            else:
                self.user_agent = (defaults["user_agent"].strip(), line)
        if (
            "exclude" in defaults
        ):  # the links checks' exclude patterns, shared by every links check of the file
            from civicheck.kinds.links import exclude_patterns

            line = defaults.key_lines["exclude"]
            self.check_defaults["exclude"] = exclude_patterns(
                defaults["exclude"], lambda message: self.problem(line, None, message)
            )
        return self._timeout(defaults, None, DEFAULT_TIMEOUT)

    def _timeout(self, mapping: YamlMap, claim_id: str | None, default: float) -> float:
        if "timeout" not in mapping:
            return default
        value = mapping["timeout"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 600:
            self.problem(
                mapping.key_lines["timeout"],
                claim_id,
                f"'timeout' must be a number of seconds between 0 and 600, not {shown(value)}",
            )
            return default
        return float(value)

    def _claim(self, item: Any, line: int, default_timeout: float) -> Claim | None:
        if not isinstance(item, YamlMap):
            self.problem(line, None, "each claim must be a mapping starting with 'id:'")
            return None
        before = len(self.problems)
        claim_id = item.get("id")
        cid = None if claim_id is None else named(claim_id)  # named in messages even when malformed
        if claim_id is None:
            self.problem(item.line, None, "missing 'id' (letters, digits, '-', '_', '.')")
        elif not isinstance(claim_id, str):  # YAML read `id: 2023` as a number, `id: 2023-06-15` as a date
            self.problem(
                item.key_lines["id"], cid, f"id {shown(claim_id)} must be text: put it in quotes, id: '{cid}'"
            )
        elif not _ID_RE.fullmatch(claim_id):
            self.problem(
                item.key_lines["id"],
                cid,
                f"id {shown(claim_id)} must be letters, digits, '-', '_' or '.' (starting with a letter or digit)",
            )
        elif len(claim_id) > MAX_ID:
            self.problem(
                item.key_lines["id"], cid, f"the id is {len(claim_id):,} characters long; at most {MAX_ID}"
            )
        else:
            self.ids.append((claim_id, self.name, item.line))
        self._duplicates(item, cid)
        self._unknown_keys(item, _CLAIM_KEYS, cid)
        text = item.get("claim")
        if not isinstance(text, str) or not text.strip():
            self.problem(
                item.key_lines.get("claim", item.line),
                cid,
                "'claim' is required: the statement being checked",
            )
        said_by, said_by_type = self._said_by(item, cid)
        said_on = Fields(item, item.line, cid, self.problem).date("said_on")
        review_url = self._optional_str(item, "review_url", cid)
        if review_url is not None and (msg := url_problem(review_url)):
            self.problem(item.key_lines["review_url"], cid, f"'review_url': {msg}")
        sources = self._str_list(item, "sources", cid, urls=True)
        tags = self._str_list(item, "tags", cid)
        expect = item.get("expect")
        if isinstance(expect, str):
            expect = expect.strip().lower()  # "Supported " is what was meant
        if expect is not None and expect not in VERDICTS:
            self.problem(
                item.key_lines["expect"],
                cid,
                f"'expect' must be one of {', '.join(VERDICTS)}, not {shown(expect)}",
            )
            expect = None
        timeout = self._timeout(item, cid, default_timeout)
        checks = self._checks(item, cid, timeout)
        if len(self.problems) > before or cid is None or not isinstance(text, str):  # (a problem said why)
            return None
        return Claim(
            id=cid,
            claim=text.strip(),
            file=self.name,
            line=item.line,
            checks=checks,
            said_by=said_by,
            said_by_type=said_by_type,
            said_on=said_on,
            sources=sources,
            tags=tags,
            expect=expect,
            review_url=review_url.strip() if review_url else None,
            allow_private=self.allow_private,
            headers=self.headers,
            user_agent=self.user_agent,
        )

    def _said_by(self, item: YamlMap, cid: str | None) -> tuple[str | None, SaidByType | None]:
        """`said_by: "name"`, or `said_by: {name: …, type: person|organization}`: (name, type or None)."""
        value = item.get("said_by")
        if not isinstance(value, YamlMap):
            name = self._optional_str(item, "said_by", cid)
            return (name.strip() or None) if name is not None else None, None
        self._duplicates(value, cid)
        self._unknown_keys(value, _SAID_BY_KEYS, cid, where=" in 'said_by'")
        name = value.get("name")
        if not isinstance(name, str) or not name.strip():
            self.problem(
                value.key_lines.get("name", value.line),
                cid,
                "'said_by' needs 'name': who said it, e.g. said_by: {name: Helldy Agustian, type: person}",
            )
            name = None
        written = value.get("type")
        kind = None
        if written is not None:
            kind = SAID_BY_TYPES.get(written.strip().lower()) if isinstance(written, str) else None
            if kind is None:
                self.problem(
                    value.key_lines["type"],
                    cid,
                    f"'said_by' type must be person or organization, not {shown(value['type'])}",
                )
        return (name.strip() if name else None), kind

    def _optional_str(self, item: YamlMap, key: str, cid: str | None) -> str | None:
        value = item.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.problem(item.key_lines[key], cid, f"'{key}' must be text, not {shown(value)}")
            return None
        return value

    def _str_list(self, item: YamlMap, key: str, cid: str | None, urls: bool = False) -> list[str]:
        value = item.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            value = YamlList([value])
            value.item_lines = [item.key_lines[key]]
        if not isinstance(value, YamlList):
            self.problem(item.key_lines[key], cid, f"'{key}' must be a list")
            return []
        out = []
        for entry, line in zip(value, value.item_lines, strict=True):
            if not isinstance(entry, str) or not entry.strip():
                self.problem(line, cid, f"each entry of '{key}' must be text, not {shown(entry)}")
            elif urls and (msg := url_problem(entry)):
                self.problem(line, cid, f"'{key}': {msg}")
            else:
                out.append(entry.strip())
        return out

    def _checks(self, item: YamlMap, cid: str | None, timeout: float) -> list[Check]:
        if "checks" not in item:
            self.problem(
                item.line, cid, "missing 'checks': at least one check (live, dead, status, contains, quote)"
            )
            return []
        items = item["checks"]
        if not isinstance(items, YamlList) or not items:
            self.problem(
                item.key_lines["checks"],
                cid,
                "'checks' must be a non-empty list, e.g. '- live: https://example.go.id/'",
            )
            return []
        out = []
        for entry, line in zip(items, items.item_lines, strict=True):
            check = self._check(entry, line, cid, timeout)
            if check is not None:
                out.append(check)
        return out

    def _check(self, entry: Any, line: int, cid: str | None, timeout: float) -> Check | None:
        if not isinstance(entry, YamlMap) or len(entry) != 1:
            self.problem(
                line,
                cid,
                "each check is one kind and its URL, e.g. '- live: https://example.go.id/' "
                f"(kinds: {', '.join(kinds.names())})",
            )
            return None
        name, value = next(iter(entry.items()))
        kind = kinds.get(name) if isinstance(name, str) else None
        if kind is None:
            self.problem(line, cid, f"unknown check kind '{named(name)}'; kinds: {', '.join(kinds.names())}")
            return None
        if isinstance(value, str):
            if not kind.short_form:
                self.problem(line, cid, f"'{kind.name}' needs more than a URL: write it as {kind.example}")
                return None
            if msg := url_problem(value):
                self.problem(line, cid, f"{kind.name}: {msg}")
                return None
            options = kind.with_defaults(kind.options(), self.check_defaults)
            return Check(kind.name, value.strip(), line, timeout, options=options)
        if value is None:
            self.problem(line, cid, f"'{kind.name}' is empty: give it a URL, e.g. {kind.example}")
            return None
        if not isinstance(value, YamlMap):
            self.problem(line, cid, f"'{kind.name}' must be a URL or a mapping, e.g. {kind.example}")
            return None
        return self._long_check(kind, value, line, cid, timeout)

    def _long_check(
        self, kind: kinds.CheckKind, opts: YamlMap, line: int, cid: str | None, timeout: float
    ) -> Check | None:
        """The check's url and timeout, then its kind's own options, read by the kind (kinds/)."""
        before = len(self.problems)
        self._duplicates(opts, cid)
        allowed = set(kind.option_keys) | _CHECK_KEYS
        self._unknown_keys(opts, allowed, cid, word="option", where=f" for '{kind.name}'")
        url = opts.get("url")
        if url is None:
            self.problem(line, cid, f"'{kind.name}' needs a 'url'")
        elif not isinstance(url, str) or (msg := url_problem(url)):
            self.problem(
                opts.key_lines["url"],
                cid,
                f"{kind.name}: {msg if isinstance(url, str) else 'url must be text'}",
            )
        timeout = self._timeout(opts, cid, timeout)
        options = kind.with_defaults(kind.parse(Fields(opts, line, cid, self.problem)), self.check_defaults)
        check = Check(kind.name, str(url or "").strip(), line, timeout, options=options)
        return check if len(self.problems) == before else None
