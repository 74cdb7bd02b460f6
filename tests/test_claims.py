"""Claims files: the contract (short and long forms, defaults) and every kind of bad input, with file:line."""

from __future__ import annotations

import textwrap

import pytest

from civicheck.claims import DEFAULT_TIMEOUT, find_claim_files, load_claims
from civicheck.errors import ClaimsError, UsageProblem


def write(tmp_path, name, text):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def problems(tmp_path, text, name="c.yaml"):
    write(tmp_path, name, text)
    with pytest.raises(ClaimsError) as info:
        load_claims([tmp_path])
    return [str(p) for p in info.value.problems]


FULL = """
defaults:
  timeout: 7
claims:
  - id: labour-app-live
    claim: "The labour-services app is live"
    said_by: "Head of the city labour agency"
    said_on: 2023-06-15
    sources: [https://news.example/article]
    tags: [cilegon, smart-city]
    expect: refuted
    checks:
      - live: https://app.example.go.id/
      - dead: https://old.example.go.id/
      - status: {url: https://x.example/, code: 404}
      - status: {url: https://x.example/b, code: [301, 302], timeout: 3}
      - contains: {url: https://x.example/, all: ["Smart City"], any: ["prioritas", "priority"], none: ["dibatalkan"]}
      - contains: {url: https://x.example/, all: "RPJMD", near: 5, match: stem, scope: article}
      - quote: {url: https://news.example/article, text: "the exact words attributed"}
      - live: {url: https://app.example.go.id/login}
"""


def test_the_documented_example_loads_with_every_field(tmp_path):
    write(tmp_path, "c.yaml", FULL)
    [claim] = load_claims([tmp_path])
    assert claim.id == "labour-app-live"
    assert claim.said_on == "2023-06-15"
    assert claim.sources == ["https://news.example/article"]
    assert claim.tags == ["cilegon", "smart-city"]
    assert claim.expect == "refuted"
    assert claim.line == 4
    kinds = [c.kind for c in claim.checks]
    assert kinds == ["live", "dead", "status", "status", "contains", "contains", "quote", "live"]
    live, dead, status, status2, contains, contains2, quote, live2 = claim.checks
    assert live.url == "https://app.example.go.id/" and live.timeout == 7 and live.line == 12
    assert status.options.codes == (404,) and status2.options.codes == (301, 302) and status2.timeout == 3
    assert contains.options.all == ("Smart City",) and contains.options.any == ("prioritas", "priority")
    assert (
        contains.options.none == ("dibatalkan",)
        and contains.options.scope == "page"
        and not contains.options.stem
    )
    assert (
        contains2.options.all == ("RPJMD",)
        and contains2.options.near == 5
        and contains2.options.stem
        and contains2.options.scope == "article"
    )
    assert quote.options.text == "the exact words attributed"
    assert live2.url == "https://app.example.go.id/login"


def test_timeout_defaults_when_not_given(tmp_path):
    write(
        tmp_path,
        "c.yaml",
        "claims:\n  - id: a\n    claim: x\n    checks:\n      - live: https://a.example/\n",
    )
    [claim] = load_claims([tmp_path])
    assert claim.checks[0].timeout == DEFAULT_TIMEOUT


def test_every_problem_in_every_file_is_reported_with_file_and_line(tmp_path):
    write(
        tmp_path,
        "a.yaml",
        """
        claims:
          - id: one
            claim: fine
            checks:
              - live: ftp://example.go.id/
              - fly: https://example.go.id/
          - id: two
            claim: "x"
            colour: red
            checks: []
        """,
    )
    write(
        tmp_path,
        "sub/b.yml",
        """
        claims:
          - id: three
            checks:
              - quote: {url: https://a.example/}
              - contains: {url: https://a.example/}
              - status: {url: https://a.example/, code: 999}
        """,
    )
    with pytest.raises(ClaimsError) as info:
        load_claims([tmp_path])
    got = [(p.file.split("/")[-1], p.line, p.claim_id, p.message) for p in info.value.problems]
    assert (
        "a.yaml",
        5,
        "one",
        "live: 'ftp://example.go.id/' is not an http(s) URL; write it with http:// or https://",
    ) in got
    assert any(f == "a.yaml" and line == 6 and "unknown check kind 'fly'" in m for f, line, _, m in got)
    assert any(
        f == "a.yaml" and line == 9 and "unknown key 'colour'" in m and cid == "two"
        for f, line, cid, m in got
    )
    assert any(
        f == "a.yaml" and line == 10 and "'checks' must be a non-empty list" in m for f, line, _, m in got
    )
    assert any(
        f == "b.yml" and line == 2 and "'claim' is required" in m and cid == "three"
        for f, line, cid, m in got
    )
    assert any(f == "b.yml" and line == 4 and "'quote' needs 'text'" in m for f, line, _, m in got)
    assert any(f == "b.yml" and line == 5 and "at least one phrase" in m for f, line, _, m in got)
    assert any(f == "b.yml" and line == 6 and "'status' needs 'code'" in m for f, line, _, m in got)
    assert len(got) == 8


def test_yaml_syntax_error_names_the_line(tmp_path):
    [msg] = problems(tmp_path, "claims:\n  - id: a\n    claim: [unclosed\n    checks: []\n")
    assert msg.startswith(f"{tmp_path / 'c.yaml'}:") and "YAML syntax error" in msg


def test_duplicate_ids_across_files_name_both_places(tmp_path):
    write(
        tmp_path,
        "a.yaml",
        "claims:\n  - id: same\n    claim: x\n    checks:\n      - live: https://a.example/\n",
    )
    write(
        tmp_path,
        "b.yaml",
        "claims:\n  - id: same\n    claim: y\n    checks:\n      - live: https://b.example/\n",
    )
    with pytest.raises(ClaimsError) as info:
        load_claims([tmp_path])
    [problem] = info.value.problems
    assert problem.file.endswith("b.yaml") and problem.line == 2 and problem.claim_id == "same"
    assert f"already used at {tmp_path / 'a.yaml'}:2" in problem.message


def test_duplicate_id_is_reported_even_when_the_claim_has_other_problems(tmp_path):
    msgs = problems(
        tmp_path,
        """
        claims:
          - id: same
            claim: x
            checks: [{live: https://a.example/}]
          - id: same
            checks: [{live: https://a.example/}]
        """,
    )
    assert any("duplicate id" in m for m in msgs) and any("'claim' is required" in m for m in msgs)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "the file is empty"),
        ("- id: a\n", "the top level must be a mapping"),
        ("claim: x\n", "unknown top-level key 'claim'"),
        ("defaults: {timeout: -1}\nclaims: []\n", "'timeout' must be a number of seconds"),
        ("defaults: {retries: 3}\nclaims: []\n", "unknown key 'retries' in defaults"),
        ("claims: {id: a}\n", "'claims' must be a list"),
        (
            "claims:\n  - id: 'has space'\n    claim: x\n    checks: [{live: https://a.example/}]\n",
            "must be letters, digits",
        ),
        ("claims:\n  - claim: x\n    checks: [{live: https://a.example/}]\n", "missing 'id'"),
        ("claims:\n  - id: a\n    claim: x\n", "missing 'checks'"),
        (
            "claims:\n  - id: a\n    claim: x\n    expect: true\n    checks: [{live: https://a.example/}]\n",
            "'expect' must be one of",
        ),
        (
            "claims:\n  - id: a\n    claim: x\n    said_on: last week\n    checks: [{live: https://a.example/}]\n",
            "'said_on' must be a date",
        ),
        (
            "claims:\n  - id: a\n    claim: x\n    sources: [notaurl]\n    checks: [{live: https://a.example/}]\n",
            "not an http(s) URL",
        ),
        ("claims:\n  - id: a\n    claim: x\n    checks: [{live: }]\n", "'live' is empty"),
        (
            "claims:\n  - id: a\n    claim: x\n    checks: [{quote: https://a.example/}]\n",
            "'quote' needs more than a URL",
        ),
        (
            "claims:\n  - id: a\n    claim: x\n    checks: [{live: https://a.example/, dead: https://a.example/}]\n",
            "each check is one kind",
        ),
        ("claims:\n  - id: a\n    claim: x\n    checks: [{live: 'https://'}]\n", "has no host name"),
        (
            "claims:\n  - id: a\n    claim: x\n    checks: [{contains: {url: https://a.example/, all: [x], scope: body}}]\n",
            "'scope' must be 'page' or 'article'",
        ),
        (
            "claims:\n  - id: a\n    claim: x\n    checks: [{contains: {url: https://a.example/, all: [x], near: 0}}]\n",
            "'near' must be a number of words",
        ),
        (
            "claims:\n  - id: a\n    claim: x\n    checks: [{contains: {url: https://a.example/, all: [x], match: fuzzy}}]\n",
            "'match' must be 'exact' or 'stem'",
        ),
        (
            "claims:\n  - id: a\n    claim: x\n    claim: y\n    checks: [{live: https://a.example/}]\n",
            "key 'claim' appears twice",
        ),
    ],
)
def test_bad_input_gets_a_clear_message(tmp_path, text, expected):
    msgs = problems(tmp_path, text)
    assert any(expected in m for m in msgs), msgs


def test_non_utf8_file_is_a_problem_not_a_crash(tmp_path):
    (tmp_path / "c.yaml").write_bytes(b"claims:\n  - id: a\n    claim: \xff\xfe\n")
    with pytest.raises(ClaimsError) as info:
        load_claims([tmp_path])
    assert "not UTF-8" in str(info.value)


def test_yaml_tags_that_build_objects_are_refused(tmp_path):
    msgs = problems(tmp_path, "claims: !!python/object/apply:os.system ['echo pwned']\n")
    assert any("YAML" in m for m in msgs)


def test_files_are_found_sorted_and_hidden_folders_skipped(tmp_path):
    write(tmp_path, "b.yaml", "x: 1")
    write(tmp_path, "a/z.yml", "x: 1")
    write(tmp_path, "a/notes.txt", "x")
    write(tmp_path, ".civicheck/cache.yaml", "x: 1")
    found = [p.relative_to(tmp_path).as_posix() for p in find_claim_files([tmp_path])]
    assert found == ["a/z.yml", "b.yaml"]


def test_missing_path_and_empty_folder_are_usage_problems(tmp_path):
    with pytest.raises(UsageProblem, match="no such file or folder"):
        find_claim_files([tmp_path / "nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageProblem, match="no claims files"):
        find_claim_files([tmp_path / "empty"])


# --- impossible dates: every one a problem at its line, from lint and verify, never a traceback -----------------

IMPOSSIBLE_DATES = """
claims:
  - id: unquoted
    claim: x
    said_on: 2023-02-30
    checks:
      - published: {url: 'https://a.go.id/', after: 2023-13-01}
  - id: quoted
    claim: y
    said_on: "2023-02-30"
    checks:
      - published:
          url: https://a.go.id/
          after: '2023-13-01'
          before: "2023-04-31T10:00:00"
  - id: elsewhere
    claim: 2023-02-31
    tags: [2024-02-30]
    checks:
      - published: {url: 'https://a.go.id/', before: '2023-01-01T25:00:00'}
"""


@pytest.mark.parametrize("command", ["lint", "verify"])
def test_every_impossible_date_is_a_problem_at_its_line(tmp_path, command):
    from click.testing import CliRunner

    from civicheck.cli import ExitCode, cli

    path = write(tmp_path, "c.yaml", IMPOSSIBLE_DATES)
    args = [command, str(path)] + (
        ["--no-history", "--no-warc", "--no-canary"] if command == "verify" else []
    )
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == ExitCode.BAD_INPUT, result.output
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"error: {path}:4: claim 'unquoted': 'said_on': '2023-02-30' cannot be read as a date (day is out of range "
        "for month); write a real date like 2023-01-01",
        f"error: {path}:6: claim 'unquoted': 'after': '2023-13-01' cannot be read as a date (month must be in "
        "1..12); write a real date like 2023-01-01",
        f"error: {path}:9: claim 'quoted': 'said_on': '2023-02-30' cannot be read as a date (day is out of range "
        "for month); write a real date like 2023-01-01",
        f"error: {path}:13: claim 'quoted': 'after': '2023-13-01' cannot be read as a date (month must be in "
        "1..12); write a real date like 2023-01-01",
        f"error: {path}:14: claim 'quoted': 'before': '2023-04-31T10:00:00' cannot be read as a date (day is out "
        "of range for month); write a real date like 2023-01-01",
        f"error: {path}:16: '2023-02-31' cannot be read as a date (day is out of range for month); put it in "
        "quotes if it is text",
        f"error: {path}:17: '2024-02-30' cannot be read as a date (day is out of range for month); put it in "
        "quotes if it is text",
        f"error: {path}:19: claim 'elsewhere': 'before': '2023-01-01T25:00:00' cannot be read as a date (hour must "
        "be in 0..23); write a real date like 2023-01-01",
        "8 problems found; nothing was fetched. Fix the file(s) and run again.",
    ]


def test_real_dates_in_every_date_field_are_read(tmp_path):
    write(
        tmp_path,
        "c.yaml",
        """
        claims:
          - id: a
            claim: x
            said_on: '2023-6-5'
            checks:
              - published: {url: 'https://a.go.id/', after: 2024-02-29, before: '2024-03-01T23:59:00+07:00'}
        """,
    )
    [claim] = load_claims([tmp_path])
    assert claim.said_on == "2023-06-05"
    assert (claim.checks[0].options.after, claim.checks[0].options.before) == ("2024-02-29", "2024-03-01")


def test_libyaml_reads_a_file_as_pyyaml_does_lines_and_all():
    """A file that parses is read with libyaml's parser (fast_loader) under the same composer and
    constructors: the same values, the same line of every mapping, key and item, the same impossible dates."""
    from civicheck.claims.yaml_lines import Loader, fast_loader

    text = textwrap.dedent(
        """\
        defaults: {timeout: 20}
        claims:
          - id: a
            claim: "Kota \\u00e9 Cilegon"
            date: 2023-02-30
            checks:
              - contains: {url: 'https://example.go.id/', all: [satu, dua]}
              - live: https://example.go.id/x
          - id: a
            claim: |
              dua baris
              teks
            checks: [{status: {url: 'https://example.go.id/', code: 404}}]
        """
    )

    def read(loader):
        try:
            return loader.get_single_data(), [(str(d), d.line, d.why) for d in loader.impossible_dates]
        finally:
            loader.dispose()

    def shape(value):
        if isinstance(value, dict):
            pairs = [(shape(k), shape(v)) for k, v in value.items()]
            return ("map", value.line, value.key_lines, value.duplicates, pairs)
        if isinstance(value, list):
            return ("list", value.line, value.item_lines, [shape(v) for v in value])
        return (type(value).__name__, value)

    fast = fast_loader(text)
    if fast is None:
        pytest.skip("PyYAML without libyaml here")
    (data, dates), (expected, expected_dates) = read(fast), read(Loader(text))
    assert shape(data) == shape(expected) and dates == expected_dates
    assert data["claims"][1].line == 9 and data["claims"][0].key_lines["date"] == 5
    assert dates == [("2023-02-30", 5, "day is out of range for month")]


def test_a_syntax_error_is_reported_in_pyyamls_words(tmp_path):
    path = tmp_path / "claims.yaml"
    path.write_text("claims:\n  - id: a\n    claim: [unclosed\n")
    with pytest.raises(ClaimsError) as failed:
        load_claims([path])
    problem = failed.value.problems[0]
    assert problem.line is not None and "YAML syntax error" in problem.message
    # PyYAML's words (libyaml says "did not find expected ',' or ']'"): the file is read again with PyYAML
    assert problem.line == 4 and problem.message.endswith("expected ',' or ']', but got '<stream end>'")
