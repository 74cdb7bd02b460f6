"""Claims files read as YAML with the line of every mapping, key and list item, refusing what only an attack
or a broken generator produces (aliases, deep nesting, huge texts); the helpers that quote a value in a problem.
"""

from __future__ import annotations

import datetime as dt
import re
import reprlib
from typing import Any

import yaml

# Claims files are hostile input too (a contributor's pull request, a generated file): every size is bounded,
# so a file cannot make lint or verify use gigabytes or minutes before a single problem is reported.
MAX_DEPTH = 32  # nesting of mappings and lists: a claims file needs 7; PyYAML's composer recurses per level
MAX_TEXT = 100_000  # characters in any one text of a file
MAX_ID = 200  # characters of a claim id (and of a key or id quoted in a problem)


class YamlMap(dict):
    """A mapping that remembers the line of itself and of each key (1-based)."""

    line = 0
    key_lines: dict[Any, int]
    duplicates: list[tuple[Any, int]]


class YamlList(list):
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


class _Guarded:
    """What both loaders add to PyYAML's safe loading: line numbers and duplicate keys recorded (the
    constructors below), and what only an attack needs refused: anchors and aliases (a "billion laughs" alias
    bomb expands to gigabytes) and nesting deeper than MAX_DEPTH (the composer recurses, so 5,000 levels end
    in a RecursionError). Composing stays PyYAML's own, in Python, so these checks hold with either parser."""

    depth = 0
    impossible_dates: list[ImpossibleDate]
    constructed_objects: dict[Any, Any]  # PyYAML's constructor's, set in its __init__

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[attr-defined]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise RefusedYAML(
                None,
                None,
                "YAML anchors and aliases (&name, *name) are not allowed in a claims "
                "file: write each value out in full",
                event.start_mark,
            )
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise RefusedYAML(
                    None,
                    None,
                    f"nested more than {MAX_DEPTH} levels deep (a claims file needs "
                    "about 7): check the indentation and brackets here",
                    event.start_mark,
                )
            node = super().compose_node(parent, index)  # type: ignore[misc]
            if self.depth == 3 and isinstance(parent, yaml.SequenceNode):
                return self._built(node)
            return node
        finally:
            self.depth -= 1

    def _built(self, node: yaml.Node) -> yaml.Node:
        """An item of a top-level list (a claim) made into its value as soon as it is read, and its nodes let
        go: PyYAML builds a whole file's nodes before any value, and 8,000 claims then held ~40 MB of nodes at
        once (memory a run kept after). What is left in the list is a stand-in with the item's marks, whose
        value is already known (a constructor asks constructed_objects first)."""
        made = self.constructed_objects
        self.constructed_objects = {}  # the item's own nodes, dropped with this dict
        try:
            value = self.construct_object(node, deep=True)
        finally:
            self.constructed_objects = made
        stand_in = yaml.ScalarNode(node.tag, "", node.start_mark, node.end_mark)
        made[stand_in] = value
        return stand_in

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)  # type: ignore[misc]
        except (ValueError, OverflowError) as exc:
            # A value YAML's own rules accept but Python cannot hold: `2023-13-45` looks like a date, a
            # 5,000-digit number exceeds Python's limit for turning text into an int.
            if isinstance(exc, yaml.YAMLError):
                raise
            if node.tag == "tag:yaml.org,2002:timestamp" and isinstance(node, yaml.ScalarNode):
                # An impossible date is a mistake in one field, not in the file: the rest is still read, so
                # every bad date of the file is reported at once, each in the words of its own field.
                bad = ImpossibleDate(node.value)
                bad.line, bad.why = node.start_mark.line + 1, why_not_a_date(exc)
                self.impossible_dates.append(bad)
                return bad
            what = node.tag.rpartition(":")[2]
            what = {"int": "number", "float": "number", "timestamp": "date"}.get(what, what)
            value = shown(node.value) if isinstance(node, yaml.ScalarNode) else "this"
            raise RefusedYAML(
                None,
                None,
                f"{value} cannot be read as a {what} ({first_line(exc).split(';')[0]}); "
                "put it in quotes if it is text",
                node.start_mark,
            ) from None


class Loader(_Guarded, yaml.SafeLoader):
    """PyYAML's safe loader, all in Python: the one whose syntax errors a claims file's problems quote."""

    def __init__(self, stream: Any):
        super().__init__(stream)
        self.impossible_dates = []


FastLoader: type | None = None
if yaml.__with_libyaml__:  # else PyYAML was built without libyaml: the Python parser alone
    from yaml._yaml import CParser

    class _FastLoader(
        _Guarded,
        yaml.composer.Composer,
        CParser,
        yaml.constructor.SafeConstructor,
        yaml.resolver.Resolver,
    ):
        """The same loading with libyaml's scanner and parser (C) under PyYAML's composer: the pure-Python
        scanner took a second for 800 claims. Its syntax errors are worded and placed apart from PyYAML's,
        so a file it refuses is read again with Loader (load_claims_yaml), for PyYAML's words."""

        def __init__(self, stream: Any):
            CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self.impossible_dates = []

    FastLoader = _FastLoader


def _construct_map(loader: Loader, node: yaml.MappingNode) -> YamlMap:
    loader.flatten_mapping(node)
    out = YamlMap()
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


def _construct_seq(loader: Loader, node: yaml.SequenceNode) -> YamlList:
    out = YamlList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Text that is plainly meant as a date (2023-02-30, 2023-13-01T10:00), even when no calendar has it.
DATE_SHAPED = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ]|$)")


def why_not_a_date(exc: Exception) -> str:
    why = first_line(exc).split(";")[0]
    # Python's words for an offset of a day or more quote timedelta reprs; a reporter needs the rule.
    return "a time zone offset must be less than 24 hours" if why.startswith("offset must be") else why


def date_of(text: str) -> dt.date:
    """The date of `text` (2023-06-15, 2023-6-5, 2023-06-15T10:00:00+07:00); ValueError says why it is none."""
    m = DATE_SHAPED.match(text)
    if m is None:
        raise ValueError("a date is written like 2023-01-01")
    day = dt.date(int(m[1]), int(m[2]), int(m[3]))  # "day is out of range for month", in Python's words
    if len(text) > m.end(3):
        rest = text[m.end(3) :]
        dt.datetime.fromisoformat(day.isoformat() + rest)  # the time must be one too: "hour must be in 0..23"
    return day


def _construct_str(loader: Loader, node: yaml.ScalarNode) -> str:
    text = loader.construct_scalar(node)
    if len(text) > MAX_TEXT:
        raise RefusedYAML(
            None,
            None,
            f"a text of {len(text):,} characters; a claims file holds short texts "
            f"(at most {MAX_TEXT:,} characters each)",
            node.start_mark,
        )
    # A "\ud800" escape gives half a UTF-16 pair, not a character: no report, history or terminal could hold it.
    if found := _SURROGATE.search(text):
        raise yaml.constructor.ConstructorError(
            None, None, f"'\\u{ord(found[0]):04x}' is half of a UTF-16 pair, not a character", node.start_mark
        )
    return text


class _ShortRepr(reprlib.Repr):
    """Values quoted in problems stay short: an id or key may be a 10 MB text or a deep structure."""

    def __init__(self) -> None:
        super().__init__()
        self.maxstring = self.maxother = 80
        self.maxlevel, self.maxdict, self.maxlist = 3, 4, 6

    def repr_YamlMap(self, x: dict, level: int) -> str:  # reprlib dispatches on the type's name
        return self.repr_dict(x, level)

    def repr_YamlList(self, x: list, level: int) -> str:
        return self.repr_list(x, level)


shown = _ShortRepr().repr


def named(value: Any) -> str:
    """A key or claim id for a message: as written, cut short when it is long."""
    text = str(value) if isinstance(value, (str, int, float)) else shown(value)
    return text if len(text) <= MAX_ID else text[: MAX_ID - 1] + "…"  # a valid id is never cut


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


for _loader in (Loader, FastLoader):
    if _loader is not None:
        _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)  # type: ignore[attr-defined]
        _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)  # type: ignore[attr-defined]
        _loader.add_constructor("tag:yaml.org,2002:str", _construct_str)  # type: ignore[attr-defined]


def load_claims_yaml(text: str) -> tuple[Any, list[ImpossibleDate]]:
    """The file's data and the impossible dates in it. Raises what PyYAML's Loader raises: RefusedYAML for
    what a claims file may not hold, a MarkedYAMLError for a syntax error (in PyYAML's words and line)."""
    if FastLoader is not None:
        loader = FastLoader(text)
        try:
            return loader.get_single_data(), loader.impossible_dates
        except RefusedYAML:
            raise
        except yaml.YAMLError:
            pass  # read again below, for PyYAML's own words
        finally:
            loader.dispose()
    loader = Loader(text)
    try:
        return loader.get_single_data(), loader.impossible_dates
    finally:
        loader.dispose()
