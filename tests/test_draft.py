"""`civicheck draft`: articles served on 127.0.0.1 (or saved files) become claims files that lint, that verify
supports against the same pages, and that say where each claim came from.

The article pages are our own (tests/pages/ and the ones below), written like Indonesian and English news.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from civicheck.cli import cli
from civicheck.draft.numbers import number_spans
from civicheck.draft.quotes import find_quotations
from civicheck.draft.sites import _addresses, is_government
from civicheck.draft.writer import assign_ids, slug

PAGES = Path(__file__).with_name("pages")
INDONESIAN = (PAGES / "berita-aplikasi-disnaker.html").read_text(encoding="utf-8")
ENGLISH = (PAGES / "council-library-budget.html").read_text(encoding="utf-8")


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def draft_file(site, html: str, *extra: str, path: str = "/berita/1") -> tuple[str, dict, object]:
    url = site.route(path, html)
    result = run("draft", url, "-o", "draft.yaml", "--no-canary", *extra)
    assert result.exit_code == 0, result.output
    text = Path("draft.yaml").read_text(encoding="utf-8")
    return url, yaml.safe_load(text), result


def claims_of(data: dict, tag: str) -> list[dict]:
    return [c for c in data["claims"] if tag in c["tags"]]


def checks_of(claim: dict, kind: str) -> list:
    return [check[kind] for check in claim["checks"] if kind in check]


def verify(path: str, *extra: str) -> dict:
    result = run("verify", path, "--format", "json", "--no-canary", "--no-history", "--no-warc", "-q", *extra)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def offline_copy(data: dict, path: str = "offline.yaml") -> str:
    """The drafted claims a test may verify: those citing only the served article (site and audit claims
    cite other sites, which tests never fetch)."""
    kept = [c for c in data["claims"] if set(c["tags"]) & {"quote", "number", "article"}]
    Path(path).write_text(yaml.safe_dump({"claims": kept}, allow_unicode=True), encoding="utf-8")
    return path


# --- the whole command on an Indonesian article ------------------------------------------------------------


def test_indonesian_article_drafts_quotes_speakers_numbers_sites_and_publication_facts(site):
    url, data, result = draft_file(site, INDONESIAN)
    assert result.stdout == ""  # the file went to -o; stdout carries data only
    assert "drafted 11 claims (3 quote, 3 number, 3 site, 1 audit, 1 article) to draft.yaml" in result.stderr
    quotes = {checks_of(c, "quote")[0]["text"]: c.get("said_by") for c in claims_of(data, "quote")}
    assert (
        quotes
        == {
            "Servernya sempat bermasalah, tapi sekarang sudah normal dan bisa diakses di disnaker.cilegon.go.id": "Budi Santoso",
            "Kami menargetkan seluruh layanan perizinan sudah daring sebelum akhir 2024": "Budi Santoso",  # ujarnya
            "Kota kita masih berada di peringkat 36 terbawah dalam indeks kota cerdas, dan itu harus berubah": "Helldy Agustian",
        }
    )
    spans = [check["text"] for c in claims_of(data, "number") for check in checks_of(c, "quote")]
    assert spans == [
        "dibeli pada 2022",
        "anggaran Rp 1,2 miliar",
        "warga pada Juni 2023",
        "29 layanan",
        "RPJMD 2021-2026",
    ]
    # Every body link and written address is a live check, grouped per site; the menu, the "more news" box
    # and the footer are not the article's.
    live = {c["id"]: checks_of(c, "live") for c in claims_of(data, "site")}
    assert live == {
        "site-disnaker-cilegon-go-id": ["https://disnaker.cilegon.go.id/"],
        "site-cilegon-go-id": ["https://www.cilegon.go.id/"],
        "site-dukcapil-cilegon-go-id": ["http://dukcapil.cilegon.go.id/"],
    }
    [audit] = claims_of(data, "audit")
    assert audit["checks"] == [
        {"links": {"url": "https://www.cilegon.go.id/", "same_site": True, "max_broken": 0}}
    ]
    [article] = claims_of(data, "article")
    assert article["checks"] == [
        {"quote": {"url": url, "text": "Aplikasi Disnaker Cilegon Dibeli 2022, Baru Bisa Diakses 2023"}},
        {"published": {"url": url, "after": "2023-06-14", "before": "2023-06-16"}},
    ]
    for claim in data["claims"]:
        assert claim["expect"] is None and str(claim["said_on"]) == "2023-06-15" and claim["sources"] == [url]


def test_the_draft_lints_and_verify_supports_every_quote_and_number_against_the_same_page(site):
    _, data, _ = draft_file(site, INDONESIAN)
    lint = run("lint", "draft.yaml")
    assert lint.exit_code == 0 and lint.stdout.startswith("ok: 11 claims"), lint.output
    report = verify(offline_copy(data))
    verdicts = {c["id"]: c["verdict"] for c in report["claims"]}
    assert len(verdicts) == 7 and set(verdicts.values()) == {"supported"}, verdicts


def test_each_claim_says_where_it_came_from_and_why_its_speaker(site):
    draft_file(site, INDONESIAN)
    text = Path("draft.yaml").read_text(encoding="utf-8")
    block = text.split("  - id: quote-budi-santoso-kami-menargetkan-seluruh-layanan")[0].rsplit("\n\n", 1)[1]
    assert block.splitlines() == [
        '  # paragraph 5 of the article: "Kami menargetkan seluruh layanan perizinan sudah daring sebelum akhir 2024,"'
        " ujarnya.",
        "  # said_by carried over: this sentence names no one (he, she, -nya); Budi Santoso is the last person named"
        " speaking (2 paragraphs before): check it",
    ]
    assert "    expect:  # supported, refuted or unverified: the verdict you expect" in text


def test_english_article_attributions_before_and_after_the_quote(site):
    _, data, _ = draft_file(site, ENGLISH)
    quotes = {checks_of(c, "quote")[0]["text"]: c.get("said_by") for c in claims_of(data, "quote")}
    assert (
        quotes
        == {
            "This library will serve 12,000 families who today have to drive 30 minutes to borrow a book": "Jane Alvarez",
            "We cannot afford another project that runs 40 percent over budget": "Tom Reed",  # "Reed told reporters"
            "We expect to open the doors in 2026": "Maria Chen",  # "she said", after "According to …, Maria Chen,"
            "It's about time": "one resident",
        }
    )
    assert [checks_of(c, "live") for c in claims_of(data, "site")] == [
        ["https://www.springfield.gov/audit-2023"]
    ]
    assert verify(offline_copy(data))["summary"] == {"supported": 7, "refuted": 0, "unverified": 0}


# --- attribution, unit by unit ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        (
            [
                '"Anggaran sudah cair," ujar Sekretaris Daerah Kota Cilegon, Maman Mauludin, di Cilegon, Senin.'
            ],
            [("Anggaran sudah cair", "Maman Mauludin")],
        ),
        (
            ["Menurut Kepala Bappeda Tb Dedi, “program itu tetap berjalan tahun ini.”"],
            [("program itu tetap berjalan tahun ini.", "Dedi")],
        ),
        (
            [
                "Kepala Dinas Kominfo, Ahmad Fauzi, mengatakan server baru dipasang.",
                '"Sudah kami perbaiki," katanya.',
            ],
            [("Sudah kami perbaiki", "Ahmad Fauzi")],
        ),
        (
            ['"Warga bisa mengakses layanan itu secara daring," jelas Wali Kota Helldy Agustian.'],
            [("Warga bisa mengakses layanan itu secara daring", "Helldy Agustian")],
        ),
        (
            ["The minister said: “We will publish every contract online by June.”"],
            [("We will publish every contract online by June.", "The minister")],
        ),
        (
            ["“The portal has been down since Friday,” according to a statement from the agency."],
            [("The portal has been down since Friday", "a statement")],
        ),
        (
            ['"We fixed the server," Smith told reporters. "It will not happen again."'],
            [("We fixed the server", "Smith"), ("It will not happen again.", "Smith")],
        ),
        (
            ['"The budget was approved in March," said Sen. Maria Lopez, D-Texas.'],
            [("The budget was approved in March", "Maria Lopez")],
        ),
    ],
)
def test_attribution_patterns(paragraphs, expected):
    assert [(q.text, q.speaker) for q in find_quotations(paragraphs)] == expected


def test_a_pronoun_is_carried_only_from_a_speaker_named_recently():
    recent = ["Juru bicara KPU, Rina Wati, menjelaskan jadwal pemilu.", '"Tidak ada perubahan," ujarnya.']
    assert [q.speaker for q in find_quotations(recent)] == ["Rina Wati"]
    stale = recent[:1] + [
        "Pemilu digelar serentak.",
        "Kotak suara dikirim ke desa.",
        "Logistik sudah siap.",
        '"Tidak ada perubahan," ujarnya.',
    ]
    [quote] = find_quotations(stale)
    assert quote.speaker is None  # left out rather than guessed


def test_an_unattributed_quotation_gets_no_speaker_and_terms_in_quotes_are_not_quotations():
    found = find_quotations(
        [
            'Warga menyebut aplikasi itu "siluman". "Tidak pernah ada yang membalas pesan kami '
            'di aplikasi itu."',
            'The so-called "smart city" program and the film "Love Story".',
        ]
    )
    assert [(q.text, q.speaker) for q in found] == [
        ("Tidak pernah ada yang membalas pesan kami di aplikasi itu.", None)
    ]


def test_straight_curly_and_mixed_quote_marks_are_all_read():
    found = find_quotations(
        [
            "“Satu dua tiga empat,” kata Ani.",
            '"Lima enam tujuh delapan," kata Ani.',
            '"Sembilan sepuluh sebelas dua belas!” teriak Ani.',
        ]
    )
    assert [q.text for q in found] == [
        "Satu dua tiga empat",
        "Lima enam tujuh delapan",
        "Sembilan sepuluh sebelas dua belas!",
    ]


# --- numbers, sites, ids ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "spans"),
    [
        (
            "Aplikasi itu dibeli pada 2022 dengan anggaran Rp 1,2 miliar.",
            ["dibeli pada 2022", "anggaran Rp 1,2 miliar"],
        ),
        ("Artinya, ranking 36 terbawah akan dirasionalisasi.", ["36 terbawah"]),
        ("Total ada 3.016 orang penumpang domestik.", ["3.016 orang penumpang"]),
        ("New vehicle sales plunged 10 percent last month.", ["plunged 10 percent"]),
        ("The council approved a $4.5 million budget.", ["approved a $4.5 million"]),
        ("Smart City menjadi program prioritas dalam RPJMD 2021-2026.", ["RPJMD 2021-2026"]),
        ("Hal itu disampaikan Yuddy, Selasa (16/2/2016).", []),  # when the reporter spoke to him
    ],
)
def test_number_spans_hold_the_number_and_its_subject(sentence, spans):
    assert [s.text for s in number_spans(sentence, 0, len(sentence))] == spans


def test_addresses_in_text_and_government_sites():
    text = (
        "Buka disnaker.cilegon.go.id atau https://dukcapil.cilegon.go.id/layanan. Tersebut.Dia pergi; "
        "Node.js bukan situs; surel humas@cilegon.go.id."
    )
    assert _addresses(text) == [
        ("http://disnaker.cilegon.go.id/", "disnaker.cilegon.go.id"),
        ("https://dukcapil.cilegon.go.id/layanan", "https://dukcapil.cilegon.go.id/layanan"),
    ]
    assert [
        is_government(h) for h in ("www.cilegon.go.id", "www.whitehouse.gov", "www.gov.uk", "kompas.com")
    ] == [True, True, True, False]


def test_ids_are_readable_and_never_collide():
    assert slug("quote Eka Asmadi Penutupan operasional") == "quote-eka-asmadi-penutupan-operasional"
    assert slug("Да ладно") == ""

    class Claim:
        def __init__(self, kind, words):
            self.kind, self.id_words = kind, words

    claims = [Claim("quote", "quote Budi sudah"), Claim("quote", "quote Budi sudah"), Claim("quote", "Да")]
    assert assign_ids(claims, {"quote-budi-sudah"}) == ["quote-budi-sudah-2", "quote-budi-sudah-3", "quote-3"]


def test_into_keeps_ids_unique_across_the_claims_folder(site):
    url = site.route("/berita/1", INDONESIAN)
    Path("claims").mkdir()
    Path("claims/kasus.yaml").write_text(
        "claims:\n  - id: number-29-layanan\n    claim: x\n    checks:\n      - live: https://example.invalid/\n",
        encoding="utf-8",
    )
    result = run("draft", url, "--into", "claims", "--no-canary", "--no-warc")
    assert result.exit_code == 0, result.output
    written = Path("claims/draft-aplikasi-disnaker-cilegon-dibeli-2022-baru.yaml")
    assert f"to {written}" in result.stderr and result.stdout == ""
    assert "id: number-29-layanan-2" in written.read_text(encoding="utf-8")
    lint = run("lint", "claims")
    assert lint.exit_code == 0, lint.output  # the draft joins the folder without a duplicate id


def test_max_keeps_the_most_checkable_claims_first(site):
    _, data, result = draft_file(site, INDONESIAN, "--max", "2")
    assert [c["id"] for c in data["claims"]] == [
        "quote-helldy-agustian-kota-kita-masih-berada",
        "quote-budi-santoso-servernya-sempat-bermasalah-tapi",
    ]
    assert "--max 2: left out the 9 least checkable claims" in result.stderr


def test_drafting_is_deterministic(site):
    url = site.route("/berita/1", INDONESIAN)
    first = run("draft", url, "--no-canary", "--no-warc")
    second = run("draft", url, "--no-canary", "--no-warc")
    assert first.exit_code == second.exit_code == 0
    assert first.stdout == second.stdout and first.stdout.startswith("# Claims drafted by civicheck")


# --- a page with nothing to draft, a page that cannot be had -----------------------------------------------


PLAIN = """<html><head><title>Rapat Paripurna DPRD Cilegon</title>
<meta property="article:published_time" content="2023-05-02T09:00:00+07:00"></head>
<body><article><h1>Rapat Paripurna DPRD Cilegon</h1>
<p>Dewan Perwakilan Rakyat Daerah Kota Cilegon menggelar rapat paripurna di gedung dewan pada 2 Mei 2023.
Rapat itu membahas laporan keterangan pertanggungjawaban wali kota dan dihadiri 40 anggota dewan.</p>
<p>Rapat berlangsung tertib dan selesai menjelang siang hari, kata panitia kepada wartawan.</p>
</article></body></html>"""


def test_a_page_without_quotes_or_links_drafts_its_publication_facts_only_and_says_so(site):
    url, data, result = draft_file(site, PLAIN)
    assert [c["id"] for c in data["claims"]] == ["article-rapat-paripurna-dprd-cilegon"]
    assert (
        f"note: {url}: no quotations or links found in the article: drafted its publication facts only"
        in result.stderr
    )
    assert verify("draft.yaml")["summary"] == {"supported": 1, "refuted": 0, "unverified": 0}


def test_a_page_that_cannot_be_fetched_gives_the_reason_exits_1_and_writes_nothing(site):
    missing = site.url("/berita/hilang")
    result = run("draft", missing, "-o", "draft.yaml", "--no-canary", "--no-warc")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"error: cannot draft from {missing}: 404 Not Found" in result.stderr
    assert "nothing was written" in result.stderr
    assert not Path("draft.yaml").exists()


def test_dns_failure_is_not_blamed_on_the_site_while_offline(closed_port_url):
    # The canary cannot be reached either: the machine is offline, and the reason says so.
    result = run(
        "draft",
        "http://portal.cilegon.invalid/berita",
        "-o",
        "draft.yaml",
        "--canary",
        closed_port_url,
        "--no-warc",
    )
    assert result.exit_code == 1
    assert (
        "error: cannot draft from http://portal.cilegon.invalid/berita: network unavailable" in result.stderr
    )
    assert not Path("draft.yaml").exists()
    trusted = run("draft", "http://portal.cilegon.invalid/berita", "--no-canary", "--no-warc")
    assert trusted.exit_code == 1 and "DNS lookup failed" in trusted.stderr


def test_one_failure_among_several_articles_writes_nothing(site):
    good = site.route("/berita/1", INDONESIAN)
    result = run("draft", good, site.url("/hilang"), "-o", "draft.yaml", "--no-canary", "--no-warc")
    assert result.exit_code == 1 and not Path("draft.yaml").exists()


def test_a_bot_wall_is_not_drafted_from(site):
    wall = (
        '<html><head><title>Just a moment...</title></head><body><div id="cf-wrapper">'
        '<script src="/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1"></script></div></body></html>'
    )
    url = site.route(
        "/berita/1", wall, status=403, headers={"Server": "cloudflare", "cf-ray": "8a1b2c3d4e5f-SIN"}
    )
    result = run("draft", url, "-o", "draft.yaml", "--no-canary", "--no-warc")
    assert result.exit_code == 1 and "bot wall" in result.stderr and not Path("draft.yaml").exists()


def test_an_existing_output_is_not_overwritten_without_force(site):
    url = site.route("/berita/1", INDONESIAN)
    Path("draft.yaml").write_text("# my edits\n", encoding="utf-8")
    refused = run("draft", url, "-o", "draft.yaml", "--no-canary", "--no-warc")
    assert refused.exit_code == 2 and "already exists" in refused.stderr
    assert Path("draft.yaml").read_text(encoding="utf-8") == "# my edits\n"
    forced = run("draft", url, "-o", "draft.yaml", "--no-canary", "--no-warc", "--force")
    assert forced.exit_code == 0 and "claims:" in Path("draft.yaml").read_text(encoding="utf-8")


def test_bad_usage_is_exit_2(site):
    assert run("draft").exit_code == 2
    assert run("draft", "ftp://example.invalid/x").exit_code == 2
    assert run("draft", "no-such-file.html").exit_code == 2


# --- the same WARC as verify, replay, saved files -----------------------------------------------------------


def test_the_fetch_is_archived_and_replay_drafts_the_same_file(site):
    url = site.route("/berita/1", INDONESIAN)
    live = run("draft", url, "--no-canary", "--archive-dir", "warcs")
    assert live.exit_code == 0, live.output
    [warc] = Path("warcs").glob("*.warc.gz")
    assert f"archived what was seen in {warc}" in live.stderr
    site.route("/berita/1", "<html><body><p>changed</p></body></html>")
    replayed = run("draft", url, "--replay", str(warc))
    assert replayed.exit_code == 0, replayed.output
    assert replayed.stdout == live.stdout
    every_page = run("draft", "--replay", str(warc))
    assert every_page.stdout == live.stdout


def test_a_saved_html_file_cites_its_canonical_address_or_url():
    result = run("draft", str(PAGES / "council-library-budget.html"))
    assert result.exit_code == 0, result.output
    assert "url: https://ledger.example/news/2024/03/12/council-library-budget" in result.stdout
    Path("saved.html").write_text(PLAIN, encoding="utf-8")  # no canonical address
    refused = run("draft", "saved.html")
    assert refused.exit_code == 2 and "--url" in refused.stderr
    given = run("draft", "saved.html", "--url", "https://warta.example/rapat")
    assert given.exit_code == 0 and "url: https://warta.example/rapat" in given.stdout


def test_a_saved_pdf_is_drafted_page_by_page(site):
    from test_evidence_quality import make_pdf

    pdf = make_pdf(
        [
            'Siaran pers Pemerintah Kota Cilegon.\n"Aplikasi layanan kerja sudah bisa diakses warga,"\n'
            "kata Kepala Dinas Tenaga Kerja, Budi Santoso.\nAplikasi itu dibeli pada 2022."
        ]
    )
    url = site.route("/siaran-pers.pdf", pdf, content_type="application/pdf")
    Path("siaran.pdf").write_bytes(pdf)
    result = run("draft", "siaran.pdf", "--url", url, "-o", "draft.yaml")
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(Path("draft.yaml").read_text(encoding="utf-8"))
    [quote] = claims_of(data, "quote")
    assert quote["said_by"] == "Budi Santoso"
    assert checks_of(quote, "quote")[0]["text"] == "Aplikasi layanan kerja sudah bisa diakses warga"
    assert verify(offline_copy(data))["summary"]["refuted"] == 0


# --- untrusted page text ------------------------------------------------------------------------------------


def test_hostile_page_text_cannot_break_the_claims_file(site):
    hostile = (
        "<html><head><title>Judul\x1b[2J #komentar: [x]</title></head><body><article>"
        '<p>\u202e"Ini kutipan: - id: palsu\nclaims: [] # bukan komentar," kata Budi\x07 Santoso di kota.</p>'
        '<p>"\'Tanda kutip\' \\" dan &quot;lagi&quot; serta {kurung} & *bintang*," ujarnya pada 2023.</p>'
        "</article></body></html>"
    )
    url, data, _ = draft_file(site, hostile)
    text = Path("draft.yaml").read_text(encoding="utf-8")
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", text)
    assert run("lint", "draft.yaml").exit_code == 0
    assert [c["id"] for c in data["claims"] if "quote" in c["tags"]]  # still drafted, as inert text
    assert verify(offline_copy(data))["summary"]["refuted"] == 0


# --- the README's examples are what the tool prints ---------------------------------------------------------


def _readme_samples() -> list[tuple[list[str], str]]:
    """Each `civicheck draft tests/pages/…` command in the README's draft section, with the YAML under it."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Drafting claims from an article", 1)[1].split("\n## ", 1)[0]
    found = re.findall(
        r"```sh\n(civicheck draft tests/pages/[^\n]+)\n```\n\n```yaml\n(.*?)```", section, re.S
    )
    return [(command.split()[2:], sample) for command, sample in found]


def test_readme_draft_examples_are_what_draft_prints():
    """The samples may leave claims out ("# …"); every claim they show is printed as shown, in that order."""
    samples = _readme_samples()
    assert len(samples) == 2
    for args, sample in samples:
        result = run("draft", str(PAGES.parent.parent / args[0]), *args[1:], "--no-warc")
        assert result.exit_code == 0, result.output
        printed = result.stdout.split("\n\n")
        shown = [block for block in sample.split("\n\n") if block.strip() != "# …"]
        positions = [
            printed.index(block.rstrip("\n") if block is not shown[-1] else block) for block in shown
        ]
        assert positions == sorted(positions)
    assert "drafted 11 claims (3 quote, 3 number, 3 site, 1 audit, 1 article)" in " ".join(
        readme_section().split()
    )


def readme_section() -> str:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    return readme.split("## Drafting claims from an article", 1)[1].split("\n## ", 1)[0]


def test_draft_refuses_a_private_address_unless_allowed(site, monkeypatch):
    """draft fetches like verify: a loopback article is refused by default and named, nothing is written."""
    monkeypatch.delenv("CIVICHECK_ALLOW_PRIVATE")
    url = site.route("/berita/1", INDONESIAN)
    refused = run("draft", url, "-o", "draft.yaml", "--no-canary")
    assert refused.exit_code == 1
    assert "127.0.0.1 is a loopback address" in refused.stderr
    assert not Path("draft.yaml").exists() and site.hits("/berita/1") == 0
    allowed = run("draft", url, "-o", "draft.yaml", "--no-canary", "--allow-private")
    assert allowed.exit_code == 0, allowed.stderr
    assert Path("draft.yaml").exists() and site.hits("/berita/1") == 1
