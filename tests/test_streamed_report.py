"""A large report is written piece by piece (issue 13, flat memory): the JSON format hands its text on as it makes
it, the pieces join into exactly the text rendered whole, and a report written in pieces to a file is still
written atomically. The report's copy without texts shares the claims that hold none."""

from __future__ import annotations

import enum
import json
import re

import pytest
from click.testing import CliRunner

import civicheck.render.json as json_format
from civicheck.cli import _write, cli
from civicheck.escape import SCRIPT_UNSAFE, json_text
from civicheck.render import REPORT_FORMATS, render, render_chunks
from civicheck.report import without_texts


def _report(claims: int, text: str | None = None) -> dict:
    """A report of `claims` claims whose words need every kind of escape: C1 controls, a lone surrogate,
    bidi and zero-width characters, quotes, backslashes, newlines, non-ASCII letters."""
    hostile = 'Wali Kota\u00a0“bilang”\x85 \ud800\u202e\u200b "x"\\y\nz \u0416 \U0001f600'
    evidence: dict = {"final_url": "https://x.example/", "status": 200, "fetched_at": "2026-11-28T02:00:00Z"}
    evidence |= {
        "excerpt": hostile,
        "hits": [{"text": hostile, "location": "p. 1", "excerpt": hostile, "mark": [2, 6]}],
    }
    evidence |= {"snapshots": [], "soft404": [], "redirects": []}
    if text is not None:
        evidence["text"] = text
    return {
        "schema": 1,
        "civicheck": "test",
        "started_at": "2026-11-28T02:00:00Z",
        "finished_at": "2026-11-28T02:01:00Z",
        "network": None,
        "outages": [],
        "warc": None,
        "summary": {"supported": claims, "refuted": 0, "unverified": 0},
        "claims": [
            {
                "id": f"c{i}",
                "claim": f"{hostile} {i}",
                "verdict": "supported",
                "expect": None,
                "as_expected": True,
                "reason": hostile,
                "deciding": 0,
                "sources": [],
                "tags": ["a", "b"],
                "checks": [
                    {
                        "kind": "contains",
                        "url": f"https://x.example/{i}",
                        "line": i,
                        "spec": {"all": [hostile], "weight": 1.5},
                        "outcome": "pass",
                        "reason": hostile,
                        "evidence": dict(evidence),
                    }
                ],
            }
            for i in range(claims)
        ],
    }


def _whole(data, unsafe=json_format.JSON_UNSAFE) -> str:
    """The JSON as it was written before it came in pieces: one dumps, escaped at once."""
    return json_text(json.dumps(data, ensure_ascii=False, indent=2), unsafe) + "\n"


@pytest.mark.parametrize("piece", [1, 7, 64, 1 << 16])
def test_json_in_pieces_joins_into_the_json_written_whole(monkeypatch, piece):
    monkeypatch.setattr(json_format, "PIECE", piece)
    report = _report(400)  # ~600 k characters: more than one piece of every size
    pieces = list(json_format.json_chunks(report))
    whole = _whole(report)
    assert "".join(pieces) == whole
    # pieces of about PIECE characters (an escape makes one character six), or one claim when that is longer:
    # never the whole report at once
    claim = max(len(_whole(c)) for c in report["claims"])
    assert max(map(len, pieces)) <= 6 * piece + 2 * claim  # 2: a claim is indented deeper in the report
    assert max(map(len, pieces)) < len(whole) / 5
    assert "".join(json_format.json_chunks(report, SCRIPT_UNSAFE)) == _whole(report, SCRIPT_UNSAFE)
    # the escapes really happened across the pieces: no raw C1 control, surrogate or bidi character left
    assert not any(ch in "".join(pieces) for ch in "\x85\ud800\u202e\u200b")
    for scalar in ("plain", 3, None, [], {}, 1.5, "\x85"):
        assert "".join(json_format.json_chunks(scalar)) == _whole(scalar)


class _Level(enum.IntEnum):
    HIGH = 3


class _Text(str):
    pass


@pytest.mark.parametrize(
    "data",
    [
        {7: 2, 1.5: [True, False, None], True: "t", None: 1e308, False: -0.0},
        [float("nan"), float("inf"), -float("inf"), 10**30, -7, 0.1],
        (1, (2, [3, ()]), {}),
        {"deep": [[[[{"x": [1, {"y": [], "z": {}}]}]]]], "next": {"a": {"b": {"c": [1]}}}},
        [_Level.HIGH, _Text("text"), {_Text("key"): _Level.HIGH}],
        {"text": '\u2028 \x7f \x85 \ud800 "q" \\ \n\t\x00 \U0001f600 \u0416'},
    ],
)
def test_json_is_what_the_standard_library_writes_with_an_indent(data):
    """The report's JSON is made by our own encoder (render/json.py), character for character what
    json.dumps(indent=2) writes: keys that are not text, numbers at their limits, tuples, subclasses."""
    assert json_format.to_json(data) == _whole(data)


@pytest.mark.parametrize("data", [{(1, 2): 3}, [object()], {"a": {1, 2}}])
def test_json_refuses_what_the_standard_library_refuses(data):
    with pytest.raises(TypeError):
        json.dumps(data)
    with pytest.raises(TypeError):
        json_format.to_json(data)


@pytest.mark.parametrize("fmt", REPORT_FORMATS)
def test_every_format_in_pieces_is_the_format_rendered_whole(fmt):
    report = _report(5)
    assert "".join(render_chunks(report, fmt)) == render(report, fmt)


def test_a_report_given_in_pieces_is_written_whole_or_not_at_all(tmp_path, capsys):
    target = tmp_path / "report.json"
    target.write_text("the last good report\n")
    _write(iter(["{", "\n", "}\n"]), target)
    assert target.read_text() == "{\n}\n"

    def broken():
        yield "half a report"
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        _write(broken(), target)
    assert target.read_text() == "{\n}\n"  # the old report stays, no half of the new one
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # and no temporary file is left
    _write(iter(["a", "b\n"]), None)
    assert capsys.readouterr().out == "ab\n"


def test_verify_writes_the_same_json_to_stdout_and_to_a_file(tmp_path, site):
    page = site.route(
        "/berita", "<html><body><p>Wali Kota “meluncurkan” layanan\u0085 digital</p></body></html>"
    )
    claims = tmp_path / "c.yaml"
    claims.write_text(
        "claims:\n"
        + "".join(
            f"  - id: c{i}\n    claim: x{i}\n    checks:\n      - contains: {{url: '{page}', all: [layanan]}}\n"
            for i in range(30)
        )
    )
    runner = CliRunner()
    args = ["verify", str(claims), "--format", "json", "--no-history", "--no-canary", "--no-warc", "--quiet"]
    to_file = runner.invoke(cli, [*args, "-o", str(tmp_path / "out.json")])
    to_stdout = runner.invoke(cli, args)
    assert to_file.exit_code == to_stdout.exit_code == 0, to_file.stderr + to_stdout.stderr
    written = (tmp_path / "out.json").read_text(encoding="utf-8")
    assert to_file.stdout == "" and to_stdout.stderr == ""
    report = json.loads(written)
    assert len(report["claims"]) == 30 and {c["verdict"] for c in report["claims"]} == {"supported"}

    # the same report both ways, but for its own timestamps, and the text json.dumps would write whole
    def timeless(text: str) -> str:
        return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "<time>", text)

    assert timeless(to_stdout.stdout) == timeless(written) == timeless(_whole(report))


def test_the_copy_without_texts_shares_the_claims_that_hold_none():
    bare, texts = _report(3), _report(3, text="the page's whole text")
    shown = without_texts(bare)
    assert shown == bare and all(a is b for a, b in zip(shown["claims"], bare["claims"], strict=True))
    shown = without_texts(texts)
    assert shown == bare  # the texts gone, everything else as it was
    assert all("text" in c["checks"][0]["evidence"] for c in texts["claims"])  # from a copy: kept here
    assert list(shown["claims"][0]) == list(texts["claims"][0])  # keys in the report's order
