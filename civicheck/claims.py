"""Claims files: YAML a reporter writes, loaded with line numbers and validated before anything is fetched.

Every problem in every file is collected and reported together (file:line, claim id, what to do).
"""

from __future__ import annotations

import datetime as dt
import re
import reprlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from civicheck import kinds
from civicheck.credentials import HeaderRule, conflicting, has_userinfo, header_rules, userinfo_problem
from civicheck.errors import ClaimsError, Problem, UsageProblem
from civicheck.report import VERDICTS

DEFAULT_TIMEOUT = 20.0
_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # fullmatch: "$" would let a trailing line break in

_CLAIM_KEYS = {"id", "claim", "said_by", "said_on", "sources", "tags", "expect", "checks", "timeout", "review_url"}
# `said_by` in its long form: who said it, and whether a person or an organization (never guessed from the name).
_SAID_BY_KEYS = {"name", "type"}
SAID_BY_TYPES = {"person": "person", "organization": "organization", "organisation": "organization"}
_DEFAULT_KEYS = {"timeout", "allow_private", "headers"}
# Options every check takes in its long form, beside its kind's own (kinds/).
_CHECK_KEYS = {"url", "timeout"}

# Claims files are hostile input too (a contributor's pull request, a generated file): every size is bounded,
# so a file cannot make lint or verify use gigabytes or minutes before a single problem is reported.
# PyYAML's pure-Python loader needs about 90 MB of memory and 6 s per MB of YAML: 10 MB is ~50,000 claims.
MAX_FILE_BYTES = 10_000_000
MAX_CLAIMS = 200_000  # per run: twice the largest run we have measured; beyond, split the folder
MAX_PROBLEMS = 10_000  # per run: enough to fix a generated file in one go
MAX_DEPTH = 32  # nesting of mappings and lists: a claims file needs 7; PyYAML's composer recurses per level
MAX_TEXT = 100_000  # characters in any one text of a file
# Texts whose length costs more than memory: a URL goes into every request line and report row.
MAX_ID, MAX_URL = 200, 8_192


@dataclass(init=False)
class Check:
    """One machine-testable condition citing one URL. Its kind's own options are in `options` (an object of
    the kind's options class: kinds/); `Check("quote", url, line, text="…")` makes them from keywords."""

    kind: str
    url: str
    line: int
    timeout: float
    options: Any

    def __init__(self, kind: str, url: str, line: int, timeout: float = DEFAULT_TIMEOUT, options: Any = None,
                 **fields: Any):
        self.kind, self.url, self.line, self.timeout = kind, url, line, timeout
        if options is None:
            found = kinds.get(kind)
            if found is None:
                raise ValueError(f"unknown check kind {kind!r}; kinds: {', '.join(kinds.names())}")
            options = found.options(**fields)
        elif fields:
            raise TypeError("give a check's options as `options` or as keywords, not both")
        self.options = options

    def spec(self) -> dict[str, Any]:
        """The check as the reporter wrote it (for reports): kind, url and the options that are set."""
        return {"kind": self.kind, "url": self.url, **kinds.kind_of(self).spec(self.options)}


@dataclass
class Claim:
    id: str
    claim: str
    file: str
    line: int
    checks: list[Check] = field(default_factory=list)
    said_by: str | None = None  # the name of who said it
    said_by_type: str | None = None  # "person" or "organization" when the file declares it, else None
    said_on: str | None = None  # ISO date
    sources: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    expect: str | None = None
    review_url: str | None = None  # where the published fact check of this claim is (ClaimReview `url`)
    # From the file's `defaults`: its cited hosts may be private addresses; headers to send to some hosts.
    allow_private: bool = False
    headers: tuple[HeaderRule, ...] = ()


# --- YAML with line numbers -------------------------------------------------------------------------------


class _Map(dict):
    """A mapping that remembers the line of itself and of each key (1-based)."""

    line = 0
    key_lines: dict[Any, int]
    duplicates: list[tuple[Any, int]]


class _Seq(list):
    line = 0
    item_lines: list[int]


class RefusedYAML(yaml.MarkedYAMLError):
    """YAML that is valid but refused in a claims file (an alias, too deep, too long); not a syntax error."""


class ImpossibleDate(str):
    """What YAML reads as a date but no calendar holds (`2023-02-30`, `2023-13-01`): kept as its text, with
    the line and the reason, so validation can name it in the words of its field."""

    line: int
    why: str
    reported = False


class _Loader(yaml.SafeLoader):
    """SafeLoader (no arbitrary objects) that records line numbers and duplicate keys, and refuses what only
    an attack needs: anchors and aliases (a "billion laughs" alias bomb expands to gigabytes) and nesting
    deeper than MAX_DEPTH (the composer recurses, so 5,000 levels end in a RecursionError)."""

    depth = 0

    def __init__(self, stream: Any):
        super().__init__(stream)
        self.impossible_dates: list[ImpossibleDate] = []

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise RefusedYAML(None, None, "YAML anchors and aliases (&name, *name) are not allowed in a claims "
                                          "file: write each value out in full", event.start_mark)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise RefusedYAML(None, None, f"nested more than {MAX_DEPTH} levels deep (a claims file needs "
                                              "about 7): check the indentation and brackets here", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:
            # A value YAML's own rules accept but Python cannot hold: `2023-13-45` looks like a date, a
            # 5,000-digit number exceeds Python's limit for turning text into an int.
            if isinstance(exc, yaml.YAMLError):
                raise
            if node.tag == "tag:yaml.org,2002:timestamp" and isinstance(node, yaml.ScalarNode):
                # An impossible date is a mistake in one field, not in the file: the rest is still read, so
                # every bad date of the file is reported at once, each in the words of its own field.
                bad = ImpossibleDate(node.value)
                bad.line, bad.why = node.start_mark.line + 1, _why_not_a_date(exc)
                self.impossible_dates.append(bad)
                return bad
            what = node.tag.rpartition(":")[2]
            what = {"int": "number", "float": "number", "timestamp": "date"}.get(what, what)
            value = _shown(node.value) if isinstance(node, yaml.ScalarNode) else "this"
            raise RefusedYAML(None, None, f"{value} cannot be read as a {what} ({_first_line(exc).split(';')[0]}); "
                                          "put it in quotes if it is text", node.start_mark) from None


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    out = _Map()
    out.line = node.start_mark.line + 1
    out.key_lines, out.duplicates = {}, []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            hash(key)
        except TypeError:
            key = str(key)
        if key in out:
            out.duplicates.append((key, line))
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = line
    return out


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> _Seq:
    out = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Text that is plainly meant as a date (2023-02-30, 2023-13-01T10:00), even when no calendar has it.
_DATE_SHAPED = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ]|$)")


def _why_not_a_date(exc: Exception) -> str:
    why = _first_line(exc).split(";")[0]
    # Python's words for an offset of a day or more quote timedelta reprs; a reporter needs the rule.
    return "a time zone offset must be less than 24 hours" if why.startswith("offset must be") else why


def _date_of(text: str) -> dt.date:
    """The date of `text` (2023-06-15, 2023-6-5, 2023-06-15T10:00:00+07:00); ValueError says why it is none."""
    m = _DATE_SHAPED.match(text)
    day = dt.date(int(m[1]), int(m[2]), int(m[3]))  # "day is out of range for month", in Python's words
    if len(text) > m.end(3):
        rest = text[m.end(3):]
        dt.datetime.fromisoformat(day.isoformat() + rest)  # the time must be one too: "hour must be in 0..23"
    return day


def _construct_str(loader: _Loader, node: yaml.ScalarNode) -> str:
    text = loader.construct_scalar(node)
    if len(text) > MAX_TEXT:
        raise RefusedYAML(None, None, f"a text of {len(text):,} characters; a claims file holds short texts "
                                      f"(at most {MAX_TEXT:,} characters each)", node.start_mark)
    # A "\ud800" escape gives half a UTF-16 pair, not a character: no report, history or terminal could hold it.
    if found := _SURROGATE.search(text):
        raise yaml.constructor.ConstructorError(
            None, None, f"'\\u{ord(found[0]):04x}' is half of a UTF-16 pair, not a character", node.start_mark)
    return text


class _ShortRepr(reprlib.Repr):
    """Values quoted in problems stay short: an id or key may be a 10 MB text or a deep structure."""

    def __init__(self) -> None:
        super().__init__()
        self.maxstring = self.maxother = 80
        self.maxlevel, self.maxdict, self.maxlist = 3, 4, 6

    def repr__Map(self, x: dict, level: int) -> str:  # reprlib dispatches on the type's name
        return self.repr_dict(x, level)

    def repr__Seq(self, x: list, level: int) -> str:
        return self.repr_list(x, level)


_shown = _ShortRepr().repr


def _name(value: Any) -> str:
    """A key or claim id for a message: as written, cut short when it is long."""
    text = str(value) if isinstance(value, (str, int, float)) else _shown(value)
    return text if len(text) <= MAX_ID else text[: MAX_ID - 1] + "…"  # a valid id is never cut


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


# --- reading what a reporter wrote ---------------------------------------------------------------------------


class Fields:
    """A mapping a reporter wrote (a check's options, a claim, the defaults), and the means to read it: each
    reader returns the value, or records a problem at its line (the file's, with the claim id) and returns a
    default, so that every mistake of a file is reported at once. Check kinds read their options with it."""

    shown = staticmethod(_shown)  # a value quoted in a problem, cut short

    def __init__(self, mapping: _Map, line: int, claim_id: str | None,
                 report: Callable[[int | None, str | None, str], None]):
        self.mapping, self._line, self.claim_id, self._report = mapping, line, claim_id, report

    def __contains__(self, key: object) -> bool:
        return key in self.mapping

    def get(self, key: str, default: Any = None) -> Any:
        return self.mapping.get(key, default)

    def line(self, key: str | None = None) -> int:
        """The line of `key` when the mapping has it, else the line of the whole (a check's `- kind:` line)."""
        return self.mapping.key_lines.get(key, self._line) if key is not None else self._line

    def problem(self, message: str, key: str | None = None) -> None:
        """A mistake, at the line of `key` (or of the whole)."""
        self._report(self.line(key), self.claim_id, message)

    def flag(self, key: str, default: bool) -> bool:
        value = self.get(key, default)
        if not isinstance(value, bool):
            self.problem(f"'{key}' must be true or false, not {_shown(value)}", key)
            return default
        return value

    def count(self, key: str, default: int, least: int, most: int | None = None) -> int:
        value = self.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < least or (most and value > most):
            within = f"from {least} to {most:,}" if most else f"of at least {least}"
            self.problem(f"'{key}' must be a whole number {within}, not {_shown(value)}", key)
            return default
        return value

    def choice(self, key: str, allowed: tuple[str, ...], default: str) -> str:
        value = self.get(key, default)
        if value not in allowed:
            self.problem(f"'{key}' must be {' or '.join(repr(a) for a in allowed)}, not {_shown(value)}", key)
            return default
        return value

    def date(self, key: str) -> str | None:
        """An ISO date (2023-01-01) written as a YAML date or as text; an impossible one is a problem."""
        value = self.get(key)
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, ImpossibleDate):  # YAML read it as a date: say why no calendar has it
            value.reported = True
            self._report(value.line, self.claim_id, f"'{key}': {_shown(str(value))} cannot be read as a date "
                                                     f"({value.why}); write a real date like 2023-01-01")
            return None
        if isinstance(value, str) and _DATE_SHAPED.match(value.strip()):  # quoted, but meant as a date
            try:
                return _date_of(value.strip()).isoformat()
            except ValueError as exc:
                self.problem(f"'{key}': {_shown(value)} cannot be read as a date ({_why_not_a_date(exc)}); "
                             "write a real date like 2023-01-01", key)
                return None
        self.problem(f"'{key}' must be a date like 2023-01-01, not {_shown(value)}", key)
        return None


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)
_Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)


# --- finding and loading files ------------------------------------------------------------------------------


def find_claim_files(paths: list[str | Path]) -> list[Path]:
    """Files named directly, and every *.yaml / *.yml below directories (sorted; hidden folders skipped)."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.suffix.lower() in (".yaml", ".yml")
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                raise UsageProblem(f"{path}: no claims files (*.yaml, *.yml) in this folder")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise UsageProblem(f"{path}: no such file or folder")
    seen: set[Path] = set()
    unique = []
    for f in files:
        if f.resolve() not in seen:
            seen.add(f.resolve())
            unique.append(f)
    return unique


def load_claims(paths: list[str | Path]) -> list[Claim]:
    """Load and validate every claims file under `paths`; raise ClaimsError listing every problem."""
    problems: list[Problem] = []
    claims: list[Claim] = []
    ids: list[tuple[str, str, int]] = []  # (id, file, line) of every claim, valid or not
    for path in find_claim_files(paths):
        claims.extend(_load_file(path, problems, ids))
        # Stop reading: a million claims (or problems) would take minutes and gigabytes before anything is said.
        if len(claims) > MAX_CLAIMS:
            problems.append(Problem(str(path), None, None, f"more than {MAX_CLAIMS:,} claims in one run (counted up "
                                    "to this file); check the claims in parts, e.g. one folder per run"))
            break
        if len(problems) > MAX_PROBLEMS:
            problems.append(Problem(str(path), None, None, f"stopped reading after this file: more than "
                                                           f"{MAX_PROBLEMS:,} problems; fix these first"))
            break
    first_seen: dict[str, tuple[str, int]] = {}
    for claim_id, file, line in ids:
        if claim_id in first_seen:
            other_file, other_line = first_seen[claim_id]
            problems.append(Problem(file, line, claim_id,
                                    f"duplicate id: already used at {other_file}:{other_line}; ids must be unique in a run"))
        else:
            first_seen[claim_id] = (file, line)
    problems.extend(conflicting(dict.fromkeys(rule for claim in claims for rule in claim.headers)))
    if problems:
        raise ClaimsError(sorted(problems, key=lambda p: (p.file, p.line or 0)))
    return claims


# PyYAML's words for the mistakes reporters make most, and what to do about each.
_YAML_ADVICE = (
    ("cannot start any token", "a tab or a stray character: indent with spaces only, and put text that starts "
                               "with @, ` or % in quotes"),
    ("mapping values are not allowed here", "a ': ' inside a value: put the text in quotes "
                                            "(claim: \"Smart City: a priority\")"),
    ("could not find expected ':'", "a key without its ':' (write '- live: https://…'), or text that needs quotes"),
    ("expected <block end>", "the indentation does not line up with the lines above: align this key with its "
                             "siblings (spaces only), or put text holding quotes in single quotes"),
    ("found unexpected end of stream", "a quote that is never closed"),
)


def _yaml_advice(problem: str) -> str:
    for words, advice in _YAML_ADVICE:
        if words in problem:
            return f"{advice} (YAML says: {problem})"
    return problem


def _load_file(path: Path, problems: list[Problem], ids: list[tuple[str, str, int]]) -> list[Claim]:
    name = str(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)  # never more, whatever the file claims its size is
        if len(data) > MAX_FILE_BYTES:
            problems.append(Problem(name, None, None, f"the file is larger than {MAX_FILE_BYTES // 1_000_000} MB; "
                                                      "split its claims into several files"))
            return []
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(name, None, None, f"not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8"))
        return []
    except OSError as exc:
        problems.append(Problem(name, None, None, f"cannot read: {exc.strerror}"))
        return []
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except RefusedYAML as exc:
        problems.append(Problem(name, exc.problem_mark.line + 1, None, str(exc.problem)))
        return []
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problems.append(Problem(name, line, None, f"YAML syntax error: {_yaml_advice(exc.problem or exc.context or '')}"))
        return []
    except yaml.YAMLError as exc:
        problems.append(Problem(name, None, None, f"YAML error: {exc}"))
        return []
    finally:
        loader.dispose()
    claims = _FileValidator(name, problems, ids).validate(data)
    for bad in loader.impossible_dates:
        if not bad.reported:  # not in a date field (those say it in their own words): text or a slip?
            problems.append(Problem(name, bad.line, None, f"'{_shown(str(bad))[1:-1]}' cannot be read as a date "
                                                          f"({bad.why}); put it in quotes if it is text"))
    return claims


class _FileValidator:
    """Turns one file's YAML data into Claims, appending a Problem for everything wrong."""

    def __init__(self, name: str, problems: list[Problem], ids: list[tuple[str, str, int]]):
        self.name = name
        self.problems = problems
        self.ids = ids
        self.allow_private = False
        self.headers: tuple[HeaderRule, ...] = ()

    def problem(self, line: int | None, claim_id: str | None, message: str) -> None:
        self.problems.append(Problem(self.name, line, claim_id, message))

    def validate(self, data: Any) -> list[Claim]:
        if data is None:
            self.problem(1, None, "the file is empty; expected a 'claims:' list")
            return []
        if not isinstance(data, _Map):
            self.problem(getattr(data, "line", 1), None, "the top level must be a mapping with a 'claims:' list")
            return []
        self._duplicates(data, None)
        for key in data:
            if key not in ("defaults", "claims"):
                self.problem(data.key_lines[key], None, f"unknown top-level key '{_name(key)}'; expected 'defaults' or 'claims'")
        timeout = self._defaults(data.get("defaults"), data.key_lines.get("defaults"))
        if "claims" not in data:
            self.problem(data.line, None, "missing 'claims:' (a list of claims)")
            return []
        items = data["claims"]
        if not isinstance(items, _Seq):
            self.problem(data.key_lines["claims"], None, "'claims' must be a list of claims (each starting with '- id:')")
            return []
        if not items:
            self.problem(data.key_lines["claims"], None, "'claims' is empty")
        claims = []
        for item, line in zip(items, items.item_lines, strict=True):
            claim = self._claim(item, line, timeout)
            if claim is not None:
                claims.append(claim)
        return claims

    def _duplicates(self, mapping: _Map, claim_id: str | None) -> None:
        for key, line in mapping.duplicates:
            self.problem(line, claim_id, f"key '{_name(key)}' appears twice in the same mapping")

    def _defaults(self, defaults: Any, line: int | None) -> float:
        if defaults is None:
            return DEFAULT_TIMEOUT
        if not isinstance(defaults, _Map):
            self.problem(line, None, "'defaults' must be a mapping (e.g. 'timeout: 20')")
            return DEFAULT_TIMEOUT
        self._duplicates(defaults, None)
        for key in defaults:
            if key not in _DEFAULT_KEYS:
                self.problem(defaults.key_lines[key], None,
                             f"unknown key '{_name(key)}' in defaults; allowed: {', '.join(sorted(_DEFAULT_KEYS))}")
        self.allow_private = Fields(defaults, defaults.line, None, self.problem).flag("allow_private", False)
        if "headers" in defaults:
            self.headers = tuple(header_rules(defaults["headers"], self.name, defaults.key_lines["headers"],
                                              lambda line, message: self.problem(line, None, message)))
        return self._timeout(defaults, None, DEFAULT_TIMEOUT)

    def _timeout(self, mapping: _Map, claim_id: str | None, default: float) -> float:
        if "timeout" not in mapping:
            return default
        value = mapping["timeout"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 600:
            self.problem(mapping.key_lines["timeout"], claim_id,
                         f"'timeout' must be a number of seconds between 0 and 600, not {_shown(value)}")
            return default
        return float(value)

    def _claim(self, item: Any, line: int, default_timeout: float) -> Claim | None:
        if not isinstance(item, _Map):
            self.problem(line, None, "each claim must be a mapping starting with 'id:'")
            return None
        before = len(self.problems)
        claim_id = item.get("id")
        cid = None if claim_id is None else _name(claim_id)  # named in messages even when malformed
        if claim_id is None:
            self.problem(item.line, None, "missing 'id' (letters, digits, '-', '_', '.')")
        elif not isinstance(claim_id, str):  # YAML read `id: 2023` as a number, `id: 2023-06-15` as a date
            self.problem(item.key_lines["id"], cid, f"id {_shown(claim_id)} must be text: put it in quotes, id: '{cid}'")
        elif not _ID_RE.fullmatch(claim_id):
            self.problem(item.key_lines["id"], cid,
                         f"id {_shown(claim_id)} must be letters, digits, '-', '_' or '.' (starting with a letter or digit)")
        elif len(claim_id) > MAX_ID:
            self.problem(item.key_lines["id"], cid, f"the id is {len(claim_id):,} characters long; at most {MAX_ID}")
        else:
            self.ids.append((claim_id, self.name, item.line))
        self._duplicates(item, cid)
        for key in item:
            if key not in _CLAIM_KEYS:
                self.problem(item.key_lines[key], cid,
                             f"unknown key '{_name(key)}'; allowed: {', '.join(sorted(_CLAIM_KEYS))}")
        text = item.get("claim")
        if not isinstance(text, str) or not text.strip():
            self.problem(item.key_lines.get("claim", item.line), cid, "'claim' is required: the statement being checked")
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
            self.problem(item.key_lines["expect"], cid, f"'expect' must be one of {', '.join(VERDICTS)}, not {_shown(expect)}")
            expect = None
        timeout = self._timeout(item, cid, default_timeout)
        checks = self._checks(item, cid, timeout)
        if len(self.problems) > before:
            return None
        return Claim(id=cid, claim=text.strip(), file=self.name, line=item.line, checks=checks, said_by=said_by,
                     said_by_type=said_by_type, said_on=said_on, sources=sources, tags=tags, expect=expect,
                     review_url=review_url.strip() if review_url else None,
                     allow_private=self.allow_private, headers=self.headers)

    def _said_by(self, item: _Map, cid: str | None) -> tuple[str | None, str | None]:
        """`said_by: "name"`, or `said_by: {name: …, type: person|organization}`: (name, type or None)."""
        value = item.get("said_by")
        if not isinstance(value, _Map):
            name = self._optional_str(item, "said_by", cid)
            return (name.strip() or None) if name is not None else None, None
        self._duplicates(value, cid)
        for key in value:
            if key not in _SAID_BY_KEYS:
                self.problem(value.key_lines[key], cid, f"unknown key '{_name(key)}' in 'said_by'; allowed: "
                                                        f"{', '.join(sorted(_SAID_BY_KEYS))}")
        name = value.get("name")
        if not isinstance(name, str) or not name.strip():
            self.problem(value.key_lines.get("name", value.line), cid,
                         "'said_by' needs 'name': who said it, e.g. said_by: {name: Helldy Agustian, type: person}")
            name = None
        kind = value.get("type")
        if kind is not None:
            kind = SAID_BY_TYPES.get(kind.strip().lower()) if isinstance(kind, str) else None
            if kind is None:
                self.problem(value.key_lines["type"], cid, f"'said_by' type must be person or organization, "
                                                           f"not {_shown(value['type'])}")
        return (name.strip() if name else None), kind

    def _optional_str(self, item: _Map, key: str, cid: str | None) -> str | None:
        value = item.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.problem(item.key_lines[key], cid, f"'{key}' must be text, not {_shown(value)}")
            return None
        return value

    def _str_list(self, item: _Map, key: str, cid: str | None, urls: bool = False) -> list[str]:
        value = item.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            value = _Seq([value])
            value.item_lines = [item.key_lines[key]]
        if not isinstance(value, _Seq):
            self.problem(item.key_lines[key], cid, f"'{key}' must be a list")
            return []
        out = []
        for entry, line in zip(value, value.item_lines, strict=True):
            if not isinstance(entry, str) or not entry.strip():
                self.problem(line, cid, f"each entry of '{key}' must be text, not {_shown(entry)}")
            elif urls and (msg := url_problem(entry)):
                self.problem(line, cid, f"'{key}': {msg}")
            else:
                out.append(entry.strip())
        return out

    def _checks(self, item: _Map, cid: str | None, timeout: float) -> list[Check]:
        if "checks" not in item:
            self.problem(item.line, cid, "missing 'checks': at least one check (live, dead, status, contains, quote)")
            return []
        items = item["checks"]
        if not isinstance(items, _Seq) or not items:
            self.problem(item.key_lines["checks"], cid,
                         "'checks' must be a non-empty list, e.g. '- live: https://example.go.id/'")
            return []
        out = []
        for entry, line in zip(items, items.item_lines, strict=True):
            check = self._check(entry, line, cid, timeout)
            if check is not None:
                out.append(check)
        return out

    def _check(self, entry: Any, line: int, cid: str | None, timeout: float) -> Check | None:
        if not isinstance(entry, _Map) or len(entry) != 1:
            self.problem(line, cid, "each check is one kind and its URL, e.g. '- live: https://example.go.id/' "
                                    f"(kinds: {', '.join(kinds.names())})")
            return None
        name, value = next(iter(entry.items()))
        kind = kinds.get(name) if isinstance(name, str) else None
        if kind is None:
            self.problem(line, cid, f"unknown check kind '{_name(name)}'; kinds: {', '.join(kinds.names())}")
            return None
        if isinstance(value, str):
            if not kind.short_form:
                self.problem(line, cid, f"'{kind.name}' needs more than a URL: write it as {kind.example}")
                return None
            if msg := url_problem(value):
                self.problem(line, cid, f"{kind.name}: {msg}")
                return None
            return Check(kind.name, value.strip(), line, timeout, options=kind.options())
        if value is None:
            self.problem(line, cid, f"'{kind.name}' is empty: give it a URL, e.g. {kind.example}")
            return None
        if not isinstance(value, _Map):
            self.problem(line, cid, f"'{kind.name}' must be a URL or a mapping, e.g. {kind.example}")
            return None
        return self._long_check(kind, value, line, cid, timeout)

    def _long_check(self, kind: kinds.CheckKind, opts: _Map, line: int, cid: str | None,
                    timeout: float) -> Check | None:
        """The check's url and timeout, then its kind's own options, read by the kind (kinds/)."""
        before = len(self.problems)
        self._duplicates(opts, cid)
        allowed = set(kind.option_keys) | _CHECK_KEYS
        for key in opts:
            if key not in allowed:
                self.problem(opts.key_lines[key], cid, f"unknown option '{_name(key)}' for '{kind.name}'; "
                                                       f"allowed: {', '.join(sorted(allowed))}")
        url = opts.get("url")
        if url is None:
            self.problem(line, cid, f"'{kind.name}' needs a 'url'")
        elif not isinstance(url, str) or (msg := url_problem(url)):
            self.problem(opts.key_lines["url"], cid,
                         f"{kind.name}: {msg if isinstance(url, str) else 'url must be text'}")
        timeout = self._timeout(opts, cid, timeout)
        options = kind.parse(Fields(opts, line, cid, self.problem))
        check = Check(kind.name, str(url or "").strip(), line, timeout, options=options)
        return check if len(self.problems) == before else None
def url_problem(url: str) -> str | None:
    """Why `url` cannot be checked, or None when it is a usable http(s) URL."""
    url = url.strip()
    if len(url) > MAX_URL:
        return f"a URL of {len(url):,} characters ({_shown(url)}); at most {MAX_URL:,}"
    if has_userinfo(url):  # said before anything else, and never with the password in it
        return userinfo_problem(url)
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return f"'{url}' is not a valid URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return f"'{url}' is not an http(s) URL; write it with http:// or https://"
    if not parts.hostname:
        return f"'{url}' has no host name"
    from civicheck.hosts import mixed_script_problem

    if problem := mixed_script_problem(parts.hostname):
        return problem
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        return f"'{url}' has an invalid port; a port is a number from 1 to 65535"
    if any(ch.isspace() for ch in url):
        return f"'{url}' contains spaces; encode them as %20"
    return None
