"""Changes between runs: verdicts, outcomes and page words that changed; flap damping; the --fail-on decision."""

from __future__ import annotations

import hashlib
import json

import pytest

from civicheck.changes import (
    Changes,
    apply_damping,
    damp,
    diff,
    drift_texts,
    exit_decision,
    word_diff,
)
from civicheck.errors import UsageProblem
from civicheck.history import HistoryStore
from civicheck.render.changes import render_markdown, render_text
from civicheck.render.common import summary_line

PORTAL = "https://www.cilegon.go.id/"
OLD_TEXT = (
    "Pemerintah Kota Cilegon\nSmart City adalah program prioritas dalam RPJMD 2021-2026 yang dijalankan"
    " oleh Diskominfo.\nLayanan: Disnaker, Disdukcapil, Dinkes.\nBerita terbaru hari ini."
)
NEW_TEXT = OLD_TEXT.replace("program prioritas", "program unggulan")


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def claim(
    cid: str,
    verdict: str,
    *,
    reported: str | None = None,
    pending: str | None = None,
    expect=None,
    text: str | None = OLD_TEXT,
    outcome: str | None = None,
    status: int = 200,
    snap: str = "1",
) -> dict:
    ev = {
        "final_url": PORTAL,
        "redirects": [],
        "status": status,
        "error": None,
        "detail": f"{status}",
        "fetched_at": f"2026-11-2{snap}T02:00:00Z",
        "sha256": "ab" * 32,
        "text_sha256": sha(text) if text is not None else None,
        "excerpt": None,
        "hits": [],
        "snapshots": [
            {
                "kind": "wayback",
                "url": f"https://web.archive.org/web/2026112{snap}/{PORTAL}",
                "captured_at": f"2026-11-2{snap}T02:00:01Z",
            }
        ],
    }
    if text is not None:
        ev["text"] = text
    out = {
        "id": cid,
        "claim": f"Claim {cid}",
        "verdict": verdict,
        "expect": expect,
        "as_expected": None,
        "reason": f"{cid} is {verdict}",
        "file": "claims/x.yaml",
        "line": 1,
        "said_by": None,
        "said_on": None,
        "sources": [],
        "tags": [],
        "checks": [
            {
                "kind": "contains",
                "url": PORTAL,
                "line": 2,
                "spec": {"kind": "contains", "url": PORTAL, "all": ["Smart City"], "scope": "page"},
                "outcome": outcome
                or {"supported": "pass", "refuted": "fail", "unverified": "unknown"}[verdict],
                "reason": f"check said {verdict}",
                "evidence": ev,
            }
        ],
    }
    if reported is not None:
        out.update(reported_verdict=reported, pending=pending)
    return out


def report(*claims: dict, started: str = "2026-11-28T02:00:00Z") -> dict:
    return {
        "schema": 1,
        "civicheck": "0.1.0",
        "started_at": started,
        "finished_at": started,
        "network": None,
        "summary": {},
        "claims": list(claims),
    }


# --- flap damping -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("history", "previous", "confirm", "expected"),
    [
        (["refuted"], None, 2, ("refuted", None)),  # first run ever: raw
        (["supported", "refuted"], "supported", 1, ("refuted", None)),  # confirm=1 reports raw
        (["supported", "refuted"], "supported", 2, ("supported", "pending: refuted 1/2")),
        (["supported", "refuted", "refuted"], "supported", 2, ("refuted", None)),  # confirmed: flips
        (
            ["supported", "refuted", "supported"],
            "supported",
            2,
            ("supported", None),
        ),  # a blip: nothing to report
        (["supported", "refuted", "refuted"], "supported", 3, ("supported", "pending: refuted 2/3")),
        (
            ["refuted", "supported", "refuted"],
            "supported",
            2,
            ("supported", "pending: refuted 1/2"),
        ),  # not consecutive
        (["supported", "refuted", "unverified"], "supported", 2, ("supported", "pending: unverified 1/2")),
    ],
)
def test_damp(history, previous, confirm, expected):
    assert damp(history, previous, confirm) == expected


def test_damp_refuses_a_confirm_below_one():
    with pytest.raises(UsageProblem, match="--confirm"):
        damp(["supported"], None, 0)


def test_damping_over_nightly_runs_recorded_in_the_history(tmp_path):
    # The portal flaps: one bad night must not flip the published verdict; two in a row must.
    nights = ["supported", "supported", "refuted", "supported", "refuted", "refuted", "refuted", "supported"]
    expected = [
        ("supported", None),
        ("supported", None),
        ("supported", "pending: refuted 1/2"),
        ("supported", None),
        ("supported", "pending: refuted 1/2"),
        ("refuted", None),
        ("refuted", None),
        ("refuted", "pending: supported 1/2"),
    ]
    seen = []
    with HistoryStore(tmp_path / "h.sqlite") as store:
        for night, raw in enumerate(nights, 1):
            new = report(claim("portal", raw), started=f"2026-11-{night:02d}T02:00:00Z")
            damped = apply_damping(new, store.verdict_histories(["portal"]), confirm=2)
            store.record_run(damped)
            c = damped["claims"][0]
            seen.append((c["reported_verdict"], c["pending"]))
            assert c["verdict"] == raw  # the raw verdict is kept beside the reported one
        assert [s.reported_verdict for s in store.claim_history("portal")] == [r for r, _ in expected]
    assert seen == expected


def test_apply_damping_leaves_the_input_report_alone():
    new = report(claim("a", "refuted"))
    damped = apply_damping(new, {"a": [("supported", "supported")]})
    assert "reported_verdict" not in new["claims"][0]
    assert (damped["claims"][0]["reported_verdict"], damped["claims"][0]["pending"]) == (
        "supported",
        "pending: refuted 1/2",
    )


# --- diff ---------------------------------------------------------------------------------------------------


def test_diff_finds_verdict_outcome_and_membership_changes():
    old = report(
        claim("flipped", "supported", reported="supported"),
        claim("held", "supported", reported="supported"),
        claim("same", "refuted", reported="refuted"),
        claim("dropped", "supported"),
        started="2026-11-27T02:00:00Z",
    )
    new = report(
        claim("flipped", "refuted", reported="refuted", snap="2"),
        claim("held", "refuted", reported="supported", pending="pending: refuted 1/2", snap="2"),
        claim("same", "refuted", reported="refuted", snap="2"),
        claim("fresh", "supported", snap="2"),
    )
    changes = diff(old, new)
    assert [(v.claim_id, v.old, v.new, v.old_raw, v.new_raw) for v in changes.verdicts] == [
        ("flipped", "supported", "refuted", "supported", "refuted")
    ]
    assert [(v.claim_id, v.new, v.new_raw, v.pending) for v in changes.pending] == [
        ("held", "supported", "refuted", "pending: refuted 1/2")
    ]
    assert changes.added == ["fresh"] and changes.removed == ["dropped"]
    assert [(o.claim_id, o.old, o.new) for o in changes.outcomes] == [
        ("flipped", "pass", "fail"),
        ("held", "pass", "fail"),
    ]
    outcome = changes.outcomes[0]
    assert outcome.old_snapshots[0]["url"].startswith("https://web.archive.org/web/20261121/")
    assert outcome.new_snapshots[0]["url"].startswith("https://web.archive.org/web/20261122/")
    assert changes.changed == 1 and changes.drift == []  # same text on both nights
    assert json.loads(json.dumps(changes.as_dict()))["verdicts"][0]["claim_id"] == "flipped"


def test_a_check_rewritten_by_the_reporter_is_not_an_outcome_change():
    old = report(claim("a", "supported"))
    new = report(claim("a", "refuted"))
    new["claims"][0]["checks"][0]["spec"]["all"] = ["Smart Village"]
    assert diff(old, new).outcomes == []


def test_content_drift_shows_the_changed_words_with_context_and_both_copies():
    old = report(claim("smart-city", "supported"), claim("other", "supported"))
    new = report(
        claim("smart-city", "supported", text=NEW_TEXT, snap="2"),
        claim("other", "supported", text=NEW_TEXT, snap="2"),
    )
    changes = diff(old, new)
    assert changes.verdicts == [] and changes.outcomes == []
    [drift] = changes.drift  # one document, however many claims cite it
    assert drift.url == PORTAL and drift.claim_ids == ("smart-city", "other")
    assert (drift.old_text_sha256, drift.new_text_sha256) == (sha(OLD_TEXT), sha(NEW_TEXT))
    assert [h.text() for h in drift.hunks] == [
        "… City adalah program [-prioritas-] {+unggulan+} dalam RPJMD 2021-2026 …"
    ]
    assert (drift.words_removed, drift.words_added, drift.more_hunks) == (1, 1, 0)
    assert drift.old_snapshots[0]["captured_at"] == "2026-11-21T02:00:01Z"
    assert drift.new_snapshots[0]["captured_at"] == "2026-11-22T02:00:01Z"


def test_drift_without_stored_texts_is_still_reported():
    old = report(claim("a", "supported"))
    del old["claims"][0]["checks"][0]["evidence"]["text"]
    new = report(claim("a", "supported", text=NEW_TEXT))
    [drift] = diff(old, new).drift
    assert drift.hunks == () and "earlier run kept no copy" in drift.note


def test_a_page_that_is_gone_is_not_drift():
    new = report(claim("a", "refuted", text="Not Found", status=404))
    assert diff(report(claim("a", "supported")), new).drift == []


def test_drift_across_a_round_trip_through_the_history(tmp_path):
    with HistoryStore(tmp_path / "h.sqlite") as store:
        store.record_run(report(claim("a", "supported"), started="2026-11-27T02:00:00Z"))
        store.record_run(report(claim("a", "supported", text=NEW_TEXT)))
        previous, latest = store.last_runs(2)
        changes = diff(store.run_report(previous.id), store.run_report(latest.id))
    assert "[-prioritas-] {+unggulan+}" in changes.drift[0].hunks[0].text()


def _elsewhere(c: dict, url: str) -> dict:
    check = c["checks"][0]
    check["url"] = check["spec"]["url"] = check["evidence"]["final_url"] = url
    return c


def test_recording_a_run_reads_back_only_the_earlier_texts_of_pages_that_changed(tmp_path):
    """The drift of a nightly run compares the earlier text of each changed page: the history gives back those,
    not the text of every page the last run read (most pages are unchanged on most nights)."""
    other = "https://dpmptsp.cilegon.go.id/"
    steady = "Perizinan online: OSS RBA dan layanan loket."

    def night(text: str, started: str) -> dict:
        return report(
            claim("portal", "supported", text=text),
            _elsewhere(claim("permits", "supported", text=steady), other),
            started=started,
        )

    first, second = night(OLD_TEXT, "2026-11-27T02:00:00Z"), night(NEW_TEXT, "2026-11-28T02:00:00Z")
    assert drift_texts(first, second) == {sha(OLD_TEXT)}  # not the steady page's
    with HistoryStore(tmp_path / "h.sqlite") as store:
        store.record_run(first)
        remembered = store.remember(second)
    [drift] = remembered.changes.drift
    assert drift.url == PORTAL and "[-prioritas-] {+unggulan+}" in drift.hunks[0].text()
    assert drift_texts(first, night(OLD_TEXT, "2026-11-28T02:00:00Z")) == set()


def test_word_diff_groups_near_changes_and_limits_far_ones():
    words = [f"w{i}" for i in range(200)]
    new = list(words)
    new[10], new[12] = "X", "Y"  # two changes close together: one hunk
    for i in (50, 80, 110, 140, 170, 190):  # six more far apart
        new[i] = f"Z{i}"
    hunks, more, removed, added = word_diff(" ".join(words), " ".join(new), context=3, max_hunks=5)
    assert hunks[0].text() == "… w7 w8 w9 [-w10-] {+X+} w11 [-w12-] {+Y+} w13 w14 w15 …"
    assert len(hunks) == 5 and more == 2 and (removed, added) == (8, 8)
    first = word_diff("a b c", "z b c")[0][0]
    assert not first.leading and first.text() == "[-a-] {+z+} b c"


def test_word_diff_cuts_long_passages_and_ignores_reflowed_lines():
    old = "intro words here\n" + "\n".join(f"line {i} of the old text" for i in range(40))
    assert word_diff(old, old.replace("\n", " "))[0] == []  # same words, other line breaks
    added = " ".join(f"new{i}" for i in range(50))
    [hunk], _, _, n_added = word_diff("a b c", f"a b c {added}")[:4]
    assert n_added == 50 and "(30 more words)" in hunk.text() and "new29" not in hunk.text()


# --- fail-on and summary ------------------------------------------------------------------------------------


def _changes_with(n_verdicts: int) -> Changes:
    old = report(*[claim(f"c{i}", "supported") for i in range(3)])
    new = report(*[claim(f"c{i}", "refuted" if i < n_verdicts else "supported") for i in range(3)])
    return diff(old, new)


def test_exit_decision_modes():
    as_expected = report(claim("a", "supported"), claim("b", "refuted", expect="refuted"))
    pending = report(claim("a", "refuted", reported="supported", pending="pending: refuted 1/2"))
    unexpected = report(claim("a", "unverified"))
    refuted_as_expected = report(claim("b", "refuted", expect="refuted"))
    assert exit_decision(as_expected, None, "unexpected") is False
    assert exit_decision(pending, None, "unexpected") is False  # held back by damping: not yet reported
    assert exit_decision(unexpected, None, "unexpected") is True
    assert exit_decision(refuted_as_expected, None, "refuted") is True
    assert exit_decision(as_expected, None, "refuted") is True
    assert exit_decision(report(claim("a", "supported")), None, "refuted") is False
    assert exit_decision(unexpected, None, "changed") is False  # first run: nothing to compare with
    assert exit_decision(unexpected, _changes_with(0), "changed") is False
    assert exit_decision(as_expected, _changes_with(1), "changed") is True
    assert exit_decision(unexpected, _changes_with(2), "never") is False
    with pytest.raises(UsageProblem, match="unexpected, changed, refuted, never"):
        exit_decision(as_expected, None, "sometimes")


def test_summary_line():
    claims = [claim(f"s{i}", "supported") for i in range(9)] + [
        claim("r1", "refuted", expect="refuted"),
        claim("r2", "refuted", expect="refuted"),
        claim("u", "unverified", expect="unverified"),
    ]
    assert (
        summary_line(report(*claims), _changes_with(1))
        == "12 claims: 9 supported, 2 refuted, 1 unverified; 1 changed since last run"
    )
    assert (
        summary_line(report(claim("a", "refuted", reported="supported", pending="pending: refuted 1/2")))
        == "1 claim: 1 supported, 0 refuted, 0 unverified"
    )
    assert (
        summary_line(report(claim("a", "refuted")))
        == "1 claim: 0 supported, 1 refuted, 0 unverified; 1 not as expected"
    )


# --- renderings ---------------------------------------------------------------------------------------------

HOSTILE = "x | y </details><script>alert(1)</script> [a](javascript:alert(1)) ~~ ** `c` \x1b[2J\u202e"


def test_markdown_section_escapes_everything_from_pages_and_claims():
    old = report(claim("a", "supported"), claim("b", "supported", reported="supported"))
    hostile_text = OLD_TEXT.replace("program prioritas", f"program {HOSTILE}")
    new = report(
        claim("a", "refuted", text=hostile_text),
        claim("b", "refuted", reported="supported", pending="pending: refuted 1/2"),
    )
    new["claims"][0]["claim"] = new["claims"][0]["reason"] = HOSTILE
    changes = diff(old, new)
    out = render_markdown(changes)
    assert out.startswith("### Changed since last run (2026-11-28T02:00:00Z)")
    assert "<script>" not in out and "</details>" not in out and "](javascript" not in out.replace("\\](", "")
    assert "\x1b" not in out and "\u202e" not in out
    rows = [line for line in out.splitlines() if line.startswith("| a ")]
    assert len(rows) == 2 and [r.replace("\\|", "").count("|") for r in rows] == [6, 7]  # columns intact
    drift_lines = [line for line in out.splitlines() if "~~" in line]
    assert drift_lines and all("~~ ~~" not in line for line in drift_lines)
    assert "\\~\\~" in out  # page tildes are literal, not strike-through
    assert "pending: refuted 1/2" in out


def test_markdown_section_shows_the_word_diff_and_nothing_when_unchanged():
    same = report(claim("a", "supported"))
    assert render_markdown(diff(same, same)) == ""
    out = render_markdown(diff(same, report(claim("a", "supported", text=NEW_TEXT, snap="2"))))
    assert "… City adalah program ~~prioritas~~ **unggulan** dalam RPJMD 2021-2026 …" in out
    assert "1 word removed, 1 added" in out
    assert "copy before: wayback https://web.archive.org/web/20261121/" in out
    assert "copy after: wayback https://web.archive.org/web/20261122/" in out


def test_text_rendering_has_no_control_characters():
    old = report(claim("a", "supported"))
    new = report(claim("a", "refuted", text=OLD_TEXT + "\n" + HOSTILE))
    new["claims"][0]["reason"] = HOSTILE
    out = render_text(diff(old, new))
    assert "a: supported -> refuted" in out
    assert "\x1b" not in out and "\u202e" not in out
    assert render_text(diff(old, old)) == "no changes\n"
