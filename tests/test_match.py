"""Tests for civicheck.match: normalisation rules, quote and phrase matching, labels, excerpts, speed.

Self-contained: small Indonesian and English texts written here, no network, no corpus.
"""

from __future__ import annotations

import random
import time

import pytest

from civicheck.extract import Passage
from civicheck.match import find_phrases, find_quote, index, normalise, tokens

LOMBOK = (
    "Mataram, NTB (ANTARA News) - Sebanyak 29 penerbangan baik domestik dan internasional dari dan menuju "
    "Bandara Internasional Lombok harus dibatalkan menyusul ditutupnya operasional bandara akibat abu vulkanik."
)
PEMERINTAH = "Pemerintah kota akan membangun 12 taman baru pada 2021–2026, kata Wali Kota, Kamis (6/11)."
ENGLISH = "The council will open the new library in March, and the mayor said it is “a place for everyone.”"


def article(*texts: str) -> list[Passage]:
    return [Passage(t, "article", i) for i, t in enumerate(texts, 1)]


def page(*texts: str) -> list[Passage]:
    return [Passage(t, "page", i) for i, t in enumerate(texts, 1)]


DOC = article(LOMBOK, PEMERINTAH, ENGLISH)


# --- normalise: one rule per test ------------------------------------------------------------------------------


def test_normalise_nfkc_and_case():
    assert normalise("ＪＡＫＡＲＴＡ ﬁnal") == "jakarta final"
    assert normalise("Straße") == normalise("STRASSE")


@pytest.mark.parametrize("quote", ["‘", "’", "‚", "‛", "′", "`", "´"])
def test_normalise_single_quotes_and_apostrophes(quote):
    assert normalise(f"{quote}don{quote}t{quote}") == "'don't'"


@pytest.mark.parametrize("quote", ["“", "”", "„", "‟", "«", "»", "″"])
def test_normalise_double_quotes(quote):
    assert normalise(f"{quote}ya{quote}") == '"ya"'


@pytest.mark.parametrize("dash", ["‐", "‑", "‒", "–", "—", "―", "−"])
def test_normalise_dashes(dash):
    assert normalise(f"2021{dash}2026") == "2021-2026"


def test_normalise_invisible_characters_removed():
    assert normalise("pem\u00adbatalan") == "pembatalan"  # soft hyphen
    assert normalise("ban\u200bdara\u200c \u200dbaru\u2060\ufeff") == "bandara baru"


def test_normalise_non_breaking_and_other_spaces_are_spaces():
    assert normalise("29\u00a0penerbangan\u202fdomestik\u2007x") == "29 penerbangan domestik x"


def test_normalise_whitespace_runs_and_line_breaks():
    assert normalise("  kata \n\n dia\t\r\n lagi  ") == "kata dia lagi"


def test_normalise_sentence_joined_by_a_line_break():
    assert normalise("tersebut.Dia") == normalise("tersebut. Dia") == "tersebut. dia"
    assert normalise('katanya."Dia') == normalise('katanya." Dia')
    assert normalise("mengatakan,pembatalan") == normalise("mengatakan, pembatalan")


def test_normalise_leaves_numbers_and_domains_alone():
    assert normalise("3.5 dan 29,5 di kompas.com, U.S.A") == "3.5 dan 29,5 di kompas.com, u.s.a"


# --- tokens ----------------------------------------------------------------------------------------------------


def test_tokens_keep_numbers_whole():
    assert tokens("2021–2026, 29,5 dan 3.5 pukul 08.00 (6/11)") == [
        "2021-2026",
        "29,5",
        "dan",
        "3.5",
        "pukul",
        "08.00",
        "6/11",
    ]
    assert tokens("2021-2026") == tokens("2021—2026") == ["2021-2026"]
    assert tokens("2021 – 2026") == tokens("2021 -2026") == ["2021", "-", "2026"]  # see test_contains_ranges


def test_tokens_sign_and_symbols_count():
    assert tokens("suhu -5 derajat") != tokens("suhu 5 derajat")
    assert tokens("suhu –5 derajat") == tokens("suhu −5 derajat") == ["suhu", "-5", "derajat"]
    assert tokens("naik 50%") == ["naik", "50", "%"]
    assert tokens("$5 million") != tokens("€5 million")


def test_tokens_words():
    assert tokens("isn't") == ["isn't"] != tokens("is")
    assert tokens("Smart-City") == ["smart", "city"]
    assert tokens("COVID-19") == tokens("COVID19") == ["covid", "19"]
    assert tokens("“Kata”, dia.") == ["kata", "dia"]


# --- quotes: found ---------------------------------------------------------------------------------------------


def test_quote_exact_indonesian():
    r = find_quote("Sebanyak 29 penerbangan baik domestik dan internasional", DOC)
    assert r.passed and r.reason == "quote found in paragraph 1 of the article"
    assert r.hits[0].text == "Sebanyak 29 penerbangan baik domestik dan internasional"


def test_quote_exact_english_with_curly_quotes_in_page():
    r = find_quote('the mayor said it is "a place for everyone."', DOC)
    assert r.passed
    assert r.hits[0].text == "the mayor said it is “a place for everyone.”"  # closed, with its final stop


def test_quote_whitespace_and_line_breaks_never_material():
    r = find_quote("Sebanyak  29\npenerbangan \r\n baik\tdomestik\u00a0dan", DOC)
    assert r.passed


def test_quote_case_and_punctuation_never_material_hit_shows_page_wording():
    r = find_quote(
        "pemerintah KOTA akan membangun 12 taman baru pada 2021-2026 kata wali kota kamis 6/11", DOC
    )
    assert r.passed
    assert (
        r.hits[0].text
        == "Pemerintah kota akan membangun 12 taman baru pada 2021–2026, kata Wali Kota, Kamis (6/11)."
    )


def test_quote_invisible_characters_in_page():
    doc = page("Bandara\u00a0Internasional Lom\u00adbok harus\u200b dibatalkan")
    assert find_quote("Bandara Internasional Lombok harus dibatalkan", doc).passed


def test_quote_curly_vs_straight_apostrophes():
    doc = page("The mayor’s office said it isn’t ready.")
    assert find_quote("The mayor's office said it isn't ready.", doc).passed
    assert find_quote("the mayor`s office said it isn‘t ready", doc).passed


def test_quote_across_two_passages():
    doc = page("Menu Beranda", "Dia mengatakan hal tersebut.", "Dia juga menambahkan bahwa bandara ditutup.")
    r = find_quote("hal tersebut. Dia juga menambahkan", doc)
    assert r.passed
    hit = r.hits[0]
    assert hit.passage == 1 and hit.spans_passages
    assert (hit.start, hit.end) == (15, len(doc[1].text))  # end clamped to the end of the first passage
    assert hit.text == "hal tersebut. Dia juga menambahkan"


def test_quote_page_glued_sentences_tersebut_dia():
    doc = page("Dia mengatakan hal tersebut.Dia juga menambahkan bahwa bandara ditutup.")
    assert find_quote("hal tersebut. Dia juga menambahkan", doc).passed
    assert find_quote("hal tersebut.Dia juga", page("hal tersebut. Dia juga")).passed


def test_quote_words_joined_or_split_differently():
    doc = page("dan bataswaktu pendaftaran adalah tanggal 8 April")
    r = find_quote("dan batas waktu pendaftaran", doc)
    assert r.passed and r.hits[0].text == "dan bataswaktu pendaftaran"
    assert not find_quote("waktu pendaftaran adalah", doc).passed  # part of a word is not the word


def test_quote_unspaced_script():
    doc = page("今回はそのKindleデスクトップアプリKindle for PCに関する話。")
    assert find_quote("デスクトップアプリ Kindle for PC に関する話", doc).passed


# --- quotes: material differences ------------------------------------------------------------------------------


def test_quote_changed_number_fails_with_diff():
    r = find_quote("Sebanyak 39 penerbangan baik domestik dan internasional", DOC)
    assert not r.passed
    assert r.reason == "misquote: page says '29 penerbangan', claim says '39 penerbangan'"
    assert r.differences == ["page says '29 penerbangan', claim says '39 penerbangan'"]
    assert r.closest is not None and r.closest.passage == 0
    assert r.closest.text.startswith("Sebanyak 29 penerbangan")


@pytest.mark.parametrize(
    "claim",
    [
        "membangun 12 taman baru pada 2021-2025",  # range
        "membangun 12 taman baru pada 2021",  # range cut short
        "akan membangun 1 2 taman",  # digits regrouped
        "akan membangun -12 taman",  # sign
    ],
)
def test_quote_any_number_change_fails(claim):
    assert not find_quote(claim, DOC).passed


def test_quote_decimal_separator_is_material():
    doc = page("Inflasi naik 3.5 persen tahun ini.")
    assert find_quote("naik 3.5 persen", doc).passed
    assert not find_quote("naik 3,5 persen", doc).passed


def test_quote_swapped_name_fails():
    r = find_quote("menuju Bandara Internasional Bali harus dibatalkan", DOC)
    assert not r.passed
    assert "page says 'Lombok harus', claim says 'Bali harus'" in r.differences


def test_quote_inserted_negation_indonesian_fails():
    r = find_quote("Pemerintah kota tidak akan membangun 12 taman baru", DOC)
    assert not r.passed
    assert r.differences == ["page says 'kota akan', claim says 'kota tidak akan'"]


@pytest.mark.parametrize(
    "claim, difference",
    [
        ("The council will not open the new library", "page says 'will open', claim says 'will not open'"),
        ("the mayor said it isn't a place for everyone", "page says 'is “a', claim says 'isn't a'"),
        (
            "The council never will open the new library",
            "page says 'council will', claim says 'council never will'",
        ),
    ],
)
def test_quote_inserted_negation_english_fails(claim, difference):
    r = find_quote(claim, DOC)
    assert not r.passed
    assert r.differences == [difference]


def test_quote_word_left_out_fails():
    r = find_quote("Sebanyak 29 penerbangan domestik dan internasional", DOC)
    assert not r.passed
    assert r.differences == ["page says 'penerbangan baik domestik', claim says 'penerbangan domestik'"]


def test_quote_several_differences_all_listed():
    r = find_quote(
        "Sebanyak 30 penerbangan baik domestik dan internasional dari dan menuju Bandara Jakarta", DOC
    )
    assert not r.passed and len(r.differences) == 2
    assert r.reason.endswith("(and 1 more difference)")


def test_quote_nothing_close():
    r = find_quote("The quick brown fox jumps over the lazy dog", DOC)
    assert not r.passed
    assert r.reason == "not found: no passage close to the quote"
    assert r.closest is None


def test_quote_without_words_or_text():
    assert find_quote("…", DOC).reason == "the quote has no words to look for"
    assert not find_quote("kata dia", []).passed


# --- quotes: elisions ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mark", ["...", "…", " [...] ", "(…)", ". . ."])
def test_elided_quote_found(mark):
    r = find_quote(f"Sebanyak 29 penerbangan{mark}harus dibatalkan menyusul ditutupnya", DOC)
    assert r.passed, r.reason
    assert [h.text for h in r.hits] == ["Sebanyak 29 penerbangan", "harus dibatalkan menyusul ditutupnya"]
    assert r.reason == "all 2 parts of the elided quote found, in order, in paragraph 1 of the article"


def test_elided_quote_leading_and_trailing_ellipsis():
    assert find_quote("… harus dibatalkan menyusul …", DOC).passed


def test_elided_quote_parts_out_of_order_fail():
    r = find_quote("harus dibatalkan … Sebanyak 29 penerbangan", DOC)
    assert not r.passed
    assert r.reason == "each part of the elided quote is on the page, but not in this order"


def test_elided_quote_parts_across_paragraphs_within_window():
    assert find_quote("akibat abu vulkanik ... Pemerintah kota akan membangun", DOC).passed


def test_elided_quote_parts_too_far_apart_fail():
    filler = " ".join(["kata"] * 70)
    doc = page("Gubernur membuka jalan baru.", filler + ".", "Jalan itu sepanjang 5 kilometer.")
    r = find_quote("Gubernur membuka jalan baru ... Jalan itu sepanjang 5 kilometer", doc)
    assert not r.passed
    assert "words apart in different paragraphs" in r.reason
    # Within one paragraph the distance does not matter.
    one = page("Gubernur membuka jalan baru. " + filler + ". Jalan itu sepanjang 5 kilometer.")
    assert find_quote("Gubernur membuka jalan baru ... Jalan itu sepanjang 5 kilometer", one).passed


def test_elided_quote_with_altered_part_fails():
    r = find_quote("Sebanyak 39 penerbangan … harus dibatalkan", DOC)
    assert not r.passed
    assert r.reason.startswith("misquote (part 1 of 2 of the elided quote): page says '29 penerbangan'")
    assert [h.text for h in r.hits] == ["harus dibatalkan"]


# --- contains --------------------------------------------------------------------------------------------------


def test_contains_all_found():
    r = find_phrases(DOC, all=["penerbangan", "Bandara Internasional Lombok"])
    assert r.passed and r.reason == "all 2 phrases found in the article text"
    assert r.found == ["penerbangan", "Bandara Internasional Lombok"]
    assert [h.text for h in r.hits] == ["penerbangan", "Bandara Internasional Lombok"]


def test_contains_missing():
    r = find_phrases(DOC, all=["Lombok", "Smart City"])
    assert not r.passed and r.reason == "missing: 'Smart City'"
    assert r.missing == ["Smart City"] and r.found == ["Lombok"]


def test_contains_word_boundaries():
    doc = page("Pemerintah Kotamadya Surabaya", "Program smart-city 2021–2026 dan SmartCity")
    assert not find_phrases(doc, all=["kota"]).passed
    assert not find_phrases(doc, all=["surabay"]).passed
    assert find_phrases(doc, all=["kotamadya"]).passed
    assert find_phrases(doc, all=["Smart City"]).passed  # hyphen and case are not material
    assert [h.text for h in find_phrases(doc, all=["Smart City"]).hits] == ["smart-city"]
    assert find_phrases(page("pakai SmartCity"), all=["Smart City"]).passed  # nor where the space falls
    assert not find_phrases(page("pakai SmartCityku"), all=["Smart City"]).passed
    assert find_phrases(doc, all=["2021-2026"]).passed
    assert not find_phrases(doc, all=["2021"]).passed  # a range is one number


def test_contains_ranges_with_or_without_spaces():
    for text in ("periode 2021-2026", "periode 2021 – 2026", "periode 2021 -2026", "periode 2021- 2026"):
        assert find_phrases(page(text), all=["2021–2026"]).passed, text
        assert find_phrases(page(text), all=["periode 2021 - 2026"]).passed, text
        assert not find_phrases(page(text), all=["2021-2025"]).passed, text
    row = page("Palm Bay 18 22 13 17 — 70")
    assert find_phrases(row, all=["13 17"]).passed
    assert find_quote("Palm Bay 18 22 13 17", row).passed
    assert not find_quote("Palm Bay 18 22 13 1770", row).passed


def test_contains_any():
    assert find_phrases(DOC, any=["Surabaya", "Lombok"]).passed
    r = find_phrases(DOC, any=["Surabaya", "Bali"])
    assert not r.passed and r.reason == "none of the alternatives found: 'Surabaya', 'Bali'"
    assert r.missing == ["Surabaya", "Bali"]


def test_contains_none():
    r = find_phrases(DOC, all=["penerbangan"], none=["dibatalkan", "ditunda"])
    assert not r.passed
    assert r.reason == "forbidden phrase found: 'dibatalkan' (in paragraph 1 of the article)"
    assert r.forbidden == ["dibatalkan"]
    assert [h.text for h in r.hits] == ["penerbangan", "dibatalkan"]  # found first, then forbidden
    assert find_phrases(DOC, none=["ditunda"]).passed


def test_contains_near():
    assert find_phrases(DOC, all=["29", "penerbangan"], near=0).passed
    assert find_phrases(DOC, all=["Sebanyak", "domestik"], near=3).passed
    r = find_phrases(DOC, all=["Sebanyak", "domestik"], near=2)
    assert not r.passed
    assert r.reason == (
        "the phrases are in the article text but never within 2 words of each other (nearest: 3 words apart)"
    )
    assert find_phrases(DOC, all=["Lombok"], any=["taman", "vulkanik"], near=10).passed
    assert not find_phrases(DOC, all=["Lombok"], any=["taman"], near=10).passed


def test_contains_near_picks_the_close_occurrences():
    doc = page("Lombok jauh sekali.", " ".join(["x"] * 50), "Di Lombok penerbangan dibatalkan.")
    r = find_phrases(doc, all=["Lombok", "penerbangan"], near=0)
    assert r.passed
    assert [h.passage for h in r.hits] == [2, 2]


def test_contains_stem():
    pytest.importorskip("Sastrawi")
    doc = page("Program ini diprioritaskan oleh pemerintah.")
    assert not find_phrases(doc, all=["prioritas"]).passed
    r = find_phrases(doc, all=["prioritas"], stem=True)
    assert r.passed and r.hits[0].text == "diprioritaskan"
    assert find_phrases(doc, all=["memprioritaskan pemerintah"], stem=False).passed is False


def test_contains_wordless_phrase_is_missing():
    r = find_phrases(DOC, all=["—"])
    assert not r.passed and "no words or numbers to look for" in r.reason


# --- labels ----------------------------------------------------------------------------------------------------


def test_labels_by_where():
    assert find_quote("Sebanyak 29 penerbangan", DOC).hits[0].label == "paragraph 1 of the article"
    pdf = [Passage("Laporan tahunan", "pdf", 142), Passage("Sebanyak 29 penerbangan dibatalkan", "pdf", 143)]
    assert find_quote("Sebanyak 29 penerbangan", pdf).hits[0].label == "p. 143"
    assert (
        find_quote("Sebanyak 29 penerbangan", page("Menu", LOMBOK)).hits[0].label
        == "block 2 of the page text"
    )


def test_labels_page_hits_against_the_article():
    pages = page("Beranda Berita Lombok", LOMBOK, "Baca juga: harga tiket naik")
    arts = article("Paragraf pembuka.", LOMBOK)
    r = find_quote("harus dibatalkan menyusul", pages, article=arts)
    assert r.hits[0].label == "paragraph 2 of the article"
    assert (
        find_quote("harga tiket naik", pages, article=arts).hits[0].label
        == "block 3 of the page text, outside the article body"
    )
    # "Lombok" is first in the menu, but the hit is the article's own occurrence.
    hit = find_phrases(pages, all=["Lombok"], article=arts).hits[0]
    assert (hit.passage, hit.label) == (1, "paragraph 2 of the article")
    r = find_phrases(pages, none=["tiket"], article=arts)
    assert (
        r.reason == "forbidden phrase found: 'tiket' (in block 3 of the page text, outside the article body)"
    )


# --- hits and excerpts -----------------------------------------------------------------------------------------


def test_hit_offsets_and_excerpt_mark():
    r = find_quote("Bandara Internasional Lombok harus", page(LOMBOK), context=30)
    hit = r.hits[0]
    assert LOMBOK[hit.start : hit.end] == "Bandara Internasional Lombok harus" == hit.text
    assert hit.excerpt[hit.mark[0] : hit.mark[1]] == hit.text
    assert hit.excerpt.startswith("…") and hit.excerpt.endswith("…")
    assert len(hit.excerpt) <= len(hit.text) + 2 * 30 + 2


def test_excerpt_collapses_whitespace_and_keeps_mark():
    text = "Awal   kalimat\n\ndi sini.  Bandara\n  Internasional   Lombok   ditutup  hari  ini."
    hit = find_quote("bandara internasional lombok", page(text), context=20).hits[0]
    assert text[hit.start : hit.end] == "Bandara\n  Internasional   Lombok"
    assert hit.text == "Bandara Internasional Lombok" == hit.excerpt[hit.mark[0] : hit.mark[1]]
    assert "  " not in hit.excerpt and "\n" not in hit.excerpt


def test_excerpt_whole_passage_has_no_cut_marks():
    hit = find_quote("kata dia", page("Begitu kata dia.")).hits[0]
    assert hit.excerpt == "Begitu kata dia." and hit.mark == (7, 16)  # the final stop is the page's too


# --- caching and speed -----------------------------------------------------------------------------------------


def test_stream_cached_for_equal_passages():
    passages = page("Satu dua tiga.", "Empat lima.")
    assert index.token_stream(passages) is index.token_stream(list(passages))


def _big_page() -> list[Passage]:
    rng = random.Random(1)
    words = "pemerintah kota akan membangun jalan baru di wilayah utara tahun ini kata dia kepada wartawan".split()
    blocks = [" ".join(rng.choice(words) for _ in range(60)) + "." for _ in range(140)]
    blocks.insert(70, LOMBOK)
    passages = page(*blocks)
    assert sum(len(p.text) for p in passages) >= 50_000
    return passages


def test_big_page_decided_quickly():
    passages = _big_page()
    index._CACHE.clear()
    index._BY_LIST.clear()
    for quote, passed in (
        (LOMBOK, True),
        (LOMBOK.replace("29", "39"), False),
        ("Sebanyak 29 penerbangan ... abu vulkanik", True),
        ("the quick brown fox jumps over the lazy dog", False),
    ):
        t0 = time.perf_counter()
        r = find_quote(quote, passages)
        assert time.perf_counter() - t0 < 2.0
        assert r.passed is passed
    t0 = time.perf_counter()
    assert find_phrases(passages, all=["penerbangan", "kota"], any=["Lombok"], none=["batal"], near=80).passed
    assert time.perf_counter() - t0 < 2.0


def test_excerpt_of_a_hit_across_passages():
    doc = page("Menu", "Dia mengatakan hal tersebut.", "Dia juga menambahkan bahwa bandara ditutup.")
    hit = find_quote("tersebut. Dia juga", doc, context=10).hits[0]
    assert hit.excerpt == "…hal tersebut. Dia juga…"  # cut at word boundaries within the context
    assert hit.excerpt[hit.mark[0] : hit.mark[1]] == hit.text == "tersebut. Dia juga"


def test_closest_hit_points_at_the_page_wording():
    r = find_quote("Bandara Internasional Bali harus dibatalkan", page("Menu", LOMBOK), context=20)
    hit = r.closest
    assert hit.passage == 1 and LOMBOK[hit.start : hit.end] == "Bandara Internasional Lombok harus dibatalkan"
    assert hit.excerpt[hit.mark[0] : hit.mark[1]] == hit.text


# --- altered copies are never supported -------------------------------------------------------------------------

SENTENCES = [
    (
        LOMBOK,
        [
            ("29", "39"),
            ("Lombok", "Bali"),
            ("harus dibatalkan", "tidak harus dibatalkan"),
            ("harus", "belum harus"),
            ("Mataram", "Surabaya"),
        ],
    ),
    (
        PEMERINTAH,
        [
            ("12", "13"),
            ("2021–2026", "2021–2027"),
            ("akan", "tidak akan"),
            ("(6/11)", "(7/11)"),
            ("Wali Kota", "Gubernur"),
        ],
    ),
    (
        ENGLISH,
        [
            ("March", "May"),
            ("will open", "will not open"),
            ("it is", "it isn't"),
            ("it is", "it’s not"),
            ("council", "mayor"),
            ("everyone", "no one"),
        ],
    ),
]


@pytest.mark.parametrize("sentence, alterations", SENTENCES)
def test_altered_copies_refuted_real_ones_found(sentence, alterations):
    doc = page("Beranda", sentence, "Baca juga")
    assert find_quote(sentence, doc).passed
    assert find_quote(" \n ".join(sentence.split(" ")), doc).passed
    for old, new in alterations:
        altered = sentence.replace(old, new, 1)
        r = find_quote(altered, doc)
        assert not r.passed, altered
        assert r.differences and r.reason.startswith("misquote: "), r.reason


# --- every hit names the place where it stands -------------------------------------------------------------------


def _article_page(
    paragraphs: list[str],
    *,
    before=("Beranda Berita Daerah",),
    after=("Baca juga: berita lain",),
    body: tuple[int, int] | None = None,
):
    """The page blocks of an article (menu, paragraphs, a box after), and the article passages extracted
    from it; `body`: the blocks (0-based) the page marks as the article body."""
    blocks = [*before, *paragraphs, *after]
    first, last = body or (-1, -1)
    return (
        [Passage(t, "page", i, first < i <= last + 1) for i, t in enumerate(blocks, 1)],
        article(*paragraphs),
    )


def test_each_part_of_an_elided_quote_is_labelled_where_it_stands():
    # The second part's words are in paragraph 3 too, but the part found stands in paragraph 10: that is the
    # paragraph to name, not the first one holding the same words.
    paras = [f"Paragraf nomor {n} tentang hal lain sama sekali." for n in range(1, 11)]
    paras[2] = "Anggaran daerah disahkan pekan lalu oleh dewan."
    paras[8] = "Wali kota mengatakan bahwa pembangunan jalan tetap berjalan."
    paras[9] = "Menurut dia, anggaran daerah disahkan pekan lalu oleh dewan."
    pages, arts = _article_page(paras)
    r = find_quote(
        "pembangunan jalan tetap berjalan … anggaran daerah disahkan pekan lalu", pages, article=arts
    )
    assert r.passed
    assert [h.label for h in r.hits] == ["paragraph 9 of the article", "paragraph 10 of the article"]
    assert (
        r.reason == "all 2 parts of the elided quote found, in order, in paragraphs 9 and 10 of the article"
    )
    for hit in r.hits:  # the label and the excerpt agree
        number = int(hit.label.split()[1])
        assert hit.text.rstrip(".") in paras[number - 1]


def test_a_single_quote_is_labelled_by_its_own_place_not_by_its_first_word():
    paras = ["Dewan menyetujui anggaran.", "Ketua dewan menyetujui anggaran itu setelah rapat panjang."]
    pages, arts = _article_page(paras, before=("Dewan menyetujui anggaran.",))  # the same words in a teaser
    r = find_quote("menyetujui anggaran itu setelah rapat", pages, article=arts)
    assert r.hits[0].label == "paragraph 2 of the article"
    assert r.reason == "quote found in paragraph 2 of the article"


def test_a_hit_in_the_article_body_but_in_no_extracted_paragraph_says_so():
    paras = [
        "Paragraf pertama berita ini cukup panjang untuk dikenali.",
        "Paragraf kedua berita ini juga cukup panjang untuk dikenali.",
    ]
    blocks = ["Beranda", paras[0], "Kutipan kotak: kota akan menambah 12 taman baru", paras[1], "Baca juga"]
    pages = [Passage(t, "page", i, 2 <= i <= 4) for i, t in enumerate(blocks, 1)]
    r = find_quote("kota akan menambah 12 taman baru", pages, article=article(*paras))
    assert r.hits[0].label == "the article body on the page, between paragraphs 1 and 2"
    assert r.reason == "quote found in the article body on the page, between paragraphs 1 and 2"
    # Marked by the page before the first paragraph (a lede, a subtitle inside <article>): before it.
    blocks = ["Beranda", "Lede: kota akan menambah 12 taman baru", *paras, "Baca juga"]
    pages = [Passage(t, "page", i, 2 <= i <= 4) for i, t in enumerate(blocks, 1)]
    r = find_quote("kota akan menambah 12 taman baru", pages, article=article(*paras))
    assert r.reason == "quote found in the article body on the page, before paragraph 1"
    # Not marked, and outside the extracted paragraphs: outside the body, with the block to find it by.
    pages = [Passage(t, "page", i) for i, t in enumerate(blocks, 1)]
    r = find_quote("kota akan menambah 12 taman baru", pages, article=article(*paras))
    assert r.reason == "quote found in block 2 of the page text, outside the article body"


def test_hits_across_paragraphs_and_pdf_pages_name_both():
    r = find_quote(
        "untuk dikenali. Paragraf kedua",
        article("Paragraf pertama untuk dikenali.", "Paragraf kedua di sini."),
    )
    assert r.hits[0].label == "paragraphs 1–2 of the article"
    pdf = [
        Passage("Laporan tahunan ini memuat", "pdf", 3),
        Passage("angka 29 penerbangan dibatalkan", "pdf", 4),
    ]
    r = find_quote("tahunan ini memuat angka 29", pdf)
    assert r.reason == "quote found on pp. 3–4"


def test_excerpts_keep_brackets_and_closing_punctuation():
    doc = page("Wali kota (yang baru dilantik) berkata: “Kami akan membangun 12 taman baru.” Lalu pergi.")
    hit = find_quote("Kami akan membangun 12 taman baru", doc, context=20).hits[0]
    assert hit.text == "“Kami akan membangun 12 taman baru.”"
    hit = find_quote("yang baru dilantik", doc, context=10).hits[0]
    assert hit.text == "(yang baru dilantik)"
    hit = find_quote("berkata", doc, context=12).hits[0]  # the context opens a bracket: it is closed too
    assert hit.excerpt.count("(") == hit.excerpt.count(")")
    assert (
        find_quote("dilantik berkata", doc).hits[0].text == "dilantik) berkata"
    )  # the page's words as they are
    hit = find_quote("kota yang baru dilantik berkata", doc).hits[0]  # a colon after is not part of it
    assert hit.text == "kota (yang baru dilantik) berkata"
    assert find_quote("Lalu pergi", doc).hits[0].text == "Lalu pergi."


# --- an elided quote is compared where a reader compares it -----------------------------------------------------


def test_an_elided_part_the_page_words_differently_right_after_the_first_is_a_misquote():
    # An exact copy of the last part stands further on, about something else: it does not save the quote.
    doc = article(
        "The budget rose sharply, under regulation 4, the minister said.",
        "Separately, parking fines fall under regulation 9 on parking.",
    )
    r = find_quote("the budget rose sharply … under regulation 9", doc)
    assert not r.passed
    assert r.reason == (
        "misquote (part 2 of 2 of the elided quote, where the page carries it right after part 1): "
        "page says 'regulation 4', claim says 'regulation 9'; 'under regulation 9' stands further "
        "on, in paragraph 2 of the article"
    )
    assert r.differences == ["page says 'regulation 4', claim says 'regulation 9'"]
    assert (
        r.closest.text == "The budget rose sharply, under regulation 4"
        and r.closest.label == "paragraph 1 of the article"
    )


@pytest.mark.parametrize(
    "page_text, quote",
    [
        (
            "Pemerintah kota akan membangun 12 taman baru pada 2026, kata dia.",
            "Pemerintah kota … 13 taman baru",
        ),
        ("The mayor said the plan is fair, and the council agreed.", "The mayor said … the plan is not fair"),
        ("Menteri Budi meresmikan jalan itu.", "Menteri … Andi meresmikan jalan itu"),
    ],
)
def test_material_differences_right_after_the_first_part_refute(page_text, quote):
    doc = page(
        page_text, "Lain halnya, 13 taman baru dan the plan is not fair dan Andi meresmikan jalan itu."
    )
    r = find_quote(quote, doc)
    assert not r.passed and r.reason.startswith(
        "misquote (part 2 of 2 of the elided quote, where the page carries it right after part 1): page says"
    ), r.reason
    assert r.reason.endswith("stands further on, in block 2 of the page text"), r.reason


def test_a_real_elision_skipping_words_still_passes():
    doc = page("The budget rose sharply for parks, and for schools it rose by 4 percent.")
    assert find_quote("The budget rose sharply … for schools it rose by 4 percent", doc).passed
    assert find_quote("The budget rose sharply … and for schools", doc).passed
    doc = page("Anggaran naik 4 persen tahun ini dan naik 9 persen tahun depan.")
    assert find_quote("Anggaran naik 4 persen … naik 9 persen tahun depan", doc).passed


def test_an_exact_copy_in_the_same_paragraph_is_a_plausible_elision():
    # "4 minutes … 2 minutes" and lists of names: the part stands, word for word, in the same paragraph.
    doc = page(
        "The previous generation took 4 minutes and 2 seconds, while the new one took 2 minutes and 38 "
        "seconds.",
        "Palm Bay: Noah Jackson 1 goal, Eli Hilare 1 goal.",
    )
    assert find_quote("The previous generation took 4 … 2 minutes and 38 seconds", doc).passed
    assert find_quote("Palm Bay: Noah … Hilare 1 goal", doc).passed
    # Only joined differently ("Boeing 's") is no difference at all.
    doc = page(
        "Emirates finalized a deal to purchase 30 of Boeing's 787-9 Dreamliner jets.",
        "Elsewhere, a deal to purchase 38 of Boeing 's 787-9 Dreamliner jets fell through.",
    )
    r = find_quote("Emirates … finalized a deal to purchase 38 of Boeing 's 787-9 Dreamliner jets", doc)
    assert not r.passed and r.differences == ["page says '30 of', claim says '38 of'"]


def test_a_hit_running_on_past_the_article_text_says_so():
    text = "Ini adalah kalimat yang cukup panjang untuk dikenali sebagai paragraf artikel."
    pages, arts = _article_page([text], before=("Beranda",), after=("Advertisement",))
    r = find_quote("dikenali sebagai paragraf artikel. Advertisement", pages, article=arts)
    assert r.hits[0].label == "paragraph 1 of the article, running into block 3 of the page text"
