"""Who said it: the speaker named around a quotation ("…," kata X / X said: "…"), or in indirect speech.

A speaker phrase ("Kepala Seksi Humas PT Angkasa I, Eka Asmadi, di Mataram") becomes the person's name when
one stands there ("Eka Asmadi"), else the role as written ("an officer"); a pronoun ("katanya", "he said") or
a description pointing back ("politisi Partai Hanura itu") says to look for the speaker named before. Rules
over word lists, no model: where they cannot tell, they say nothing rather than guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from civicheck.draft.text import bare
from civicheck.draft.vocabulary import (
    ADVERBS,
    COMPANY_PREFIXES,
    EN_SPEECH_VERBS,
    ID_AFTER_VERBS,
    ID_PASSIVE_VERBS,
    ID_SPEECH_VERBS,
    NAME_PARTICLES,
    NAME_SUFFIXES,
    NOT_NAMES,
    OFFICIAL_TITLES,
    ORGANISATION_SUFFIXES,
    ORGANISATIONS,
    PLACE_MARKERS,
    PRONOUNS,
    SPEAKER_STOPS,
    TITLES,
)

NAME, ROLE, PRONOUN = "name", "role", "pronoun"
THIRD_PERSON = frozenset("he she dia ia beliau".split())
RELATIVES = frozenset("which who whose whom that yang".split())


@dataclass(frozen=True)
class Speaker:
    """Who a quotation or statement is attributed to, as the article puts it."""

    kind: str  # NAME ("Eka Asmadi"), ROLE ("an officer"), or PRONOUN ("katanya": named earlier, maybe)
    name: str | None = None  # the name or role as written; None for a pronoun
    official: bool = False  # a government title stands with it ("Wali Kota", "Minister"): checkable first
    fallback: str | None = (
        None  # for a description pointing back ("sumber itu"): the role, if no one is found
    )


_PARTY = re.compile(r"^\(?[RDI]-[A-Z][A-Za-z.]*\)?[,.]?$")
_GLUED_SENTENCE = re.compile(r"(?<=[a-z]{2})\.(?=[A-Z])")
_INITIAL = re.compile(r"^(?:[A-Z]\.)+$")
_DEMONSTRATIVE_END = re.compile(r"\b(?:itu|ini|tersebut)[.,]?$", re.I)
_AGE_ANAPHOR = re.compile(r"^the \d+-year-old\b", re.I)
_CLAUSE_BREAK = re.compile(r"[;—–]|\s-\s|[\"”»]")
_TOO_LONG = 14  # words: a longer "speaker phrase" is a clause, not someone's name or role


def speaker_of(phrase: str) -> Speaker | None:
    """The speaker a phrase names: "U.S. Attorney Nealy Cox" → name "Nealy Cox"; "seorang sumber" → role;
    "dia", "he", "sumber itu" → pronoun (look back)."""
    words = _cut(phrase.split())
    if not words:
        return None
    official = any(bare(w) in OFFICIAL_TITLES for w in words)
    if len(words) <= 2 and bare(words[0]) in PRONOUNS:
        return Speaker(PRONOUN, official=official)
    text = " ".join(words)
    name = _name_in(_without_demonstrative(words))
    if name:
        return Speaker(NAME, name, official)
    role = _role(words)
    if _DEMONSTRATIVE_END.search(text) or _AGE_ANAPHOR.match(text):
        # "politisi Partai Hanura itu", "the 56-year-old": someone already named, described again.
        return Speaker(PRONOUN, official=official, fallback=None if _AGE_ANAPHOR.match(text) else role)
    if role is None:
        return None
    return Speaker(ROLE, role, official)


def _without_demonstrative(words: list[str]) -> list[str]:
    """ "Pria yang akrab disapa Dani ini" names Dani: the demonstrative after a name is not part of it."""
    if len(words) > 1 and bare(words[-1]) in ("itu", "ini", "tersebut"):
        return words[:-1]
    return words


def _cut(words: list[str]) -> list[str]:
    """The speaker phrase proper: up to where time, place and manner begin ("di Jakarta, Selasa", "in a
    statement"), without a leading "oleh"/"by" or trailing adverbs ("Noem later")."""
    while words and bare(words[0]) in ("oleh", "by", "and", "dan"):
        words = words[1:]
    out: list[str] = []
    for i, word in enumerate(words):
        if i > 0 and bare(word) in SPEAKER_STOPS and not word[:1].isupper():
            break
        if i > 0 and bare(word) in ("yang", "who") and _runs([w.rstrip(",") for w in out]):
            break  # "Marcella yang mengaku tengah menggarap film …": the name came before the clause
        glued = _GLUED_SENTENCE.search(word)
        if glued:  # "Monzani.Sementara": the sentence ended there
            out.append(word[: glued.start() + 1])
            break
        out.append(word)
        if word.endswith((".", ";", ":", "?", "!")) and not _abbreviated(word):
            break
    while out and (bare(out[-1]) in ADVERBS and bare(out[-1]) not in ("itu", "ini") or not bare(out[-1])):
        out.pop()
    if out:
        out[-1] = out[-1].rstrip(",;:")
    return out if len(out) <= _TOO_LONG else []


def _abbreviated(word: str) -> bool:
    core = word.rstrip(".").lstrip("(")
    return "." in core or len(core) <= 3 and core[:1].isupper()


def _name_in(words: list[str]) -> str | None:
    """A person's (or company's) name in the phrase: a whole comma-separated part that is a name ("…, Eka
    Asmadi, …"), else the capitalised words the first part ends with after its titles ("Direktur PT Astra
    Otoparts Tbk Yusak Kristian")."""
    segments: list[list[str]] = [[]]
    for word in words:
        segments[-1].append(word.rstrip(","))
        if word.endswith(","):
            segments.append([])
    segments = [s for s in segments if s]
    for segment in segments:
        runs = _runs(segment)
        if len(runs) == 1 and runs[0] == (0, len(segment)):
            return _join(segment)
    for segment in segments:
        runs = _runs(segment)
        if runs and runs[-1][1] == len(segment):
            start, end = runs[-1]
            return _join(segment[start:end])
    runs = _runs(segments[0]) if segments else []
    if runs and runs[0][0] == 0 and runs[0][1] >= 2:
        return _join(segments[0][: runs[0][1]])  # "Hawk Sawyer issued a statement": the subject's name
    return None


def _join(words: list[str]) -> str:
    return " ".join(words).strip("()[]\"'“”‘’").rstrip(".,;:") + (
        "."
        if words[-1].endswith(".") and _abbreviated(words[-1]) and bare(words[-1]) in NAME_SUFFIXES
        else ""
    )


def _runs(segment: list[str]) -> list[tuple[int, int]]:
    """[start, end) of each run of name words: capitalised, not a title, an office, a day or a common word;
    a run right after an office word ("Bandara Internasional Lombok") names a place or body, not a person."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    after_office = skip_company = False
    for i, word in enumerate(segment):
        b = bare(word)
        capital = word.lstrip("(\"'“‘")[:1].isupper()
        acronym = len(b) >= 2 and word.strip("()[].,\"'").isupper() and b.isalpha()
        possessive = b.endswith(("'s", "’s")) or word.endswith(("'", "’"))
        if skip_company and capital:
            skip_company = False  # PT Astra: "Astra" is the company
            after_office = False
            continue
        if start is not None and (
            b in NAME_PARTICLES or (b in NAME_SUFFIXES and capital) or _INITIAL.match(word.rstrip(","))
        ):
            continue
        party = bool(_PARTY.match(word))  # "Sen. Ben Sasse, R-Neb."
        name_word = (
            capital
            and not acronym
            and not party
            and not possessive
            and b not in TITLES
            and b not in ORGANISATIONS
            and b not in ORGANISATION_SUFFIXES
            and b not in NOT_NAMES
            and b not in PRONOUNS
            and not any(ch.isdigit() for ch in b)
        ) or (capital and _INITIAL.match(word.rstrip(",")))
        if name_word and start is None:
            start = i
        elif not name_word and start is not None:
            if not after_office:
                runs.append((start, i))
            start = None
        if not name_word:
            wali_kota = (
                b == "kota" and i > 0 and bare(segment[i - 1]) == "wali"
            )  # the mayor's title, not a city
            after_office = (
                b in ORGANISATIONS and b not in COMPANY_PREFIXES and not wali_kota
            ) or b in PLACE_MARKERS
            skip_company = b in COMPANY_PREFIXES
    if start is not None and not after_office:
        runs.append((start, len(segment)))
    # A lone capitalised word opening the phrase before ordinary words is the sentence's first word
    # ("Bersamaan dengan …"), not a name.
    if runs and runs[0] == (0, 1) and len(segment) > 1 and segment[1][:1].islower():
        runs = runs[1:]
    # Particles or initials trailing a run are not part of it.
    cleaned = []
    for s, e in runs:
        while e > s and bare(segment[e - 1]) in NAME_PARTICLES:
            e -= 1
        if e > s:
            cleaned.append((s, e))
    return cleaned


def _role(words: list[str]) -> str | None:
    """A role as written ("an officer", "Salah satu tetangganya"), up to where a clause begins."""
    first = " ".join(words).split(",")[0].split()
    out: list[str] = []
    for word in first:
        if out and bare(word) in (
            "on",
            "in",
            "at",
            "with",
            "who",
            "which",
            "that",
            "yang",
            "di",
            "dari",
            "untuk",
        ):
            break
        out.append(word)
    out = out[:6]
    if not out or not any(ch.isalpha() for ch in " ".join(out)):
        return None
    return " ".join(out).strip("()[]\"'“”‘’,.;:")


# --- attributions around a quotation -----------------------------------------------------------------------

_ID_VERB_AFTER = re.compile(
    r"(?i)^(?:demikian\s+(?:(?:pernyataan|penjelasan|keterangan|kata|ujar|tulis)\s+)?)?"
    r"([a-z]+)\b"
)
_EN_MULTI = ("according to", "pointed out", "went on")


def after_quote(tail: str) -> Speaker | None:
    """The speaker named right after a closing quote: `, kata X`, `, ujarnya`, `, X said`, `said X`,
    `, according to X`, `demikian pernyataan X`."""
    t = tail.lstrip(" ,–—-:\u00a0")
    if not t or t[0] in ".!?":
        return None
    words = t.split()
    first = bare(words[0])
    if first == "demikian" and len(words) > 1:
        rest = (
            words[2:]
            if bare(words[1]) in ("pernyataan", "penjelasan", "keterangan", "kata", "ujar", "tulis")
            else words[1:]
        )
        return speaker_of(" ".join(rest))
    if first.endswith("nya") and (first[:-3] in ID_AFTER_VERBS or first == "katanya"):
        return Speaker(PRONOUN)
    if first in ID_AFTER_VERBS or first == "menurut":
        rest = words[1:]
        return speaker_of(" ".join(rest)) if rest else Speaker(PRONOUN)
    two = " ".join(bare(w) for w in words[:2])
    if two in _EN_MULTI:
        return speaker_of(" ".join(words[2:]))
    if first in EN_SPEECH_VERBS and first not in ("describing", "declaring", "saying", "adding", "telling"):
        return speaker_of(" ".join(words[1:]))
    # X first: `, Noem told the Argus Leader`, `, an officer shouts`, `, Yasir menjelaskan`, `, she pointed out`.
    for i, word in enumerate(words[:_TOO_LONG]):
        b = bare(word)
        pair = f"{b} {bare(words[i + 1])}" if i + 1 < len(words) else ""
        if _verb(word) and (b in EN_SPEECH_VERBS or b in ID_SPEECH_VERBS or pair in _EN_MULTI):
            if i == 0 or bare(words[0]) in SPEAKER_STOPS:
                return None
            return _subject_before(words[:i])
        if word.endswith((".", "!", "?")) and not _abbreviated(word) or any(q in word for q in '"“”'):
            return None
    return None


def before_quote(head: str) -> Speaker | None:
    """The speaker of a quotation introduced before it: `X mengatakan, "…"`, `Menurut X, "…"`,
    `Noem later tweeted that the epidemic "…"`, `She added, "…"`."""
    h = head.rstrip()
    if not h or h[-1] in ".!?":
        return None
    return _speech_subject(h)


def indirect(sentence: str) -> Speaker | None:
    """The speaker of indirect speech: "Eka Asmadi, saat dihubungi, mengatakan, …", "Menurut Nangoi, …",
    "Hal ini diungkapkan oleh Muhammad Buldansyah"; a pronoun ("Dia menyebutkan, …") says the one named
    before is still speaking. Roles are not kept: a later "katanya" means a person."""
    found = _speech_subject(sentence)
    return found if found is not None and found.kind in (NAME, PRONOUN) else None


_GLUED_COMMA = re.compile(r"(?<=[^\W\d_]),(?=[^\W\d_])")


def _speech_subject(text: str) -> Speaker | None:
    """Who the last speech verb in `text` (with a subject) belongs to. A pronoun subject ("he said") whose
    antecedent stands earlier in the same sentence ("Ashraf Ghani announced …, he said"; "Carlineo was
    arrested for a call in which he said") is that antecedent."""
    words = _GLUED_COMMA.sub(", ", text).split()
    role: Speaker | None = None
    for i in range(len(words) - 1, -1, -1):
        b = bare(words[i])
        pair = f"{b} {bare(words[i + 1])}" if i + 1 < len(words) else ""
        if b == "menurut" or pair == "according to":
            # "According to the city's finance director, Maria Chen, construction …": the appositive names her.
            rest = ",".join(" ".join(words[i + (1 if b == "menurut" else 2) :]).split(",")[:2])
            found = speaker_of(rest)
            if found is not None:
                return found
            continue
        if b in ID_PASSIVE_VERBS and i + 1 < len(words) and bare(words[i + 1]) == "oleh":
            found = speaker_of(" ".join(words[i + 2 :]))
            if found is not None and found.kind == NAME:
                return found
            continue
        if _verb(words[i]) and (
            b in ID_SPEECH_VERBS or b in EN_SPEECH_VERBS or b in ("called", "calling") or pair in _EN_MULTI
        ):
            found = _subject_before(words[:i])
            if found is not None and found.kind == PRONOUN:
                return _antecedent(words[:i]) or found
            if found is not None and found.kind == NAME:
                return found
            role = role or found  # "a letter posted …": a name may still be the subject of an earlier verb
    return role


def _manner(word: str) -> bool:
    """ "Another reportedly said": an -ly adverb between the subject and its verb."""
    b = bare(word)
    return len(b) > 4 and b.endswith("ly") and word[:1].islower()


def _verb(word: str) -> bool:
    """A verb is written in lower case: "States" in "the United States" is not one."""
    return word.lstrip("(\"'“‘")[:1].islower()


def _antecedent(words: list[str]) -> Speaker | None:
    """The person a pronoun in these words stands for, when the same sentence names them first: the subject
    of an earlier speech verb, else a name opening the sentence ("Carlineo was arrested …")."""
    pronoun = max((i for i, w in enumerate(words) if bare(w) in PRONOUNS), default=None)
    if pronoun is None or pronoun == 0 or bare(words[pronoun]) not in THIRD_PERSON:
        return None  # "Remember what I said": only he, she, dia, ia point back to someone
    before = words[:pronoun]
    earlier = _speech_subject(" ".join(before))
    if earlier is not None and earlier.kind == NAME:
        return earlier
    first = before[0]
    if (
        len(before) > 1
        and first[:1].isupper()
        and before[1][:1].islower()
        and bare(before[1]) not in NOT_NAMES
        and bare(first) not in NOT_NAMES
        and bare(first) not in TITLES
        and bare(first) not in PRONOUNS
        and not first.isupper()
        and not bare(first).endswith("'s")
    ):
        return Speaker(NAME, first.rstrip(","))  # "Carlineo was arrested for a call in which he said"
    return None


def _subject_before(words: list[str]) -> Speaker | None:
    """The subject of a verb from the words before it: a pronoun right before it ("she described"), else the
    nearest comma-separated part holding a name, skipping parts that say when or where ("Eka Asmadi, saat
    dihubungi dari Mataram, Kamis, mengatakan"), else the nearest part as a role ("The victim's mother")."""
    parts = _CLAUSE_BREAK.split(" ".join(words))
    clause = parts[-1].split() if parts else []
    while clause and (
        bare(clause[-1]) in ADVERBS
        or bare(clause[-1]) in SPEAKER_STOPS
        or not bare(clause[-1])
        or _manner(clause[-1])
    ):
        clause.pop()
    if not clause or clause[-1].endswith(",") and len(clause) == 1:
        return None
    if bare(clause[-1]) in PRONOUNS:
        return Speaker(PRONOUN)
    segments: list[list[str]] = [[]]
    for word in clause:
        segments[-1].append(word)
        if word.endswith(","):
            segments.append([])
    segments = [seg for seg in segments if seg]
    if clause[-1].endswith(",") and len(segments) == 1:
        return None  # "…, adding": a participle has no subject of its own
    role: Speaker | None = None
    for segment in reversed(segments):
        # "he asked about the Muslim Brotherhood, called …": the subject stands before the first verb.
        verbs = [
            i
            for i, w in enumerate(segment)
            if i > 0 and _verb(w) and (bare(w) in EN_SPEECH_VERBS or bare(w) in ID_SPEECH_VERBS)
        ]
        if verbs:
            segment = segment[: verbs[0]]
        if all(bare(w) in NOT_NAMES or _is_date(w) for w in segment):
            continue  # "Kamis", "Selasa (23/2)"
        if bare(segment[0]) in RELATIVES:
            continue  # ", which is essentially China's version of Twitter,": describes, names no speaker
        adverbial = bare(segment[0]) in SPEAKER_STOPS  # "saat dihubungi melalui telepon dari Mataram"
        found = speaker_of(" ".join(segment[1:] if adverbial else segment))
        if found is None or adverbial and found.kind != NAME:
            continue
        if found.kind != ROLE:
            return found
        role = role or found
    return role


_DATE = re.compile(r"^\(?\d{1,4}(?:[/.-]\d{1,4})*\)?[,.]?$")


def _is_date(word: str) -> bool:
    return bool(_DATE.match(word))
