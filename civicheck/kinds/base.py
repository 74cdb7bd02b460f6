"""What a check kind is: its name, its options (read from a claims file with file:line problems), its short form,
what it needs fetched and read beyond its own URL, and how it judges a check (an Outcome with evidence).

Declaring a kind is cheap (lint loads every kind); judging imports what it needs when a run judges.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from civicheck.checks import Context, Outcome
    from civicheck.claims import Check, Fields


class CheckKind:
    """One kind of check (live, quote, links...). Subclasses set the class attributes and write parse() and
    evaluate(); a module registers its kinds with register_kinds(register) (see kinds/__init__.py)."""

    name: ClassVar[str]
    # The options a check of this kind holds (a frozen dataclass); its defaults are what the short form means.
    options: ClassVar[type]
    # The option keys a claims file may give beside `url` and `timeout` (every check has those two).
    option_keys: ClassVar[tuple[str, ...]] = ()
    # `live: URL` is `live: {url: URL}`; kinds that need more than a URL say so when written short.
    short_form: ClassVar[bool] = False
    # The long form, as problems show it: 'status: {url: https://example.go.id/, code: 404}'.
    example: ClassVar[str]
    # Does it judge the content of the page it cites (so that page's soft-404 signals stay on, whatever
    # another check's `soft404: false` says)? live and dead judge only whether the page is there.
    reads_page: ClassVar[bool] = True
    # Does it read the page's text when judged (so the run keeps that page's extracted Document until then)?
    keeps_text: ClassVar[bool] = False
    # Does it read the links of the page it cites (an audit)? A page no such check cites is read without them
    # (a tenth of reading a page), unless a soft-404 probe is compared with it (probing.Probes.may_compare).
    reads_links: ClassVar[bool] = True
    # Is a check of this kind judged from what search() works out of its page as the page arrives, the page's
    # assessment and its evidence digest (kinds/sources.py SearchedDocument), and does it name the pages whose
    # liveness it decides before anything is read? When every check of a run is, each page needing no probe is
    # assessed and searched as it arrives and its text let go: memory does not grow with the pages' text.
    searches_early: ClassVar[bool] = False

    def parse(self, fields: Fields) -> Any:
        """This kind's options object from the options the claims file gives (`fields`: the check's mapping
        with line numbers); every mistake is a problem recorded through `fields`, at its line."""
        return self.options()

    def with_defaults(self, options: Any, defaults: dict[str, Any]) -> Any:
        """The options with what the claims file's `defaults` give this kind's checks (read and checked by the
        validator: `exclude` for links checks); by default unchanged."""
        return options

    def spec(self, options: Any) -> dict[str, Any]:
        """The options as the reporter wrote them, for reports (beside `kind` and `url`; history and diff
        match checks between runs on it): by default every option."""
        return asdict(options)

    def selectors(self, check: Check) -> Iterable[str]:
        """CSS selectors whose links are collected when the cited page is read (in one parse)."""
        return ()

    def follow(self, check: Check, ctx: Context) -> list[str]:
        """URLs to fetch once the cited pages are in and read (the links a `links` check audits)."""
        return []

    def liveness(self, check: Check, ctx: Context) -> list[tuple[str, bool]]:
        """The pages whose liveness this check decides, each with whether soft-404 signals count for it: they
        are assessed and get a soft-404 probe (a random sibling URL)."""
        return []

    def search(self, check: Check, document: Any) -> Any:
        """What judging the check will need of the page's text (searches_early kinds), worked out as the
        page arrives: evaluate() finds it again through the Context. Runs on a reading or fetch thread."""
        return None

    def evaluate(self, check: Check, ctx: Context) -> Outcome:
        """The check's outcome, with the evidence that decided it."""
        raise NotImplementedError
