"""Output formats: a registry of every format (name → its module and what it renders, with its options), read
by the command line without importing any renderer; `render` draws a report in one of them.

Each format is a module of this package with `render(report, **options)` (the options it declares below), and
`render_rows` / `render_changes` when it can draw a plain list (timeline, history) or what changed (diff); one
that can hand its text on in pieces as it makes them (a large report never held whole) has `render_chunks`.
Adding a format: a module here, a line in FORMATS, its tests and its README section.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import Any


@dataclass(frozen=True)
class Format:
    name: str
    suffixes: tuple[str, ...] = ()  # the --report FILE extensions that name it
    options: tuple[
        str, ...
    ] = ()  # what its render() takes beside the report: color, width, changes, charts, publishing
    rows: bool = (
        False  # it draws a plain list (timeline, history): render_rows(headers, rows, data=, summary=)
    )
    changes: bool = False  # it draws what changed between two runs (diff): render_changes(changes, old, new)

    def module(self) -> Any:
        """The renderer, imported when first used (some import Jinja2 or tabulate)."""
        return import_module(f"civicheck.render.{self.name}")


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("table", options=("color", "changes", "width"), rows=True, changes=True),
        Format("markdown", (".md", ".markdown"), options=("changes",), rows=True, changes=True),
        Format("json", (".json",), options=("changes",), rows=True, changes=True),
        Format("csv", (".csv",), rows=True),
        Format("claimreview", options=("publishing",)),  # schema.org ClaimReview JSON-LD, one per claim
        Format("html", (".html", ".htm"), options=("changes", "charts")),  # templates/report.html.j2
    )
}
REPORT_FORMATS = tuple(FORMATS)
ROW_FORMATS = tuple(name for name, f in FORMATS.items() if f.rows)
CHANGE_FORMATS = tuple(name for name, f in FORMATS.items() if f.changes)
# What a --report FILE's extension says its format is.
SUFFIXES = {suffix: f.name for f in FORMATS.values() for suffix in f.suffixes}


def render(report: Mapping[str, Any], fmt: str, **options: Any) -> str:
    """The report in format `fmt` as one string (render_chunks' pieces joined; the same options)."""
    return "".join(render_chunks(report, fmt, **options))


def render_chunks(
    report: Mapping[str, Any],
    fmt: str,
    *,
    color: bool = False,
    changes: Any = None,
    publishing: Mapping[str, Any] | None = None,
    charts: Any = None,
    width: int | None = None,
) -> Iterator[str]:
    """The report in format `fmt`, given the options it takes: `color` (table, on a terminal), `width` (table:
    the terminal columns to fit, stacking the claims below what the columns need; None: one wide table), `changes` (what
    changed since the last run), `publishing` (publisher, url template: claimreview), `charts`
    (availability.Chart per URL: html). In pieces that join into it, each made as the one before is written
    where the format can (json: a large report is never held whole as text), else in one piece."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    given = {"color": color, "changes": changes, "charts": charts, "width": width}
    options = {name: given[name] for name in FORMATS[fmt].options if name in given}
    if "publishing" in FORMATS[fmt].options:
        options.update(publishing or {})
    module = FORMATS[fmt].module()
    if hasattr(module, "render_chunks"):
        return module.render_chunks(report, **options)
    return iter((module.render(report, **options),))


def render_rows(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: str,
    data: Any = None,
    summary: str | None = None,
) -> str:
    """A plain list (timeline, history) in format `fmt`: json renders `data` when given (the list's own
    structure), table and markdown add the `summary` line."""
    return FORMATS[fmt].module().render_rows(headers, rows, data=data, summary=summary)


def render_changes(changes: Any, fmt: str, old: Any, new: Any) -> str:
    """What changed between runs `old` and `new` (changes.Changes) in format `fmt`."""
    return FORMATS[fmt].module().render_changes(changes, old, new)
