"""Check kinds as objects (civicheck/kinds/): the registry, each kind's options read from a claims file and
written back the same, a kind added by an installed package through the same hook the built-in ones use, and
what the runner asks a kind for."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from test_attacks_page import BREAKS_TRAFILATURA, breaking_lxml

from civicheck import kinds
from civicheck.checks import Context
from civicheck.claims import Check, load_claims
from civicheck.errors import ClaimsError

# Every option of every built-in kind, each set away from its default.
EVERY_OPTION = {
    "live": "{url: 'https://a.example/', soft404: false, timeout: 5}",
    "dead": "{url: 'https://a.example/', soft404: false}",
    "status": "{url: 'https://a.example/', code: [404, 410]}",
    "contains": "{url: 'https://a.example/', all: [a], any: [b, c], none: [d], near: 9, match: stem, scope: article}",
    "quote": "{url: 'https://a.example/', text: 'the exact words', scope: article}",
    "links": "{url: 'https://a.example/', soft404: false, select: '#dinas a', same_site: true, max_broken: 2, "
    "max_links: 50}",
    "published": "{url: 'https://a.example/', after: 2023-01-01, before: 2023-07-01}",
}


def load_one(tmp_path, check: str):
    path = tmp_path / "c.yaml"
    path.write_text(f"claims:\n  - id: a\n    claim: x\n    checks:\n      - {check}\n", encoding="utf-8")
    [claim] = load_claims([path])
    [loaded] = claim.checks
    return loaded


def test_the_built_in_kinds_in_the_order_lint_names_them():
    assert kinds.names()[: len(kinds.BUILTIN)] == kinds.BUILTIN
    # Found by looking: a kind added as a module of its own joins without being listed anywhere; the modules
    # kinds share (base, text, sources) register nothing.
    assert kinds.builtin_modules()[: len(kinds.BUILTIN)] == list(kinds.BUILTIN)
    assert not {"base", "text", "sources"} & set(kinds.builtin_modules())
    assert set(EVERY_OPTION) == set(kinds.builtin_modules())


@pytest.mark.parametrize("name", kinds.builtin_modules())
def test_a_kinds_spec_is_what_the_reporter_wrote_and_reads_back_the_same(tmp_path, name):
    check = load_one(tmp_path, f"{name}: {EVERY_OPTION[name]}")
    spec = check.spec()
    assert spec["kind"] == name and spec["url"] == "https://a.example/"
    again = load_one(tmp_path, f"{name}: {json.dumps({k: v for k, v in spec.items() if k != 'kind'})}")
    assert again.options == check.options and again.spec() == spec
    assert check.options != kinds.get(name).options()  # every option above moved it off its defaults


@pytest.mark.parametrize("name", kinds.builtin_modules())
def test_an_option_the_kind_does_not_declare_is_refused_at_its_line(tmp_path, name):
    with pytest.raises(ClaimsError) as refused:
        load_one(tmp_path, f"{name}: {EVERY_OPTION[name][:-1]}, colour: red}}")
    [problem] = refused.value.problems
    assert problem.line == 5 and problem.message.startswith(
        f"unknown option 'colour' for '{name}'; allowed: "
    )
    allowed = problem.message.rpartition("allowed: ")[2].split(", ")
    assert allowed == sorted({*kinds.get(name).option_keys, "url", "timeout"})


def test_a_check_is_made_from_keywords_of_its_kinds_options():
    check = Check("quote", "https://a.example/", 3, text="words", scope="article")
    assert check.options == kinds.get("quote").options(text="words", scope="article")
    assert check.spec() == {"kind": "quote", "url": "https://a.example/", "scope": "article", "text": "words"}
    with pytest.raises(TypeError):
        Check("quote", "https://a.example/", 3, codes=(200,))  # a status option
    with pytest.raises(ValueError, match="unknown check kind 'no-such-kind'"):  # a name no kind will take
        Check("no-such-kind", "https://a.example/", 3)


def test_the_runner_asks_the_kind_what_to_fetch_and_read():
    links = Check("links", "https://portal.example/", 1, select="#dinas a", soft404=False)
    live, quote = (
        Check("live", "https://app.example/", 2),
        Check("quote", "https://news.example/", 3, text="x"),
    )
    assert list(kinds.kind_of(links).selectors(links)) == ["#dinas a"]
    assert [kinds.kind_of(c).keeps_text for c in (links, live, quote)] == [False, False, True]
    assert [kinds.kind_of(c).reads_page for c in (links, live, quote)] == [True, False, True]
    ctx = Context({}, lambda: (True, ""))
    assert kinds.kind_of(live).liveness(live, ctx) == [("https://app.example/", True)]
    assert kinds.kind_of(quote).liveness(quote, ctx) == [] and kinds.kind_of(quote).follow(quote, ctx) == []


def verify(tmp_path, claims: str, *env_path: str) -> tuple[int, dict | None, str]:
    (tmp_path / "c.yaml").write_text(textwrap.dedent(claims).lstrip(), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*env_path, os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "civicheck",
            "verify",
            "c.yaml",
            "--format",
            "json",
            "--no-history",
            "--no-warc",
            "--no-canary",
            "-q",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    return proc.returncode, json.loads(proc.stdout) if proc.stdout else None, proc.stderr


@pytest.mark.parametrize("hostile", BREAKS_TRAFILATURA[:1])
@pytest.mark.usefixtures(breaking_lxml.__name__)
def test_a_links_check_on_a_page_that_cannot_be_read_is_unknown_and_the_run_goes_on(tmp_path, site, hostile):
    """Before issue 10 a `links` check on such a page stopped the whole run (exit 3, no report)."""
    bad, good = (
        site.route("/bad", hostile),
        site.route("/good", "<html><body><p>Smart City</p></body></html>"),
    )
    code, report, stderr = verify(
        tmp_path,
        f"""
        claims:
          - id: audit
            claim: The portal's links work
            checks:
              - links: {bad}
          - id: good
            claim: The page says Smart City
            checks:
              - contains: {{url: '{good}', all: [Smart City]}}
        """,
    )
    assert code == 1 and stderr == "", stderr
    audit, good_claim = report["claims"]
    assert audit["checks"][0]["outcome"] == "unknown"
    assert audit["checks"][0]["reason"].startswith("the page could not be read")
    assert good_claim["verdict"] == "supported"


PLUGIN = '''
"""A check kind from another package: `lands: {url, at}`, the URL ends up (after redirects) at `at`."""
from dataclasses import dataclass

from civicheck.kinds import CheckKind


@dataclass(frozen=True)
class LandsOptions:
    at: str = ""


class Lands(CheckKind):
    name = "lands"
    options = LandsOptions
    option_keys = ("at",)  # not `on`: YAML reads an unquoted `on` as true
    example = "'lands: {url: https://old.example/, at: https://new.example/}'"

    def parse(self, fields):
        at = fields.get("at")
        if not isinstance(at, str) or not at.startswith(("http://", "https://")):
            fields.problem("'lands' needs 'at': the URL it should end up at", "at")
            return LandsOptions()
        return LandsOptions(at)

    def evaluate(self, check, ctx):
        from civicheck.checks import Evidence, Outcome

        result = ctx.result(check.url)
        if result.status is None:
            return Outcome(check, "unknown", result.detail, Evidence.of(result, ctx))
        outcome = "pass" if result.final_url == check.options.at else "fail"
        return Outcome(check, outcome, f"ends up on {result.final_url}", Evidence.of(result, ctx))


def register_kinds(register):
    register(Lands())
'''


def test_an_installed_package_adds_a_kind_through_the_entry_point_hook(tmp_path, site):
    plugins = tmp_path / "plugins"
    (plugins / "civicheck_lands-0.1.dist-info").mkdir(parents=True)
    (plugins / "civicheck_lands-0.1.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: civicheck-lands\nVersion: 0.1\n"
    )
    (plugins / "civicheck_lands-0.1.dist-info" / "entry_points.txt").write_text(
        f"[{kinds.ENTRY_POINTS}]\nlands = civicheck_lands\n"
    )
    (plugins / "civicheck_lands.py").write_text(PLUGIN)
    new = site.route("/new", "<html><body><p>here</p></body></html>")
    old = site.route("/old", status=301, headers={"Location": new})
    code, report, stderr = verify(
        tmp_path,
        f"""
        claims:
          - id: moved
            claim: The old address leads to the new one
            checks:
              - lands: {{url: '{old}', at: '{new}'}}
        """,
        str(plugins),
    )
    assert code == 0, stderr
    [check] = report["claims"][0]["checks"]
    assert check["spec"] == {"kind": "lands", "url": old, "at": new} and check["outcome"] == "pass"
    code, report, stderr = verify(
        tmp_path,
        f"""
        claims:
          - id: moved
            claim: x
            checks:
              - lands: {{url: '{old}'}}
        """,
        str(plugins),
    )
    assert code == 2 and "c.yaml:5: claim 'moved': 'lands' needs 'at'" in stderr
