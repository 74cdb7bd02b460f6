"""`links: {url, ...}`: the portal audit. At most `max_broken` of the page's links are broken, each checked like
`live`; `select`, `same_site` and `exclude` narrow which links, `resources` adds what the page loads, `max_links`
caps how many (a run is not a crawl). Which elements are links: extract/links.py."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from civicheck.kinds.base import CheckKind

if TYPE_CHECKING:
    from civicheck.checks import Context, Outcome
    from civicheck.claims import Check, Fields
    from civicheck.extract import Link
    from civicheck.fetch import FetchResult
    from civicheck.kinds import Register
    from civicheck.report import Link as LinkEntry
    from civicheck.report import Snapshot

DEFAULT_MAX_LINKS = 200
MAX_LINKS_CAP = 10_000  # `max_links`: beyond this a portal audit is a crawl


@dataclass(frozen=True)
class LinksOptions:
    soft404: bool = True  # look past each link's status code for "not found" pages
    select: str | None = None  # a CSS selector limiting which links are audited
    same_site: bool = False  # only links to the page's own site (its host and subdomains)
    max_broken: int = 0
    max_links: int = DEFAULT_MAX_LINKS  # a cap, so one huge page cannot turn a run into a crawl
    resources: bool = False  # also what the page loads: images, stylesheets, scripts, media
    exclude: tuple[str, ...] = ()  # regular expressions: links whose URL matches one are counted, not fetched


class Links(CheckKind):
    name = "links"
    options = LinksOptions
    option_keys = ("soft404", "select", "same_site", "max_broken", "max_links", "resources", "exclude")
    short_form = True
    example = "'links: {url: https://portal.example.go.id/, select: \"#dinas a\", max_broken: 0}'"

    def parse(self, fields: Fields) -> LinksOptions:
        select = _selector(fields)
        same_site = fields.flag("same_site", False)
        max_broken = fields.count("max_broken", 0, 0)
        max_links = fields.count("max_links", DEFAULT_MAX_LINKS, 1, most=MAX_LINKS_CAP)
        resources = fields.flag("resources", False)
        exclude = exclude_patterns(fields.get("exclude"), lambda message: fields.problem(message, "exclude"))
        return LinksOptions(
            fields.flag("soft404", True), select, same_site, max_broken, max_links, resources, tuple(exclude)
        )

    def with_defaults(self, options: LinksOptions, defaults: dict[str, Any]) -> LinksOptions:
        """The claims file's `defaults: {exclude: [...]}` apply to every links check, before its own."""
        shared = tuple(defaults.get("exclude", ()))
        return replace(options, exclude=shared + options.exclude) if shared else options

    def spec(self, options: LinksOptions) -> dict[str, Any]:
        out: dict[str, Any] = {} if options.soft404 else {"soft404": False}
        out.update(
            {"same_site": options.same_site, "max_broken": options.max_broken, "max_links": options.max_links}
        )
        if options.select:
            out["select"] = options.select
        if options.resources:
            out["resources"] = True
        if options.exclude:
            out["exclude"] = list(options.exclude)
        return out

    def selectors(self, check: Check) -> Iterable[str]:
        from civicheck.extract.page import link_query

        o = check.options
        return [link_query(o.select, o.resources)] if o.select or o.resources else []

    def follow(self, check: Check, ctx: Context) -> list[str]:
        return [link.url for link in _targets_or_none(check, ctx) if link.invalid is None]

    def liveness(self, check: Check, ctx: Context) -> list[tuple[str, bool]]:
        return [
            (link.url, check.options.soft404) for link in _targets_or_none(check, ctx) if link.invalid is None
        ]

    def evaluate(self, check: Check, ctx: Context) -> Outcome:
        from civicheck.checks import Outcome, reachability, reachability_evidence, unavailable
        from civicheck.errors import PageUnreadable
        from civicheck.report import FAIL, PASS, UNKNOWN

        o = check.options
        result = ctx.result(check.url)
        evidence = reachability_evidence(result, ctx, o.soft404)
        if not result.has_document or _stand_in(result, ctx, o.soft404):
            return Outcome(check, UNKNOWN, f"source unavailable: {unavailable(result, ctx)}", evidence)
        targets, found, excluded = _audited(check, ctx)
        evidence.links_excluded = excluded
        where = f" matching '{o.select}'" if o.select else ""
        if not targets and excluded:
            return Outcome(
                check,
                UNKNOWN,
                f"all {excluded} links on the page{where} are excluded by 'exclude': none was checked",
                evidence,
            )
        if not targets:
            return Outcome(
                check,
                UNKNOWN,
                f"no links found on the page{where} (a page built by JavaScript shows none to civicheck)",
                evidence,
            )
        broken, unsure = [], []
        for link in targets:
            label = link.text or link.url
            if link.where:  # an iframe, a form, a PDF page: say where the reader finds it
                label += f" ({link.where})"
            if link.invalid is not None:  # never fetched: no browser could open it either
                evidence.links.append(_link_entry(link, FAIL, link.invalid))
                broken.append(f"{label} → {link.invalid}")
                continue
            target = ctx.result(link.url)
            try:
                outcome, reason = reachability(target, ctx, o.soft404)
            except (
                PageUnreadable
            ) as exc:  # one unreadable linked page leaves that link unchecked, not the audit
                outcome, reason = UNKNOWN, str(exc)
            assessment = ctx.assessments.get(link.url)  # none for a page that could not be read
            signals = (
                list(assessment.signals)
                if o.soft404 and assessment is not None and assessment.soft404
                else []
            )
            evidence.links.append(
                _link_entry(
                    link,
                    outcome,
                    reason,
                    status=target.status,
                    error=target.error.value if target.error else None,
                    soft404=signals,
                    snapshots=list(ctx.snapshots(link.url)),
                )
            )
            if outcome == FAIL and signals and target.has_document and not target.blank:
                # The summary names each broken link in a few words; the evidence above keeps every signal.
                broken.append(f"{label} → a 'not found' page ({signals[0]})")
            elif outcome == FAIL:
                broken.append(f"{label} → {reason}")
            elif outcome == UNKNOWN:
                unsure.append(f"{label} → {reason}")
        n = len(targets)
        what = "link" if n == 1 else "links"
        if found > n:  # a silent cap would read as "the portal was audited": say how much of it was
            what += f" (the first {n} of the {found} on the page: max_links is {o.max_links})"
        if excluded:  # what the audit left out on purpose is said, not hidden
            what += f" ({excluded} more excluded by 'exclude', not checked)"
        if len(broken) > o.max_broken:
            return Outcome(check, FAIL, f"{len(broken)} of {n} {what} broken: " + "; ".join(broken), evidence)
        if unsure and len(broken) + len(unsure) > o.max_broken:
            return Outcome(
                check,
                UNKNOWN,
                f"{len(unsure)} of {n} {what} could not be checked: " + "; ".join(unsure),
                evidence,
            )
        # Links that could not be checked (offline, a bot wall) are named even when they cannot change the outcome.
        unchecked = f"; {len(unsure)} could not be checked: " + "; ".join(unsure) if unsure else ""
        if broken:
            return Outcome(
                check,
                PASS,
                f"{len(broken)} of {n} {what} broken, within the {o.max_broken} allowed: "
                + "; ".join(broken)
                + unchecked,
                evidence,
            )
        if unsure:
            return Outcome(
                check,
                PASS,
                f"{n - len(unsure)} of {n} {what} work, within the {o.max_broken} broken allowed{unchecked}",
                evidence,
            )
        return Outcome(check, PASS, f"all {n} {what} work", evidence)


def _stand_in(result: FetchResult, ctx: Context, soft404: bool) -> str | None:
    """Why the audited page is not the portal itself. A bot wall's challenge page always counts (its links are
    not the portal's); a "not found" judgement only while soft-404 signals are on: `soft404: false` turns it
    off for the audited page as for its links."""
    from civicheck.checks import stand_in

    if soft404:
        return stand_in(result, ctx)
    assessment = ctx.assessment(result.url)
    return assessment.bot_wall if assessment is not None else None


def _link_entry(
    link: Link,
    outcome: str,
    reason: str,
    status: int | None = None,
    error: str | None = None,
    soft404: list[str] | None = None,
    snapshots: list[Snapshot] | None = None,
) -> LinkEntry:
    entry: LinkEntry = {
        "url": link.url,
        "text": link.text,
        "outcome": outcome,
        "reason": reason,
        "status": status,
        "error": error,
        "soft404": soft404 or [],
        "snapshots": snapshots or [],
    }
    if link.element != "a href":
        entry["element"] = link.element
    if link.page is not None:
        entry["page"] = link.page
    return entry


def link_targets(check: Check, ctx: Context) -> list[Link]:
    """The links a `links` check audits. The runner asks for them too, to fetch exactly these: computed once
    (a `select` parses the whole page again, and a portal page may be large)."""
    return _audited(check, ctx)[0]


def _targets_or_none(check: Check, ctx: Context) -> list[Link]:
    """The links audited; none when the page could not be read (the check says so when judged)."""
    from civicheck.errors import PageUnreadable

    try:
        return link_targets(check, ctx)
    except PageUnreadable:
        return []


def _audited(check: Check, ctx: Context) -> tuple[list[Link], int, int]:
    """(the links audited, how many the page has that the check could audit: more when over max_links, how
    many `exclude` left out)."""
    o = check.options
    key = ("links", check.url, o.select, o.same_site, o.max_links, o.resources, o.exclude)
    if key not in ctx.cache:
        links = _link_targets(check, ctx)
        found = [link for link in links if not excluded(link.url, o.exclude)]
        ctx.cache[key] = (found[: o.max_links], len(found), len(links) - len(found))
    return ctx.cache[key]


def _link_targets(check: Check, ctx: Context) -> list[Link]:
    from civicheck.extract import links_in, site_of
    from civicheck.extract.page import link_query

    o = check.options
    result = ctx.result(check.url)
    if not result.has_document:
        return []
    document = ctx.document(check.url)
    if document.kind == "pdf":  # a PDF's links are its link annotations; it has no elements to select
        links = [] if o.select else document.links
    elif document.kind != "html":
        return []
    elif not (o.select or o.resources):
        links = document.links
    elif (query := link_query(o.select, o.resources)) in document.selected_links:  # read with the page
        links = document.selected_links[query]
    else:
        links = links_in(result, o.select, o.resources)
    if o.same_site:
        site = site_of(result.final_url)
        links = [
            link
            for link in links
            if link.invalid is None and (site_of(link.url) == site or site_of(link.url).endswith("." + site))
        ]
    return links


def excluded(url: str, patterns: tuple[str, ...]) -> bool:
    """Does `url` match one of the `exclude` regular expressions (searched anywhere in it, as lychee,
    linkinator and LinkChecker do)?"""
    return any(_compiled(p).search(url) for p in patterns)


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


MAX_EXCLUDE = 200  # patterns: each is tried on every link of the audit


def exclude_patterns(value: Any, problem: Callable[[str], None]) -> list[str]:
    """The `exclude` patterns as written (one regular expression, or a list of them), each compiled once here
    so that a mistake is reported at its line; an empty list for none."""
    from civicheck.claims.yaml_lines import shown

    if value is None:
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        problem(
            f"'exclude' must be a regular expression or a list of them, e.g. exclude: ['^https?://(www\\.)?"
            f"facebook\\.com/', '\\.pdf$'], not {shown(value)}"
        )
        return []
    if len(items) > MAX_EXCLUDE:
        problem(f"'exclude' has {len(items):,} patterns; at most {MAX_EXCLUDE}")
        return []
    out = []
    for item in items:
        if not isinstance(item, str) or not item:
            problem(f"each 'exclude' pattern must be a regular expression (text), not {shown(item)}")
            continue
        try:
            re.compile(item)
        except re.error as exc:
            problem(
                f"'exclude' pattern {shown(item)} is not a valid regular expression ({exc}); "
                "escape '.', '?' and '+' with a backslash to match them as they are"
            )
            continue
        out.append(item)
    return out


def _selector(fields: Fields) -> str | None:
    value = fields.get("select")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        fields.problem('\'select\' must be a CSS selector, e.g. "nav a" or "#dinas"', "select")
        return None
    import soupsieve

    try:
        soupsieve.compile(value)
    except (soupsieve.SelectorSyntaxError, ValueError) as exc:
        fields.problem(f"'select' is not a valid CSS selector: {exc}".splitlines()[0], "select")
        return None
    return value.strip()


def register_kinds(register: Register) -> None:
    register(Links())
