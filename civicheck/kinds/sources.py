"""A text check's source: the live page, or its last good archived copy when it cannot be fetched, searched in
the check's scope. What contains, quote and published share when they judge.

A page cited only by text checks is searched as it arrives (EarlySearches) and kept as a SearchedDocument,
its evidence digest without its text: a run's memory grows with its checks' outcomes, not its pages' text.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping
from typing import TYPE_CHECKING, Any

from civicheck.checks import NO_TEXT, Context, Evidence, Hit, Outcome, stand_in, unavailable
from civicheck.extract import MOJIBAKE_NOTE, Document
from civicheck.reading import Reading
from civicheck.report import FAIL, PASS, UNKNOWN

if TYPE_CHECKING:
    from civicheck.claims import Check, Claim
    from civicheck.fetch import FetchResult


@dataclasses.dataclass
class SearchedDocument(Document):
    """A page once the checks citing it have searched it: what their evidence still reads (digest, dates,
    notes, whether it shows any text, the text itself only where the run keeps it), without its passages and
    links. Its checks' searches are in the Context (Context.searched)."""

    shows_text: bool = True
    text_kept: bool = True  # False: `text` is empty, the run does not record it


# Where a Document keeps the searches made of it (search_once()), beside its cached passages: the history stores
# them with the page's reading, so that a page unchanged on the next night is not searched again.
SEARCHES = "_searches"


def searches_of(doc: Document) -> dict[str, Any]:
    """The searches made of this document: document_search_key -> (what the search found, its scope note)."""
    found: dict[str, Any] = doc.__dict__.setdefault(SEARCHES, {})
    return found


def document_search_key(check: Check) -> str:
    """What a search of a page depends on besides the page: the check's kind and options (not its URL)."""
    return f"{check.kind}\0{check.options!r}"


def search_once(check: Check, doc: Document, search: Callable[[Any, Any], Any]) -> tuple[Any, str | None]:
    """search_in_scope(), made once per document for checks asking the same of it: on a reading stored in the
    history, the searches of the night it was stored come back with it (history/revisits.py), and a page
    unchanged since is not tokenised again. A search that raises is not kept (it raises again)."""
    made = searches_of(doc)
    key = document_search_key(check)
    if key not in made:
        made[key] = search_in_scope(check, doc, search)
    found: tuple[Any, str | None] = made[key]
    return found


def searched_document(doc: Document, keep_text: bool) -> SearchedDocument:
    """`doc` without what its checks searched. `keep_text`: the run records the text (history diffs it between
    runs), so it is kept as one string; otherwise the evidence names only its digest."""
    fields = {f.name: getattr(doc, f.name) for f in dataclasses.fields(Document)}
    let_go: dict[str, Any] = dict(
        page_blocks=[], article_paragraphs=[], links=[], pdf_pages=[], selected_links={}
    )
    searched = SearchedDocument(
        **{**fields, **let_go}, shows_text=bool(doc.text.strip()), text_kept=keep_text
    )
    # Worked out of the passages now let go (cached properties: set once, as Document would).
    searched.__dict__["text_sha256"] = doc.text_sha256
    searched.__dict__["text"] = doc.text if keep_text else ""
    searched.__dict__[SEARCHES] = searches_of(doc)  # stored with the page's reading in the history
    return searched


def search_key(check: Check) -> Hashable:
    """Checks asking the same of the same page share one search."""
    return (check.kind, check.url, repr(check.options))  # options may hold lists (a claims file's)


class EarlySearches:
    """Judges what it can of each page as soon as it is read (the Recorder's on_read: on the reading thread that
    read it, or the fetch thread of a reading stored in the history): when every check of the run is of a
    searches_early kind, a page is assessed (soft-404 signals, bot wall) and searched by the text checks citing
    it at once, then kept as a SearchedDocument. A page whose liveness a check decides is assessed with its
    soft-404 probe's answer, once that is read too (expect_probes: the probes sent this run; a page whose
    probe is remembered from an earlier night waits for the end). So the run holds each page's assessment and
    each check's search result, not the text, links and markup of every page until the last one is in. The
    outcomes are the same: the same assessment and the same searches of the same Document, earlier
    (runner._assess assesses the other pages later)."""

    def __init__(self, claims: list[Claim], keep_texts: bool, probed: Mapping[str, bool]):
        """`probed`: the pages whose liveness a check decides (they get a probe), each with whether its
        soft-404 signals count (probing.liveness)."""
        from civicheck.kinds import kind_of

        self.keep_texts = keep_texts
        checks: dict[str, list[Check]] = defaultdict(list)
        everything_early = True
        read: set[str] = set()  # pages whose content a check judges: their signals stay on (runner._assess)
        for claim in claims:
            for check in claim.checks:
                everything_early = everything_early and kind_of(check).searches_early
                checks[check.url].append(check)
                if kind_of(check).reads_page:
                    read.add(check.url)
        # A kind that needs a page read to tell what it audits (links) may yet make any page one with a probe.
        self.checks = dict(checks) if everything_early else {}
        self.probed = dict(probed)
        self.read = read
        self.probe_for: dict[str, str | None] = {}  # probed page -> its probe sent this run (None: no probe)
        self.targets: set[str] = set()  # the probes of those pages
        self.probes: dict[str, FetchResult] = {}  # probe url -> its answer, once read
        self.waiting: dict[str, list[FetchResult]] = defaultdict(list)  # probe url -> pages read before it
        self.results: dict[Hashable, Any] = {}  # search_key -> what kind.search() found (or raised)
        self.assessments: dict[str, Any] = {}  # url -> its soft-404 / bot-wall Assessment
        self.lock = threading.Lock()

    def expect_probes(self, sent: Mapping[str, str], jobs: Mapping[str, float]) -> None:
        """The probes this run fetches (`sent`: probe_key -> probe url, among the fetch `jobs`): each probed
        page whose probe is one of them is judged once that is read too; one that has none (a site root, or
        signals turned off) as it arrives."""
        from civicheck.probing import PROBE_SEED
        from civicheck.soft404 import probe_key, probe_url

        for url in self.probed:
            if url not in self.checks:
                continue
            target = probe_url(url, seed=PROBE_SEED)
            if target is None or not self.probed[url]:
                self.probe_for[url] = None  # a site root, or signals off: no probe is sent or compared
            elif sent.get(probe_key(url)) == target and target in jobs and target not in self.checks:
                self.probe_for[url] = target  # a probe that is itself cited is judged at the end
                self.targets.add(target)

    def __call__(self, result: FetchResult, readings: dict[str, Reading]) -> None:
        url = result.url
        if url in self.checks and url not in self.probed:
            self._judge(result, readings, None, enabled=True)
            return
        if url in self.probe_for:
            target = self.probe_for[url]
            # As runner._assess: a probe counts for a page answering a body, whose signals the check wants.
            if target is None or not self.probed[url] or not result.has_document:
                self._judge(result, readings, None, enabled=self._enabled(url))
                return
            with self.lock:
                probe = self.probes.get(target)
                if probe is None:
                    self.waiting[target].append(result)  # judged when its probe is read
                    return
            self._judge(result, readings, probe, enabled=self._enabled(url))
            return
        if url in self.targets:
            with self.lock:
                self.probes[url] = result
                pages = self.waiting.pop(url, [])
            for page in pages:
                self._judge(page, readings, result, enabled=self._enabled(page.url))

    def _enabled(self, url: str) -> bool:
        """Are a probed page's soft-404 signals on? Off only when every check citing it turned them off."""
        return url in self.read or self.probed[url]

    def _judge(
        self, result: FetchResult, readings: dict[str, Reading], probe: FetchResult | None, enabled: bool
    ) -> None:
        from civicheck.kinds import kind_of
        from civicheck.reading import needs_reading
        from civicheck.soft404 import assess

        checks = self.checks[result.url]
        with self.lock:
            reading = readings.get(result.url)
            probe_reading = readings.get(probe.url) if probe is not None else None
        if reading is None or reading.problem is not None or reading.document is None:
            return  # judged as before: assessed in runner._assess, searched when judged
        probe_page = probe_markup = None
        if probe is not None and needs_reading(probe):
            if probe_reading is None:
                return  # not read here: runner._assess reads it
            if probe_reading.problem is not None or probe_reading.document is None:
                probe = None  # a probe answer that cannot be read proves nothing (as runner._assess)
            else:
                probe_page, probe_markup = probe_reading.document, probe_reading.markup
        doc = reading.document
        try:
            # As runner._assess would, with the same probe answer.
            assessment = assess(
                result,
                doc,
                probe,
                probe_page,
                enabled=enabled,
                markup=reading.markup,
                probe_markup=probe_markup,
            )
        except Exception:  # noqa: BLE001 - runner._assess tries again and makes it the page's problem
            return
        found: dict[Hashable, Any] = {}
        for check in checks:
            key = search_key(check)
            if key not in found:
                try:
                    found[key] = kind_of(check).search(check, doc)
                except Exception as exc:  # noqa: BLE001 - raised again when the check is judged (evaluate)
                    found[key] = exc
        lean = Reading(searched_document(doc, self.keep_texts), None, None)
        with self.lock:
            self.results.update(found)
            self.assessments[result.url] = assessment
            readings[result.url] = lean


def document_or_reason(check: Check, ctx: Context, evidence: Evidence) -> tuple[Document | None, str]:
    """The document a text check reads: the live page, else its last good archived copy (evidence.note says
    so), else None and why."""
    result = ctx.result(check.url)
    assessment = ctx.assessment(check.url)
    if assessment is not None and assessment.soft404:
        evidence.soft404 = list(assessment.signals)
    if result.has_document and not stand_in(result, ctx):
        doc = ctx.document(check.url)
    else:
        why = f"source unavailable: {unavailable(result, ctx)}"
        copy = ctx.archived_copy(check.url)
        if copy is None:
            return None, why
        if not copy.ok:
            return None, f"{why}; {copy.note}"
        # Archived evidence counts: a page that said something when it was captured did say it. The note
        # ("from the archived copy of 2023-05-01 (wayback); the live page answers 404") travels with the reason.
        archived = Evidence.of(copy.result)
        evidence.final_url, evidence.status, evidence.error = copy.replay_url, archived.status, None
        evidence.fetched_at, evidence.sha256, evidence.note = archived.fetched_at, archived.sha256, copy.note
        evidence.snapshots.append(
            {"kind": copy.archive, "url": copy.replay_url, "captured_at": archived.fetched_at}
        )
        doc = ctx.archived_document(check.url, copy.result)
    evidence.text_sha256 = doc.text_sha256
    # A page searched as it arrived keeps its text only when the run records it (EarlySearches.keep_texts).
    evidence.text = doc.text if not isinstance(doc, SearchedDocument) or doc.text_kept else None
    evidence.published, evidence.updated = doc.meta.get("published"), doc.meta.get("updated")
    evidence.published_source = publication_source(doc)
    for note in (doc.cut, MOJIBAKE_NOTE if doc.repaired else None):
        if note:
            evidence.note = f"{evidence.note}; {note}" if evidence.note else note
    shows_text = doc.shows_text if isinstance(doc, SearchedDocument) else bool(doc.text.strip())
    if doc.problem or not shows_text:
        # An empty page would refute every quote and support every `none:`: it says nothing either way.
        if doc.cut and not doc.problem:
            return None, f"no text to check in the part of the page that was read ({doc.cut})"
        return None, f"no text to check: {doc.problem or NO_TEXT}"
    return doc, ""


def hits_of(match_hits: Any) -> list[Hit]:
    return [Hit(h.text, h.label, h.excerpt, tuple(h.mark)) for h in match_hits]


ARTICLE_GAP = "a passage the extractor had left out of the main text"


def search_in_scope(check: Check, doc: Document, search: Callable[[Any, Any], Any]) -> tuple[Any, str | None]:
    """Run a text search in the check's scope. With `scope: article`, what the extractor took for the main
    text can miss a paragraph (one holding a link, a quote box): a search that fails there is tried again on
    the article body as laid out on the page, and a find there is said to be one."""
    passages, article, note = doc.passages(check.options.scope)
    found = search(passages, article)
    if found.passed or check.options.scope != "article" or note is not None:
        return found, note
    span = doc.article_span()
    if span:
        wider = search(span, article)  # labelled by the article's paragraphs around it
        if wider.passed:
            return wider, ARTICLE_GAP
    # Say whether the words are on the page at all: "missing" alone would read as "not on the page".
    page, _, _ = doc.passages("page")
    if search(page, ()).passed:
        return found, "the words are on the page, outside the article text"
    return found, note


def scope_note(note: str | None, reason: str, evidence: Evidence | None = None) -> str:
    notes = [n for n in (note, evidence.note if evidence is not None else None) if n]
    return f"{reason} ({'; '.join(notes)})" if notes else reason


def text_check(
    check: Check,
    ctx: Context,
    search: Callable[[Any, Any], Any],
    shown: Callable[[Any], list[Any]],
    forbids: bool = False,
) -> Outcome:
    """A contains or quote check: read the source (or its last good copy), search it in the check's scope,
    and keep the passages `shown` picks from what the search found as the evidence. `forbids`: the check also
    names words that must not be there (contains' `none`)."""
    evidence = Evidence.of(ctx.result(check.url), ctx)
    doc, why = document_or_reason(check, ctx, evidence)
    if doc is None:
        return Outcome(check, UNKNOWN, why, evidence)
    if isinstance(doc, SearchedDocument):  # searched as it arrived: the same search, done then
        searched = ctx.searched[search_key(check)]
        if isinstance(searched, Exception):
            raise searched
        found, note = searched
    else:
        found, note = search_once(check, doc, search)
    evidence.hits = hits_of(shown(found))
    if doc.cut and not _decided_by_what_was_read(found, forbids):
        # The words may sit in the part of a huge page that was not read (evidence.note says which part was).
        return Outcome(
            check,
            UNKNOWN,
            scope_note(note, f"{found.reason}, in the part of the page that was read", evidence),
            evidence,
        )
    return Outcome(check, PASS if found.passed else FAIL, scope_note(note, found.reason, evidence), evidence)


def _decided_by_what_was_read(found: Any, forbids: bool) -> bool:
    """Does the part of a page that was read decide the check? Finding the words does, unless the check also
    forbids words (they may come later); not finding them does not, unless a forbidden phrase was found."""
    if found.passed:
        return not forbids
    return bool(getattr(found, "forbidden", None))


def publication_source(doc: Document) -> str | None:
    if doc.publication is not None:
        return doc.publication.source
    return "the PDF's creation date" if doc.kind == "pdf" and doc.meta.get("published") else None
