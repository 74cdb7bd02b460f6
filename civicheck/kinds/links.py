"""`links: {url, ...}`: the portal audit. At most `max_broken` of the page's links are broken, each checked like
`live`; `select` and `same_site` narrow which links, `max_links` caps how many (a run is not a crawl)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from civicheck.kinds.base import CheckKind

if TYPE_CHECKING:
    from civicheck.checks import Context, Outcome
    from civicheck.claims import Check, Fields
    from civicheck.extract import Link
    from civicheck.kinds import Register

DEFAULT_MAX_LINKS = 200
MAX_LINKS_CAP = 10_000  # `max_links`: beyond this a portal audit is a crawl


@dataclass(frozen=True)
class LinksOptions:
    soft404: bool = True  # look past each link's status code for "not found" pages
    select: str | None = None  # a CSS selector limiting which links are audited
    same_site: bool = False  # only links to the page's own site (its host and subdomains)
    max_broken: int = 0
    max_links: int = DEFAULT_MAX_LINKS  # a cap, so one huge page cannot turn a run into a crawl


class Links(CheckKind):
    name = "links"
    options = LinksOptions
    option_keys = ("soft404", "select", "same_site", "max_broken", "max_links")
    short_form = True
    example = "'links: {url: https://portal.example.go.id/, select: \"#dinas a\", max_broken: 0}'"

    def parse(self, fields: Fields) -> LinksOptions:
        select = _selector(fields)
        same_site = fields.flag("same_site", False)
        max_broken = fields.count("max_broken", 0, 0)
        max_links = fields.count("max_links", DEFAULT_MAX_LINKS, 1, most=MAX_LINKS_CAP)
        return LinksOptions(fields.flag("soft404", True), select, same_site, max_broken, max_links)

    def spec(self, options: LinksOptions) -> dict[str, Any]:
        out: dict[str, Any] = {} if options.soft404 else {"soft404": False}
        out.update({"same_site": options.same_site, "max_broken": options.max_broken, "max_links": options.max_links})
        if options.select:
            out["select"] = options.select
        return out

    def selectors(self, check: Check) -> Iterable[str]:
        return [check.options.select] if check.options.select else []

    def follow(self, check: Check, ctx: Context) -> list[str]:
        return [link.url for link in _targets_or_none(check, ctx)]

    def liveness(self, check: Check, ctx: Context) -> list[tuple[str, bool]]:
        return [(link.url, check.options.soft404) for link in _targets_or_none(check, ctx)]

    def evaluate(self, check: Check, ctx: Context) -> Outcome:
        from civicheck.checks import Outcome, reachability, reachability_evidence, stand_in, unavailable
        from civicheck.errors import PageUnreadable
        from civicheck.report import FAIL, PASS, UNKNOWN

        o = check.options
        result = ctx.result(check.url)
        evidence = reachability_evidence(result, ctx, o.soft404)
        if not result.has_document or stand_in(result, ctx):  # a challenge page's links are not the portal's
            return Outcome(check, UNKNOWN, f"source unavailable: {unavailable(result, ctx)}", evidence)
        targets, found = _audited(check, ctx)
        if not targets:
            where = f" matching '{o.select}'" if o.select else ""
            return Outcome(check, UNKNOWN, f"no links found on the page{where} (a page built by JavaScript shows "
                                           "none to civicheck)", evidence)
        broken, unsure = [], []
        for link in targets:
            target = ctx.result(link.url)
            try:
                outcome, reason = reachability(target, ctx, o.soft404)
            except PageUnreadable as exc:  # one unreadable linked page leaves that link unchecked, not the audit
                outcome, reason = UNKNOWN, str(exc)
            label = link.text or link.url
            assessment = ctx.assessments.get(link.url)  # none for a page that could not be read
            signals = list(assessment.signals) if o.soft404 and assessment is not None and assessment.soft404 else []
            evidence.links.append({"url": link.url, "text": link.text, "outcome": outcome, "reason": reason,
                                   "status": target.status, "error": target.error.value if target.error else None,
                                   "soft404": signals, "snapshots": list(ctx.snapshots(link.url))})
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
        if len(broken) > o.max_broken:
            return Outcome(check, FAIL, f"{len(broken)} of {n} {what} broken: " + "; ".join(broken), evidence)
        if unsure and len(broken) + len(unsure) > o.max_broken:
            return Outcome(check, UNKNOWN, f"{len(unsure)} of {n} {what} could not be checked: "
                                           + "; ".join(unsure), evidence)
        # Links that could not be checked (offline, a bot wall) are named even when they cannot change the outcome.
        unchecked = f"; {len(unsure)} could not be checked: " + "; ".join(unsure) if unsure else ""
        if broken:
            return Outcome(check, PASS, f"{len(broken)} of {n} {what} broken, within the {o.max_broken} allowed: "
                                        + "; ".join(broken) + unchecked, evidence)
        if unsure:
            return Outcome(check, PASS, f"{n - len(unsure)} of {n} {what} work, within the {o.max_broken} "
                                        f"broken allowed{unchecked}", evidence)
        return Outcome(check, PASS, f"all {n} {what} work", evidence)


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


def _audited(check: Check, ctx: Context) -> tuple[list[Link], int]:
    """(the links audited, how many the page has that the check could audit: more when over max_links)."""
    o = check.options
    key = ("links", check.url, o.select, o.same_site, o.max_links)
    if key not in ctx.cache:
        found = _link_targets(check, ctx)
        ctx.cache[key] = (found[: o.max_links], len(found))
    return ctx.cache[key]


def _link_targets(check: Check, ctx: Context) -> list[Link]:
    from civicheck.extract import links_in, site_of

    select = check.options.select
    result = ctx.result(check.url)
    if not result.has_document or ctx.document(check.url).kind != "html":
        return []
    document = ctx.document(check.url)
    if select in document.selected_links:  # collected when the page was read, in one parse
        links = document.selected_links[select]
    elif select:
        links = links_in(result, select)
    else:
        links = document.links
    if check.options.same_site:
        site = site_of(result.final_url)
        links = [link for link in links if site_of(link.url) == site or site_of(link.url).endswith("." + site)]
    return links


def _selector(fields: Fields) -> str | None:
    value = fields.get("select")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        fields.problem("'select' must be a CSS selector, e.g. \"nav a\" or \"#dinas\"", "select")
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
