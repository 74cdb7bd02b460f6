"""What changed between two runs (verdicts, check outcomes, page texts), flap damping and the --fail-on decision.

Pure data, on JSON reports (report.run_to_dict, HistoryStore.run_report), never on in-memory runs; render/changes.py
puts it in words.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from civicheck.errors import UsageProblem
from civicheck.report import FAIL_ON_MODES, REFUTED, expected_verdict, reported_verdict

DEFAULT_CONFIRM = 2
CONTEXT_WORDS = 3  # words shown either side of a change in a content-drift diff
MAX_HUNKS = 5  # changes shown per document; the rest are counted
MAX_SEGMENT_WORDS = 20  # a long removed or added passage is cut after this many words


# --- flap damping -------------------------------------------------------------------------------------------


def damp(
    history: Sequence[str], previously_reported: str | None, confirm: int = DEFAULT_CONFIRM
) -> tuple[str, str | None]:
    """(reported verdict, pending note) for a claim whose raw verdicts were `history` (oldest first, this run last).

    A flaky government site must not flip a published verdict every other night: the reported verdict changes
    only once the new raw verdict has been seen in `confirm` consecutive runs; until then the previous one is
    kept and the note says e.g. "pending: refuted 1/2". A claim never reported before gets its raw verdict.
    """
    if confirm < 1:
        raise UsageProblem(f"--confirm must be 1 or more, not {confirm}")
    if not history:
        raise ValueError("history must include the current run's verdict")
    current = history[-1]
    if previously_reported is None or confirm == 1 or current == previously_reported:
        return current, None
    streak = 0
    for verdict in reversed(history):
        if verdict != current:
            break
        streak += 1
    if streak >= confirm:
        return current, None
    return previously_reported, f"pending: {current} {streak}/{confirm}"


def apply_damping(
    report: dict[str, Any],
    histories: Mapping[str, Sequence[tuple[str, str | None]]],
    confirm: int = DEFAULT_CONFIRM,
) -> dict[str, Any]:
    """A copy of `report` where every claim has `reported_verdict` and `pending` (None when nothing is held back).

    `histories`: claim id → [(raw verdict, reported verdict)] of earlier runs, oldest first, as
    HistoryStore.verdict_histories gives it; read it before recording this run.
    """
    claims = []
    for claim in report["claims"]:
        past = histories.get(claim["id"], [])
        raws = [raw for raw, _ in past] + [claim["verdict"]]
        previously = (past[-1][1] or past[-1][0]) if past else None
        verdict, pending = damp(raws, previously, confirm)
        claims.append({**claim, "reported_verdict": verdict, "pending": pending})
    return {**report, "claims": claims}


# --- diff ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerdictChange:
    claim_id: str
    claim: str
    old: str | None  # reported verdict in the old run (None: the claim is new)
    new: str  # reported verdict now
    old_raw: str | None
    new_raw: str
    pending: str | None
    reason: str | None  # why the new raw verdict is what it is
    # The copies of what decided the verdict in each run (its deciding check's snapshots), so a reader can see both.
    old_snapshots: tuple[dict[str, Any], ...] = ()
    new_snapshots: tuple[dict[str, Any], ...] = ()
    # Where old_snapshots come from when not from the old run: after a change confirmed over several runs, the
    # old run had already seen the new page (its verdict was only held back), so the copy that showed the old
    # verdict is the last run's whose checks said it (HistoryStore.with_old_evidence): its number and time.
    old_evidence_run: int | None = None
    old_evidence_at: str | None = None


@dataclass(frozen=True)
class OutcomeChange:
    claim_id: str
    kind: str
    url: str
    old: str
    new: str
    old_reason: str | None
    new_reason: str | None
    old_snapshots: tuple[dict[str, Any], ...] = ()
    new_snapshots: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Hunk:
    """A stretch of changed words with a little context: segments of ("=" same | "-" removed | "+" added, words)."""

    segments: tuple[tuple[str, str], ...]
    leading: bool  # more text before it
    trailing: bool  # more text after it

    def text(self) -> str:
        """Plain form: "… program [-prioritas-] {+unggulan+} …" (unescaped: renderers escape)."""
        marks = {"=": "{}", "-": "[-{}-]", "+": "{{+{}+}}"}
        body = " ".join(marks[op].format(words) for op, words in self.segments)
        return ("… " if self.leading else "") + body + (" …" if self.trailing else "")


@dataclass(frozen=True)
class Drift:
    """A document that still answers but says something else: its extracted text's digest changed."""

    url: str
    claim_ids: tuple[str, ...]
    old_text_sha256: str
    new_text_sha256: str
    old_fetched_at: str | None
    new_fetched_at: str | None
    old_snapshots: tuple[dict[str, Any], ...] = ()
    new_snapshots: tuple[dict[str, Any], ...] = ()
    hunks: tuple[Hunk, ...] = ()
    more_hunks: int = 0  # changes not shown
    words_removed: int = 0
    words_added: int = 0
    note: str | None = None  # why no words can be shown


@dataclass
class Changes:
    """Everything that differs between an old and a new report, for any renderer."""

    old_started_at: str | None
    new_started_at: str | None
    verdicts: list[VerdictChange] = field(default_factory=list)  # reported verdict changed
    pending: list[VerdictChange] = field(default_factory=list)  # raw verdict changed, held back by damping
    # the raw verdict went back to what is reported: a change seen last run (pending then) that did not hold
    undone: list[VerdictChange] = field(default_factory=list)
    outcomes: list[OutcomeChange] = field(default_factory=list)
    drift: list[Drift] = field(default_factory=list)
    added: list[str] = field(default_factory=list)  # claim ids only in the new report
    removed: list[str] = field(default_factory=list)  # claim ids only in the old report

    @property
    def changed(self) -> int:
        return len(self.verdicts)

    def __bool__(self) -> bool:
        return bool(
            self.verdicts
            or self.pending
            or self.undone
            or self.outcomes
            or self.drift
            or self.added
            or self.removed
        )

    def as_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        for drift, hunks in zip(out["drift"], self.drift, strict=True):
            drift["hunks"] = [h.text() for h in hunks.hunks]
        return out


def diff(
    old_report: dict[str, Any],
    new_report: dict[str, Any],
    *,
    context: int = CONTEXT_WORDS,
    max_hunks: int = MAX_HUNKS,
) -> Changes:
    """What changed from `old_report` to `new_report` (two JSON reports, any two runs)."""
    old_claims = {c["id"]: c for c in old_report["claims"]}
    new_claims = {c["id"]: c for c in new_report["claims"]}
    changes = Changes(old_report.get("started_at"), new_report.get("started_at"))
    changes.added = [cid for cid in new_claims if cid not in old_claims]
    changes.removed = [cid for cid in old_claims if cid not in new_claims]
    for cid, new in new_claims.items():
        old = old_claims.get(cid)
        change = VerdictChange(
            cid,
            new.get("claim") or "",
            reported_verdict(old) if old else None,
            reported_verdict(new),
            old["verdict"] if old else None,
            new["verdict"],
            new.get("pending"),
            new.get("reason"),
            _deciding_snapshots(old) if old else (),
            _deciding_snapshots(new),
        )
        if old is not None and change.old != change.new:
            changes.verdicts.append(change)
        elif new.get("pending"):
            changes.pending.append(change)
        elif old is not None and change.old_raw != change.new_raw:
            changes.undone.append(change)
        if old is not None:
            changes.outcomes.extend(_outcome_changes(cid, old, new))
    changes.drift = _drift(old_report, new_report, context, max_hunks)
    return changes


def _check_key(check: dict[str, Any]) -> str:
    return json.dumps(check.get("spec") or {"kind": check["kind"], "url": check["url"]}, sort_keys=True)


def _outcome_changes(cid: str, old: dict[str, Any], new: dict[str, Any]) -> list[OutcomeChange]:
    # A check is the same check when the reporter wrote the same thing (its spec), wherever it moved in the file;
    # the occurrence count tells apart two identical checks in one claim.
    def keyed(claim: dict[str, Any]) -> dict[tuple[str, int], dict[str, Any]]:
        seen: dict[str, int] = {}
        out = {}
        for check in claim.get("checks", []):
            key = _check_key(check)
            seen[key] = seen.get(key, 0) + 1
            out[(key, seen[key])] = check
        return out

    old_checks = keyed(old)
    changes = []
    for key, n in keyed(new).items():
        o = old_checks.get(key)
        if o is None or o["outcome"] == n["outcome"]:
            continue
        changes.append(
            OutcomeChange(
                cid,
                n["kind"],
                n["url"],
                o["outcome"],
                n["outcome"],
                o.get("reason"),
                n.get("reason"),
                _snapshots(o),
                _snapshots(n),
            )
        )
    return changes


def _snapshots(check: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    return tuple((check.get("evidence") or {}).get("snapshots") or ())


def _deciding_snapshots(claim: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    checks = claim.get("checks") or []
    index = claim.get("deciding") or 0
    return _snapshots(checks[index]) if 0 <= index < len(checks) else ()


def _documents(report: dict[str, Any]) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """url → (evidence, check) of the first text check citing it (every check of a URL shares one fetch)."""
    docs: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for claim in report["claims"]:
        for check in claim.get("checks", []):
            ev = check.get("evidence") or {}
            if ev.get("text_sha256") and check["url"] not in docs:
                docs[check["url"]] = (ev, check)
    return docs


def drift_texts(old_report: dict[str, Any], new_report: dict[str, Any]) -> set[str]:
    """The digests of the earlier texts that diff() compares: those of the pages whose text changed. The
    history gives back only these (HistoryStore.recording), not the text of every page of the last run."""
    new_docs = _documents(new_report)
    return {
        old_ev["text_sha256"]
        for url, (old_ev, _) in _documents(old_report).items()
        if url in new_docs and new_docs[url][0]["text_sha256"] != old_ev["text_sha256"]
    }


def _drift(
    old_report: dict[str, Any], new_report: dict[str, Any], context: int, max_hunks: int
) -> list[Drift]:
    old_docs, new_docs = _documents(old_report), _documents(new_report)
    citing: dict[str, list[str]] = {}
    for claim in new_report["claims"]:
        for check in claim.get("checks", []):
            if claim["id"] not in citing.setdefault(check["url"], []):
                citing[check["url"]].append(claim["id"])
    drifts = []
    for url, (new_ev, new_check) in new_docs.items():
        if url not in old_docs:
            continue
        old_ev, old_check = old_docs[url]
        if old_ev["text_sha256"] == new_ev["text_sha256"]:
            continue
        status = new_ev.get("status")
        if status is not None and status >= 400:
            continue  # not drift: the page is gone, which the check outcomes already say
        base = dict(
            url=url,
            claim_ids=tuple(citing.get(url, ())),
            old_text_sha256=old_ev["text_sha256"],
            new_text_sha256=new_ev["text_sha256"],
            old_fetched_at=old_ev.get("fetched_at"),
            new_fetched_at=new_ev.get("fetched_at"),
            old_snapshots=_snapshots(old_check),
            new_snapshots=_snapshots(new_check),
        )
        old_text, new_text = old_ev.get("text"), new_ev.get("text")
        if not isinstance(old_text, str) or not isinstance(new_text, str):
            missing = "the earlier" if not isinstance(old_text, str) else "this"
            drifts.append(
                Drift(**base, note=f"the text changed, but {missing} run kept no copy of it to compare")
            )
            continue
        hunks, more, removed, added = word_diff(old_text, new_text, context=context, max_hunks=max_hunks)
        note = None if hunks else "only the spacing or line breaks changed"
        drifts.append(
            Drift(
                **base,
                hunks=tuple(hunks),
                more_hunks=more,
                words_removed=removed,
                words_added=added,
                note=note,
            )
        )
    return drifts


# --- word diff ----------------------------------------------------------------------------------------------


def _word_ops(a: list[str], b: list[str]) -> list[tuple[str, str]]:
    # autojunk (ignore very frequent words) keeps huge rewritten regions fast at some cost in minimality.
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=len(a) + len(b) > 4000)
    ops: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            ops += [("=", w) for w in a[i1:i2]]
        else:
            ops += [("-", w) for w in a[i1:i2]] + [("+", w) for w in b[j1:j2]]
    return ops


def _tokens(old: str, new: str) -> list[tuple[str, str]]:
    """The new text as a stream of (op, word): "=" kept, "-" removed, "+" added.

    Lines (the extractor's text blocks) are matched first and words only inside changed blocks: far faster than
    one word-level match over a whole page, and a change stays inside the paragraph it happened in.
    """
    a_lines, b_lines = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(None, a_lines, b_lines, autojunk=False)
    tokens: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        a_words = [w for line in a_lines[i1:i2] for w in line.split()]
        b_words = [w for line in b_lines[j1:j2] for w in line.split()]
        if tag == "equal":
            tokens += [("=", w) for w in a_words]
        else:
            tokens += _word_ops(a_words, b_words)
    return tokens


def _segments(tokens: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    runs: list[tuple[str, list[str]]] = []
    for op, word in tokens:
        if runs and runs[-1][0] == op:
            runs[-1][1].append(word)
        else:
            runs.append((op, [word]))
    out = []
    for op, words in runs:
        text = " ".join(words[:MAX_SEGMENT_WORDS])
        if len(words) > MAX_SEGMENT_WORDS:
            text += f" … ({len(words) - MAX_SEGMENT_WORDS} more words)"
        out.append((op, text))
    return tuple(out)


def word_diff(
    old: str, new: str, *, context: int = CONTEXT_WORDS, max_hunks: int = MAX_HUNKS
) -> tuple[list[Hunk], int, int, int]:
    """(hunks shown, hunks not shown, words removed, words added) between two texts, word by word."""
    tokens = _tokens(old, new)
    changed = [i for i, (op, _) in enumerate(tokens) if op != "="]
    groups: list[list[int]] = []
    for i in changed:
        # Changes closer than twice the context share one hunk rather than repeating the words between them.
        if groups and i - groups[-1][1] <= 2 * context + 1:
            groups[-1][1] = i
        else:
            groups.append([i, i])
    hunks = []
    for lo, hi in groups[:max_hunks]:
        start, end = max(0, lo - context), min(len(tokens), hi + context + 1)
        hunks.append(Hunk(_segments(tokens[start:end]), leading=start > 0, trailing=end < len(tokens)))
    removed = sum(op == "-" for op, _ in tokens)
    added = sum(op == "+" for op, _ in tokens)
    return hunks, max(0, len(groups) - max_hunks), removed, added


# --- the exit decision --------------------------------------------------------------------------------------


def exit_decision(report: dict[str, Any], changes: Changes | None, mode: str = "unexpected") -> bool:
    """Should the run fail (exit 1)? On the reported (damped) verdicts.

    unexpected: a claim is not as expected (its `expect:`, else supported); changed: a reported verdict changed
    since the previous run (never on a first run); refuted: a claim is refuted; never: do not fail.
    """
    if mode == "unexpected":
        return any(reported_verdict(c) != expected_verdict(c) for c in report["claims"])
    if mode == "changed":
        return changes is not None and bool(changes.verdicts)
    if mode == "refuted":
        return any(reported_verdict(c) == REFUTED for c in report["claims"])
    if mode == "never":
        return False
    raise UsageProblem(f"unknown --fail-on mode {mode!r}; choose one of {', '.join(FAIL_ON_MODES)}")
