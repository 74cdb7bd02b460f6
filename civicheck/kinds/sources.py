"""A text check's source: the live page, or its last good archived copy when it cannot be fetched, searched in
the check's scope. What contains, quote and published share when they judge.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from civicheck.checks import NO_TEXT, Context, Evidence, Hit, Outcome, stand_in, unavailable
from civicheck.extract import MOJIBAKE_NOTE, Document
from civicheck.report import FAIL, PASS, UNKNOWN

if TYPE_CHECKING:
    from civicheck.claims import Check


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
    evidence.text = doc.text
    evidence.published, evidence.updated = doc.meta.get("published"), doc.meta.get("updated")
    evidence.published_source = publication_source(doc)
    for note in (doc.cut, MOJIBAKE_NOTE if doc.repaired else None):
        if note:
            evidence.note = f"{evidence.note}; {note}" if evidence.note else note
    if doc.problem or not doc.text.strip():
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
    found, note = search_in_scope(check, doc, search)
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
