"""Benchmark of civicheck.match on real news pages: real quotes and phrases must be found, altered ones refuted.

Run by hand: `.venv/bin/python bench/bench_match.py [--corpus DIR] [--per-page N] [--failures]`. Not a test.

The corpus (never copied into the repo) is ../shared/corpus: aeb/ (English, ground-truth.json id -> {url,
articleBody}, html/<id>.html.gz) and idnews/ (Indonesian, ground-truth.json [{file, url, content}], <site>/*.html).
For every page the HTML is extracted as civicheck does, sentences are taken from the ground-truth text, and
claims like the judge's are made from them: exact sentences, sentences with changed whitespace / quotes / line
breaks, two-sentence quotes across paragraphs, elided quotes, phrases; and altered copies (changed number,
swapped capitalised name, inserted negation), which must all fail.

A ground-truth sentence that is not in the page's visible text at all (letters and digits compared, everything
else ignored) cannot be found by any matcher: it is left out of the found-rate and counted apart, split into
"only in invisible markup (scripts, JSON-LD, hidden elements)" and "not in the HTML" (ground truth cleaned by hand).
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import html as html_lib
import json
import random
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from civicheck import match  # noqa: E402
from civicheck.extract import (
    Passage,  # noqa: E402
    extract,  # noqa: E402
)
from civicheck.fetch import FetchResult  # noqa: E402
from civicheck.match import (  # noqa: E402
    find_phrases,
    find_quote,
    index,  # noqa: E402
    tokeniser,  # noqa: E402
    tokens,
)

ARTICLE_GAP = "outside trafilatura's article text"
# ../shared/corpus beside a clone; a worktree under /work/wt/NAME finds it two levels up.
DEFAULT_CORPUS = next(
    (
        p
        for p in (
            Path(__file__).resolve().parents[1] / "../shared/corpus",
            Path(__file__).resolve().parents[2] / "../shared/corpus",
        )
        if p.is_dir()
    ),
    Path(__file__).resolve().parents[1] / "../shared/corpus",
)


@dataclass
class Page:
    name: str
    url: str
    html: bytes
    truth: str  # ground-truth article text, paragraphs separated by newlines
    lang: str


@dataclass
class Case:
    page: str
    kind: str  # "quote:exact", "quote:elided", "contains:all", "altered:number", ...
    claim: str
    real: bool  # a real quote/phrase (must pass) or an altered one (must fail)
    scope: str = "page"
    extra: dict = field(default_factory=dict)


def load_pages(corpus: Path) -> list[Page]:
    pages = []
    aeb = corpus / "aeb"
    if (aeb / "ground-truth.json").exists():
        truth = json.loads((aeb / "ground-truth.json").read_text())
        for key, item in sorted(truth.items()):
            path = aeb / "html" / f"{key}.html.gz"
            if path.exists() and item.get("articleBody"):
                pages.append(
                    Page(
                        f"aeb/{key[:12]}",
                        item["url"],
                        gzip.decompress(path.read_bytes()),
                        item["articleBody"],
                        "en",
                    )
                )
    idnews = corpus / "idnews"
    if (idnews / "ground-truth.json").exists():
        for item in json.loads((idnews / "ground-truth.json").read_text()):
            path = idnews / item["file"]
            if path.exists() and item.get("content"):
                lang = "en" if "english" in item["file"] else "id"
                pages.append(
                    Page(f"idnews/{item['file']}", item["url"], path.read_bytes(), item["content"], lang)
                )
    return pages


def fetch_result(page: Page) -> FetchResult:
    return FetchResult(
        url=page.url,
        final_url=page.url,
        status=200,
        reason="OK",
        error=None,
        detail="",
        fetched_at="2026-01-01T00:00:00Z",
        headers=[("Content-Type", "text/html")],
        body=page.html,
    )


# --------------------------------------------------------------------------------------------------------------
# Claims made from the ground truth.

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’')]*\s+(?=[\"“‘(]?[A-Z0-9])")
_NEGATABLE_EN = [
    "is",
    "are",
    "was",
    "were",
    "will",
    "can",
    "has",
    "have",
    "had",
    "would",
    "should",
    "could",
    "did",
    "does",
    "do",
    "must",
]
_NAMES = ["Bali", "Surabaya", "London", "Smith", "Jokowi", "Chicago", "Garcia", "Medan"]


def sentences(truth: str) -> list[tuple[int, str]]:
    """(paragraph index, sentence) for sentences of 5 to 60 words."""
    out = []
    for i, para in enumerate(p.strip() for p in truth.split("\n")):
        for sent in _SENTENCE_END.split(para):
            sent = sent.strip()
            if 5 <= len(sent.split()) <= 60:
                out.append((i, sent))
    return out


def squash(text: str) -> str:
    """Letters and digits only, lower case: independent of the matcher's own rules."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def whitespace_variant(s: str, rng: random.Random) -> str:
    words = s.split(" ")
    seps = [rng.choice([" ", " ", "  ", "\n", " \n ", "\t", "\u00a0"]) for _ in words[1:]]
    return words[0] + "".join(sep + w for sep, w in zip(seps, words[1:], strict=True))


def quote_variant(s: str) -> str:
    """Straight quotes to curly ones and back."""
    if any(c in s for c in "“”‘’"):
        return s.translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"}))
    out, opened = [], False
    for i, c in enumerate(s):
        if c == '"':
            out.append("”" if opened else "“")
            opened = not opened
        elif c == "'":
            out.append("’" if i > 0 and s[i - 1].isalnum() else "‘")
        else:
            out.append(c)
    return "".join(out)


def case_variant(s: str) -> str:
    return s.lower() if any(c.isupper() for c in s[1:]) else s.upper()


def elided(s: str, rng: random.Random) -> str | None:
    words = s.split()
    if len(words) < 10:
        return None
    a = rng.randint(3, len(words) // 2 - 1)
    b = rng.randint(a + 2, len(words) - 3)
    mark = rng.choice([" ... ", " … ", "... ", " [...] ", "…"])
    return " ".join(words[:a]) + mark + " ".join(words[b:])


def phrase(s: str, rng: random.Random, n: int) -> str | None:
    words = [w.strip(".,;:!?\"“”‘’'()") for w in s.split()]
    if len(words) < n:
        return None
    i = rng.randrange(len(words) - n + 1)
    if not all(tokens(w) for w in words[i : i + n]):
        return None  # a lone dash or bullet: dropping it would make a phrase the page does not have
    return " ".join(words[i : i + n])


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def alter_number(s: str, rng: random.Random) -> str | None:
    found = list(_NUMBER.finditer(s))
    if not found:
        return None
    m = rng.choice(found)
    digits = m.group()
    pos = max(i for i, c in enumerate(digits) if c.isdigit())
    new = digits[:pos] + str((int(digits[pos]) + rng.randint(1, 8)) % 10) + digits[pos + 1 :]
    return s[: m.start()] + new + s[m.end() :]


def alter_name(s: str, rng: random.Random) -> str | None:
    # A capitalised word that is not the sentence's first and does not follow sentence punctuation.
    words = list(re.finditer(r"(?<=[\s(“\"])[A-Z][a-z]{2,}\b", s))
    words = [m for m in words if m.start() > 0 and not re.search(r"[.!?:]\s*[“\"]?$", s[: m.start()])]
    if not words:
        return None
    m = rng.choice(words)
    name = rng.choice([n for n in _NAMES if n.casefold() != m.group().casefold()])
    return s[: m.start()] + name + s[m.end() :]


def alter_negation(s: str, lang: str, rng: random.Random) -> str | None:
    if lang == "id":
        for word, repl in (
            ("akan", "tidak akan"),
            ("sudah", "belum"),
            ("telah", "tidak"),
            ("adalah", "bukan"),
            ("bisa", "tidak bisa"),
            ("harus", "tidak harus"),
            ("ada", "tidak ada"),
        ):
            m = re.search(rf"\b{word}\b", s)
            if m:
                return s[: m.start()] + repl + s[m.end() :]
        verbs = list(re.finditer(r"\b(?:me|di|ber|ter)[a-z]{3,}\b", s))
        if verbs:
            m = rng.choice(verbs)
            return s[: m.start()] + "tidak " + s[m.start() :]
        return None
    for word in _NEGATABLE_EN:
        m = re.search(rf"\b{word}\b", s)
        if m:
            repl = rng.choice([f"{word} not", f"{word}n't" if word not in ("will", "can") else f"{word} not"])
            return s[: m.start()] + repl + s[m.end() :]
    m = re.search(r"\b[a-z]{4,}ed\b", s)
    if m:
        return s[: m.start()] + "never " + s[m.start() :]
    return None


def make_cases(page: Page, rng: random.Random, per_page: int) -> list[Case]:
    sents = sentences(page.truth)
    if not sents:
        return []
    chosen = rng.sample(sents, min(per_page, len(sents)))
    cases: list[Case] = []
    for _, s in chosen:
        start = len(cases)
        cases.append(Case(page.name, "quote:exact", s, True))
        cases.append(Case(page.name, "quote:whitespace", whitespace_variant(s, rng), True))
        if any(c in s for c in "\"'“”‘’"):
            cases.append(Case(page.name, "quote:quotes", quote_variant(s), True))
        cases.append(Case(page.name, "quote:case", case_variant(s), True))
        cases.append(Case(page.name, "quote:exact", s, True, scope="article"))
        e = elided(s, rng)
        if e:
            cases.append(Case(page.name, "quote:elided", e, True))
        for n in (1, 2, 3):
            p = phrase(s, rng, n)
            if p:
                cases.append(Case(page.name, "contains:all", p, True))
        p = phrase(s, rng, 2)
        if p:
            cases.append(Case(page.name, "contains:any", p, True, extra={"any": ["zzqx nonexistent", p]}))
        a, b = phrase(s, rng, 1), phrase(s, rng, 2)
        if a and b:
            cases.append(
                Case(page.name, "contains:near", f"{a} | {b}", True, extra={"all": [a, b], "near": 60})
            )
        if page.lang == "id":
            w = [w for w in tokens(s) if re.fullmatch(r"(?:me|di|ber|pe|ter)[a-z]{4,}(?:kan|an|i)?", w)]
            if w:
                cases.append(Case(page.name, "contains:stem", w[0], True, extra={"stem": True}))
        for kind, altered in (
            ("number", alter_number(s, rng)),
            ("name", alter_name(s, rng)),
            ("negation", alter_negation(s, page.lang, rng)),
        ):
            if altered and tokens(altered) != tokens(s):
                cases.append(Case(page.name, f"altered:{kind}", altered, False, extra={"from": s}))
                cases.append(
                    Case(
                        page.name,
                        f"altered:{kind}+ws",
                        whitespace_variant(altered, rng),
                        False,
                        extra={"from": s},
                    )
                )
                p = _changed_phrase(s, altered)
                if p and tokens(p):
                    cases.append(Case(page.name, f"altered:phrase-{kind}", p, False, extra={"from": s}))
        for case in cases[start:]:
            case.extra["source"] = s
    by_para = defaultdict(list)
    for i, s in sents:
        by_para[i].append(s)
    # An elision across sentences of one paragraph: "start of one ... end of a later one", skipping at most
    # ELISION_WINDOW words (more is allowed only within one page paragraph, which the ground truth cannot tell).
    long_paras = [ss for ss in by_para.values() if len(ss) >= 3]
    for ss in rng.sample(long_paras, min(2, len(long_paras))):
        i = rng.randrange(len(ss) - 2)
        a, b = ss[i].split(), ss[i + 2].split()
        head, tail = a[: max(3, len(a) // 2)], b[len(b) // 2 :]
        if len(a) - len(head) + len(ss[i + 1].split()) + len(b) - len(tail) <= match.ELISION_WINDOW:
            cases.append(
                Case(
                    page.name,
                    "quote:elided-sentences",
                    " ".join(head) + rng.choice([" ... ", " … "]) + " ".join(tail),
                    True,
                    extra={"source": " ".join(head), "source2": " ".join(tail)},
                )
            )
    # And one that must fail: the start of the article ... its end, far apart.
    if len(sents) >= 20:
        first, last = sents[0][1].split(), sents[-1][1].split()
        cases.append(
            Case(
                page.name,
                "altered:elided-far",
                " ".join(first[:6]) + " ... " + " ".join(last[-6:]),
                False,
                extra={"source": " ".join(first[:6]), "source2": " ".join(last[-6:]), "far": True},
            )
        )
    cases += elision_pattern(page, rng)
    # Two sentences from consecutive paragraphs: a quote across a </p>.
    paras = sorted(by_para)
    pairs = [(by_para[i][-1], by_para[j][0]) for i, j in zip(paras, paras[1:], strict=False) if j == i + 1]
    for a, b in rng.sample(pairs, min(2, len(pairs))):
        cases.append(Case(page.name, "quote:two-paragraphs", f"{a} {b}", True, extra={"source": f"{a} {b}"}))
        if re.search(r"[a-z][.!?]$", a) and b[:1].isupper():
            # "tersebut.Dia": what a <br> leaves on a page, written the other way round in the claim
            cases.append(
                Case(page.name, "quote:two-paragraphs-glued", f"{a}{b}", True, extra={"source": f"{a} {b}"})
            )
    return cases


def elision_pattern(page: Page, rng: random.Random) -> list[Case]:
    """The hidden misquote pattern: "the budget rose sharply … under regulation 9" against a page saying "the
    budget rose sharply, under regulation 4" and, further on, "under regulation 9 on parking". From a sentence
    with a number in its second half: part 1 its start, part 2 the rest with the number changed, and a
    paragraph holding that altered part 2 inserted after the sentence's own (`extra["insert"]`). The altered
    quote must be refuted; the real one (part 2 unchanged) must still be found."""
    out = []
    for _, s in rng.sample(sentences(page.truth), min(4, len(sentences(page.truth)))):
        words = s.split()
        numbered = [i for i, w in enumerate(words) if _NUMBER.search(w) and i >= 4]
        if len(words) < 10 or not numbered:
            continue
        i = numbered[0]
        cut = rng.randint(3, max(3, min(i, len(words) - 4)))
        if cut > i:
            continue
        head, tail = " ".join(words[:cut]), " ".join(words[cut:])
        altered = alter_number(tail, rng)
        if not altered or tokens(altered) == tokens(tail) or len(tokens(tail)) < 3:
            continue
        mark = rng.choice([" … ", " ... ", " [...] "])
        insert = f"{altered.rstrip('.')} on a different matter entirely."
        out.append(
            Case(
                page.name,
                "altered:elided-near",
                head + mark + altered,
                False,
                extra={"source": s, "insert": insert, "after": s},
            )
        )
        out.append(
            Case(
                page.name,
                "quote:elided-near",
                head + mark + tail,
                True,
                extra={"source": s, "insert": insert, "after": s},
            )
        )
    return out


def with_insert(passages, case: Case):
    """The passages with case.extra["insert"] as a paragraph of its own right after the one holding
    case.extra["after"]; None when that sentence cannot be placed in one passage."""
    key = squash(case.extra["after"])
    at = next((i for i, p in enumerate(passages) if key in squash(p.text)), None)
    if at is None:
        return None
    extra = dataclasses.replace(passages[at], text=case.extra["insert"])
    return [*passages[: at + 1], extra, *passages[at + 1 :]]


_LABEL = re.compile(
    r"^paragraphs? (\d+)(?:–(\d+))? of the article(?:, running into block (\d+) of the page text)?$|^blocks? (\d+)(?:–(\d+))? of the page text"
    r"|^the article body on the page(?:, (?:between paragraphs (\d+) and (\d+)|before paragraph "
    r"(\d+)|after paragraph (\d+)))?$|^pp?\. (\d+)"
)


def label_agrees(hit, passages, article) -> str | None:
    """Why a hit's label does not name where its excerpt stands (None when it does). A paragraph label must
    name a paragraph (or run of them) holding the hit's words; a block label the block holding them; an
    "article body, between paragraphs A and B" label a block after A's first block and before B's."""
    if hit.label == "on the page outside the article body":  # before issue 11: no place named to check
        return None
    m = _LABEL.match(hit.label)
    if not m:
        return f"unknown label form {hit.label!r}"
    words = squash(hit.text)
    if m[1]:
        first, last = int(m[1]), int(m[2] or m[1])
        if first > len(article) or last > len(article):
            return f"{hit.label!r}: the article has {len(article)} paragraphs"
        held = squash(
            " ".join(p.text for p in article[first - 1 : last])
            + "".join(p.text for p in passages if m[3] and p.number == int(m[3]))
        )
        return None if words in held else f"{hit.label!r} does not hold {hit.text!r}"
    if m[4]:
        first, last = int(m[4]), int(m[5] or m[4])
        held = squash(" ".join(p.text for p in passages if first <= p.number <= last))
        return None if words in held else f"{hit.label!r} does not hold {hit.text!r}"
    if hit.label.startswith("the article body"):
        block = passages[hit.passage].number
        after = int(m[6] or m[9] or 0)
        before = int(m[7] or m[8] or 0)

        def block_of(n: int) -> int | None:
            key = squash(article[n - 1].text)[:40]
            return next((p.number for p in passages if key and key in squash(p.text)), None)

        if after and (b := block_of(after)) is not None and block < b:
            return f"{hit.label!r}, but the hit is in block {block}, before paragraph {after}'s block {b}"
        if before and (b := block_of(before)) is not None and block > b:
            return f"{hit.label!r}, but the hit is in block {block}, after paragraph {before}'s block {b}"
    return None


def _changed_phrase(s: str, altered: str) -> str | None:
    """The three words around the first change, as an `all` phrase."""
    a, b = s.split(), altered.split()
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return " ".join(b[max(0, i - 1) : i + 2]).strip(".,;:!?\"“”'()")
    return None


# --------------------------------------------------------------------------------------------------------------
# Running.


def far_apart(passages, a: str, b: str) -> bool:
    """Part `a` ends and part `b` starts more than ELISION_WINDOW words apart, in different passages."""
    where_a = [i for i, p in enumerate(passages) if squash(a) in squash(p.text)]
    where_b = [i for i, p in enumerate(passages) if squash(b) in squash(p.text)]
    if not where_a or not where_b or min(where_b) <= max(where_a):
        return False
    between = sum(len(p.text.split()) for p in passages[max(where_a) + 1 : min(where_b)])
    return between > 3 * match.ELISION_WINDOW


def run_case(case: Case, passages, article) -> bool:
    if "insert" in case.extra:
        passages = with_insert(passages, case)
        if passages is None:
            case.extra["reason"] = "not placed"
            return not case.real  # counted apart by the caller
    if case.kind.startswith("contains:") or case.kind == "altered:phrase-number":
        if "any" in case.extra:
            r = find_phrases(passages, any=case.extra["any"], article=article)
        elif "all" in case.extra:
            r = find_phrases(passages, all=case.extra["all"], near=case.extra["near"], article=article)
        else:
            r = find_phrases(passages, all=[case.claim], stem=case.extra.get("stem", False), article=article)
    else:
        r = find_quote(case.claim, passages, article=article)
    case.extra["reason"] = r.reason
    case.extra["labels"] = [
        label_agrees(h, passages, article if passages[0].where == "page" else passages)
        for h in (r.hits if r.passed else [r.closest] if r.closest else [])
    ]
    case.extra["label_count"] = len(case.extra["labels"])
    return r.passed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--per-page", type=int, default=6, help="ground-truth sentences per page (default 6)")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--limit", type=int, default=0, help="only the first N pages")
    ap.add_argument("--failures", action="store_true", help="list every failure")
    ap.add_argument("--excluded", action="store_true", help="list the ground-truth text left out and why")
    ap.add_argument("--out", type=Path, help="write failures as JSON here (bench/out/ is git-ignored)")
    args = ap.parse_args()

    corpus = args.corpus.resolve()
    if not corpus.is_dir():
        print(f"corpus not found at {corpus}: nothing to benchmark (use --corpus)")
        return 0
    pages = load_pages(corpus)
    if args.limit:
        pages = pages[: args.limit]
    if not pages:
        print(f"no pages with ground truth under {corpus}: nothing to benchmark")
        return 0
    rng = random.Random(args.seed)
    stats: Counter = Counter()
    by_kind: dict[str, Counter] = defaultdict(Counter)
    times: dict[str, list[float]] = defaultdict(list)
    failures: list[dict] = []
    excluded: Counter = Counter()
    scope_count: Counter = Counter()
    build_times: list[float] = []
    slowest: list[tuple[float, str, str, str]] = []
    excluded_cases: list[tuple[str, str, str, str, str]] = []
    label_failures: list[str] = []
    extract_time = page_chars = 0.0
    for page in pages:
        t0 = time.perf_counter()
        doc = extract(fetch_result(page))
        extract_time += time.perf_counter() - t0
        page_passages, article, _ = doc.passages("page")
        art_passages, _, art_note = doc.passages("article")
        page_chars += sum(len(p.text) for p in page_passages)
        squashed_visible = squash(" ".join(p.text for p in page_passages))
        squashed_article = squash(" ".join(p.text for p in art_passages))
        t0 = time.perf_counter()
        index.token_stream(page_passages)  # the index a page's first check builds: timed apart
        build_times.append(time.perf_counter() - t0)
        raw = html_lib.unescape(re.sub(r"<[^>]+>", " ", doc_html(page)))
        squashed_raw = squash(raw)
        for case in make_cases(page, rng, args.per_page):
            passages = art_passages if case.scope == "article" else page_passages
            squashed = squashed_article if case.scope == "article" else squashed_visible
            source = squash(case.extra["source"])
            if source not in squashed or squash(case.extra.get("source2", "")) not in squashed:
                # Not in the searched text at all: no matcher could find it; its altered copies would be
                # trivially refuted, so they are left out too.
                if case.real:
                    scope_count[case.scope] += 1
                    where = (
                        ARTICLE_GAP
                        if case.scope == "article" and source in squashed_visible
                        else "only in invisible markup"
                        if source in squashed_raw
                        else "not in the HTML"
                    )
                    excluded[where] += 1
                    excluded_cases.append((where, page.name, case.kind, case.scope, case.extra["source"]))
                continue
            if not case.real and squash(case.claim) in squashed:
                excluded["altered copy that is really on the page"] += 1
                continue
            if case.extra.get("far") and not far_apart(passages, case.extra["source"], case.extra["source2"]):
                excluded["elided-far parts not far apart on the page"] += 1
                continue
            t0 = time.perf_counter()
            passed = run_case(case, passages, article if case.scope == "page" else art_passages)
            elapsed = time.perf_counter() - t0
            times["contains" if case.kind.startswith(("contains", "altered:phrase")) else "quote"].append(
                elapsed
            )
            slowest.append((elapsed, page.name, case.kind, case.claim[:60]))
            if case.extra.get("reason") == "not placed":
                excluded["elision pattern: sentence not in one passage"] += 1
                continue
            for why in case.extra.get("labels", []):
                stats["labels", why is None] += 1
                if why is not None and len(label_failures) < 40:
                    label_failures.append(f"{page.name} [{case.kind}] {why}")
            group = "real" if case.real else "altered"
            ok = passed == case.real
            stats[group, ok] += 1
            by_kind[f"{case.kind}/{case.scope}"][ok] += 1
            scope_count[case.scope] += 1
            if not ok:
                failures.append(
                    {
                        "page": page.name,
                        "kind": case.kind,
                        "scope": case.scope,
                        "claim": case.claim,
                        "reason": case.extra["reason"],
                        "from": case.extra.get("from"),
                    }
                )
    report(pages, stats, by_kind, times, failures, excluded, extract_time, page_chars, args)
    agree, disagree = stats["labels", True], stats["labels", False]
    print(
        f"hit labels naming where the hit stands: {agree}/{agree + disagree} = "
        f"{100 * agree / max(1, agree + disagree):.2f}%"
    )
    for line in label_failures[: 40 if args.failures else 10]:
        print("  LABEL", line)
    print(
        f"index build per page (tokens, once per page, cached for every later check): mean "
        f"{1000 * statistics.mean(build_times):.1f} ms, max {1000 * max(build_times):.1f} ms"
    )
    for elapsed, name, kind, claim in sorted(slowest, reverse=True)[:3]:
        print(f"slow: {1000 * elapsed:.1f} ms {name} [{kind}] {claim!r}")
    print(
        f"article-scope cases whose text trafilatura left out of the article: "
        f"{excluded[ARTICLE_GAP]}/{scope_count['article']} (page scope finds them)"
    )
    if args.excluded:
        for where, name, kind, scope, source in excluded_cases:
            print(f"EXCLUDED ({where}) {name} [{kind}/{scope}] {source[:150]!r}")
    stem_cost(pages)
    big_page_cost()
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(failures, indent=1, ensure_ascii=False))
    return 0


def doc_html(page: Page) -> str:
    return page.html.decode("utf-8", "replace")


def report(pages, stats, by_kind, times, failures, excluded, extract_time, page_chars, args) -> None:
    real_ok, real_bad = stats["real", True], stats["real", False]
    alt_ok, alt_bad = stats["altered", True], stats["altered", False]
    print(
        f"pages: {len(pages)} ({sum(p.lang == 'id' for p in pages)} Indonesian), "
        f"{page_chars / len(pages):,.0f} characters of page text on average; extraction {extract_time:.1f} s"
    )
    print(
        f"real quotes/phrases: {real_ok}/{real_ok + real_bad} found = {100 * real_ok / max(1, real_ok + real_bad):.2f}%"
    )
    print(
        f"altered quotes/phrases: {alt_ok}/{alt_ok + alt_bad} refuted = {100 * alt_ok / max(1, alt_ok + alt_bad):.2f}%"
    )
    print(
        "excluded (ground-truth text not in the searched text at all): "
        + (", ".join(f"{n} {why}" for why, n in excluded.most_common()) or "none")
    )
    for kind in sorted(by_kind):
        c = by_kind[kind]
        print(f"  {kind:28s} {c[True]:5d}/{c[True] + c[False]:5d}")
    for what, ts in sorted(times.items()):
        ts = sorted(ts)
        print(
            f"time per {what} check: mean {1000 * statistics.mean(ts):.2f} ms, "
            f"p99 {1000 * ts[int(0.99 * (len(ts) - 1))]:.2f} ms, max {1000 * ts[-1]:.2f} ms ({len(ts)} checks)"
        )
    shown = failures if args.failures else failures[:25]
    for f in shown:
        print(
            f"FAIL {f['page']} [{f['kind']}/{f['scope']}] {f['claim'][:160]!r}\n     -> {f['reason'][:200]}"
        )
    if len(shown) < len(failures):
        print(f"... {len(failures) - len(shown)} more (--failures)")


def stem_cost(pages: list[Page]) -> None:
    """Cost of stem: true on the longest Indonesian page text, cold (empty stem cache) and warm."""
    indonesian = [p for p in pages if p.lang == "id"]
    if not indonesian:
        return
    texts = [" ".join(p.text for p in extract(fetch_result(page)).passages("page")[0]) for page in indonesian]
    text = " ".join(texts)[:50_000]
    tokeniser.stem_token.cache_clear()
    index._CACHE.clear()
    tokeniser._STEMMER = None  # and Sastrawi's own cache with it
    passages = [Passage(text, "page", 1)]
    t0 = time.perf_counter()
    find_phrases(passages, all=["prioritas"], stem=True)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    find_phrases(passages, all=["penerbangan"], stem=True)
    warm = time.perf_counter() - t0
    print(
        f"stemming a {len(text):,}-character Indonesian page ({len(tokens(text)):,} words, "
        f"{len(set(tokens(text))):,} distinct): first check {1000 * cold:.0f} ms, next check {1000 * warm:.1f} ms"
    )


def big_page_cost() -> None:
    """A 50,000-character page: a quote found, a near miss, and nothing close, each decided in how long."""
    rng = random.Random(7)
    words = "pemerintah kota akan membangun jalan baru di wilayah utara tahun ini kata dia kepada wartawan".split()
    text = " ".join(rng.choice(words) for _ in range(7000))[:50_000]
    target = (
        "Sebanyak 29 penerbangan dari Bandara Internasional Lombok harus dibatalkan menyusul abu vulkanik."
    )
    text = text[:25_000] + " " + target + " " + text[25_000:]
    passages = [Passage(text, "page", 1)]
    for label, quote in (
        ("found", target),
        ("near miss", target.replace("29", "39")),
        ("nothing close", "The quick brown fox jumps over the lazy dog every morning."),
    ):
        index._CACHE.clear()
        t0 = time.perf_counter()
        r = find_quote(quote, passages)
        cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        find_quote(quote, passages)
        warm = time.perf_counter() - t0
        print(
            f"50k-character page, {label}: {1000 * cold:.1f} ms (first, builds the index), "
            f"{1000 * warm:.1f} ms (cached) -> {r.reason[:80]}"
        )


if __name__ == "__main__":
    raise SystemExit(main())
