"""Extraction: visible page text, article body placement on the page, links, and the article-scope fallback."""

from __future__ import annotations

from civicheck.claims import Check
from civicheck.extract import Document, extract
from civicheck.fetch import FetchResult
from civicheck.kinds.sources import ARTICLE_GAP, search_in_scope
from civicheck.match import find_quote

MENU = "Beranda Berita Daerah Nasional"
LEDE = "Pemerintah Kota Cilegon menetapkan Smart City sebagai program prioritas dalam RPJMD 2021-2026, kata Wali Kota."
P1 = "Aplikasi layanan ketenagakerjaan sudah bisa diakses masyarakat sejak Juli 2023, ujar Kepala Dinas Tenaga Kerja."
BOX = "Baca juga: portal kota kini menautkan seluruh dinas, termasuk Disdukcapil dan Disnaker, di halaman depannya."
P2 = "Menurut dia, sebanyak 29 layanan akan terhubung dengan portal kota tahun depan setelah anggaran disetujui DPRD."
FOOTER = "Hak cipta 2026 Pemerintah Kota Cilegon. Seluruh isi situs ini dilindungi undang-undang yang berlaku di Indonesia."


def doc() -> Document:
    return Document(
        "http://x/a",
        "http://x/a",
        "html",
        title="t",
        page_blocks=[MENU, "Smart City jadi prioritas", LEDE, P1, BOX, P2, FOOTER],
        article_paragraphs=[P1, P2],
    )


def test_article_span_is_the_body_as_laid_out_with_its_lede():
    span = [p.text for p in doc().article_span()]
    assert span == [LEDE, P1, BOX, P2]  # the menu, the short headline and the footer stay out


def test_article_span_is_empty_without_main_text():
    assert Document("u", "u", "html", page_blocks=[MENU, P1]).article_span() == []


def search(text: str, scope: str = "article"):
    check = Check(kind="quote", url="http://x/a", line=1, text=text, scope=scope)
    return search_in_scope(
        check, doc(), lambda passages, article: find_quote(text, passages, article=article)
    )


def test_article_scope_finds_a_passage_the_extractor_left_out_and_says_so():
    found, note = search("portal kota kini menautkan seluruh dinas")
    assert found.passed and note == ARTICLE_GAP
    assert found.reason == "quote found in the article body on the page, between paragraphs 1 and 2"
    found, note = search("menetapkan Smart City sebagai program prioritas")  # the lede the extractor dropped
    assert found.passed and found.hits[0].label == "the article body on the page, before paragraph 1"
    found, note = search("sebanyak 29 layanan akan terhubung")
    assert found.passed and note is None and found.hits[0].label == "paragraph 2 of the article"


def test_article_scope_still_refuses_text_outside_the_article_and_altered_quotes():
    found, _ = search("Seluruh isi situs ini dilindungi undang-undang")
    assert not found.passed
    found, _ = search("sebanyak 39 layanan akan terhubung")
    assert not found.passed and "29" in found.reason


def test_visible_text_blocks_links_and_invisible_parts():
    html = (
        "<html><head><title>Judul</title><style>p{}</style><script>var x='Smart City';</script></head><body>"
        "<p>tersebut.<br>Dia berkata <b>Smart</b> City</p><div hidden>rahasia</div><!-- komentar -->"
        "<a href='/dinas#atas'>Dinas</a><a href='mailto:a@b'>Surel</a><a href='/dinas'>Dinas lagi</a>"
        "</body></html>"
    )
    result = FetchResult(
        "http://x/a",
        "http://x/a",
        200,
        "OK",
        None,
        "200 OK",
        "2026-01-01T00:00:00Z",
        headers=[("Content-Type", "text/html; charset=utf-8")],
        body=html.encode(),
    )
    d = extract(result)
    assert d.title == "Judul"
    # <br> ends a line; inline markup joins, as a browser shows it ("Smart City", "DinasSurel..." unspaced).
    assert d.page_blocks == ["tersebut.", "Dia berkata Smart City", "DinasSurelDinas lagi"]
    assert [(link.url, link.text) for link in d.links] == [("http://x/dinas", "Dinas")]
    assert "rahasia" not in d.text and "komentar" not in d.text and "var x" not in d.text


# --- huge pages are read in part; garbled text is repaired ----------------------------------------------------


def _page(html: str) -> FetchResult:
    return FetchResult(
        "http://x/a",
        "http://x/a",
        200,
        "OK",
        None,
        "",
        "",
        headers=[("Content-Type", "text/html; charset=utf-8")],
        body=html.encode(),
    )


def test_a_huge_page_is_read_up_to_the_limits_and_says_so():
    from civicheck.extract import ELEMENT_LIMIT, PAGE_LIMIT

    small = extract(_page(f"<html><body><p>{LEDE}</p></body></html>"))
    assert small.cut is None and not small.article_cut
    long = extract(_page("<html><body>" + f"<p>{LEDE}</p>" * (PAGE_LIMIT // len(LEDE) + 10)))
    assert long.cut == "only the first 2 MB of its 2.1 MB of markup were read" and long.article_cut
    assert long.page_blocks[0] == LEDE  # what was read is read whole
    many = extract(_page("<html><body>" + "<i>x</i>" * ELEMENT_LIMIT + "<p>" + "end " * 100_000 + "</p>"))
    assert many.cut == "only the first 800 kB of its 1.2 MB of markup were read" and "end" not in many.text


def test_article_scope_on_a_page_too_large_for_its_main_text_searches_the_page():
    big = Document(
        "http://x/a", "http://x/a", "html", page_blocks=[LEDE, P1], article_paragraphs=[P1], article_cut=True
    )
    passages, article, note = big.passages("article")
    assert [p.text for p in passages] == [LEDE, P1] and article == []
    assert note == "the page is too large to find its main text in; searched the whole page instead"


def test_the_links_a_selector_picks_are_collected_while_the_page_is_read():
    from civicheck.extract import links_in

    result = _page(
        '<html><body><nav><a href="/menu">Menu</a></nav><ul id="dinas"><li><a href="/disnaker">'
        'Disnaker</a></li><li><a href="/dukcapil">Dukcapil â€\x9d</a></li></ul></body></html>'
    )
    document = extract(result, selectors=("#dinas",))
    assert document.selected_links["#dinas"] == links_in(result, "#dinas")
    assert [(link.url, link.text) for link in document.selected_links["#dinas"]] == [
        ("http://x/disnaker", "Disnaker"),
        ("http://x/dukcapil", "Dukcapil ”"),
    ]  # link text is repaired too


def test_mojibake_is_repaired_in_every_text_a_check_reads():
    garbled = "Caf\u00c3\u00a9 \u00e2\u20ac\u0153Sehat\u00e2\u20ac\x9d"  # 'Café “Sehat”' read as windows-1252
    doc = extract(
        _page(
            f"<html><head><title>{garbled}</title></head><body><article><p>{garbled} buka "
            f"setiap hari untuk warga Kota Cilegon.</p></article></body></html>"
        )
    )
    assert doc.title == "Café “Sehat”" and doc.repaired
    assert doc.page_blocks[-1].startswith("Café “Sehat” buka") and doc.article_paragraphs[0].startswith(
        "Café “Sehat”"
    )


def test_a_garbled_closing_quote_that_lost_its_last_byte_is_repaired_too():
    from civicheck.extract import repair

    # windows-1252 has no character for the 0x9D that ends "”" in UTF-8: many systems drop it.
    assert repair("“Kami siap,â€ kata Wali Kota.") == "“Kami siap,” kata Wali Kota."
    assert repair("â€œYa,â€ jawabnya â€“ singkat â€¦") == "“Ya,” jawabnya – singkat …"
    assert repair("catatan kaki †1 dan “kutipan”") == "catatan kaki †1 dan “kutipan”"  # correct text stays


def test_correct_text_beside_mojibake_and_c1_controls_is_left_as_it_is():
    from civicheck.extract import repair

    # Each line is handed to ftfy only when its badness pattern matches: curly quotes, dashes, accents and
    # no-break spaces in correct text never do, a garbled line or a C1 control beside them still does.
    correct = "“Kami siap” – kata Wali Kota\u00a0Cilegon, café, naïve, 2021–2026 …"
    assert repair(correct) == correct
    assert repair(correct + "\nCaf\u00c3\u00a9 buka") == correct + "\nCafé buka"
    assert repair("harga \x80 5") == "harga € 5"  # a C1 control that windows-1252 reads as "€"


def test_checks_read_the_same_main_text_without_the_metadata_only_draft_uses():
    from civicheck.reading import read_page

    page = _page(
        '<html><head><title>Aplikasi Disnaker</title><meta name="author" content="Rina Wati">'
        '<meta property="og:site_name" content="Kabar Cilegon"></head><body><article>'
        f"<h1>Aplikasi Disnaker</h1><p>{LEDE}</p><p>{P1}</p></article></body></html>"
    )
    drafted = extract(page)  # what `draft` reads: trafilatura's metadata too
    assert drafted.meta["author"] == "Rina Wati" and drafted.meta["sitename"] == "Kabar Cilegon"
    checked = read_page(page).document  # what a check judges: the main text only (trafilatura's metadata
    assert checked is not None  # was two fifths of its time on a news page)
    assert checked.article_paragraphs == drafted.article_paragraphs and LEDE in checked.article_paragraphs
    assert checked.meta["author"] is None and checked.meta["title"] == "Aplikasi Disnaker"


def _chars(items) -> set[str] | None:
    """The characters a parsed regex element matches (None: a category such as \\w, or a negated set)."""
    import re._constants as sc

    op, arg = items
    if op == sc.LITERAL:
        return {chr(arg)}
    if op != sc.IN:
        return None
    found: set[str] = set()
    for kind, value in arg:
        if kind == sc.LITERAL:
            found.add(chr(value))
        elif kind == sc.RANGE:
            found |= {chr(c) for c in range(value[0], value[1] + 1)}
        else:
            return None
    return found


def test_no_mojibake_pattern_of_ftfy_is_made_of_harmless_characters_alone():
    import re._constants as sc
    import re._parser as parser

    from ftfy.badness import BADNESS_RE

    from civicheck.extract.clean import HARMLESS

    # Text made only of ASCII and HARMLESS is never handed to ftfy (clean.repair): that is right only if every
    # branch of ftfy's badness pattern needs a character outside them somewhere. Checked on the ftfy
    # installed, so an upgrade that adds a pattern fails here rather than leaving mojibake unrepaired.
    harmless = _chars(parser.parse(f"[{HARMLESS}]")[0]) or set()
    allowed = harmless | {chr(c) for c in range(128)}
    assert "\u2019" in harmless and "\u0433" in harmless and "\u0413" not in harmless and "é" not in harmless
    (kind, (_, branches)), *_ = parser.parse(BADNESS_RE.pattern, BADNESS_RE.flags)
    assert kind == sc.BRANCH and len(branches) > 30
    for branch in branches:
        needs = [_chars(item) for item in branch]
        assert any(chars is not None and not chars & allowed for chars in needs), branch


def test_a_page_only_text_checks_cite_is_read_without_its_links_and_says_so():
    from civicheck.reading import TEXT_ONLY, read_page

    page = _page(
        f'<html><head><title>Disnaker</title></head><body><p>{LEDE}</p><a href="/x">Layanan</a></body>'
    )
    whole, narrow = read_page(page).document, read_page(page, needs=TEXT_ONLY).document
    assert whole is not None and narrow is not None
    assert [link.url for link in whole.links] == ["http://x/x"] and whole.links_read
    assert narrow.links == [] and not narrow.links_read
    assert (narrow.page_blocks, narrow.article_paragraphs, narrow.title) == (
        whole.page_blocks,
        whole.article_paragraphs,
        whole.title,
    )


def test_every_escape_sequence_starts_with_a_character_clean_text_looks_for():
    from civicheck.escape import ESCAPE_SEQUENCE
    from civicheck.extract.clean import ESCAPE_START

    starts = [
        c
        for c in map(chr, range(0x110000))
        if any(ESCAPE_SEQUENCE.match(c + rest) for rest in ("", "[0m", "]0;title\x07", "x\x9c", "P1$r\x1b\\"))
    ]
    assert starts == [c for c in map(chr, range(0x110000)) if ESCAPE_START.match(c)]
    assert len(starts) == 33  # ESC and the 32 C1 controls
