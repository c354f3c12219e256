"""Metadata the worker proposes from a document's page text, each with its evidence.

The archivist confirms or corrects every proposal in the UI, seeing the words it came
from (`Evidence`: page, character span, the words). Nothing here is filed without a
person; a proposal is a reading of the text, not a decision.

- kind: the nomenclature item whose title words appear («Протокол итогового
  собеседования», «Личное дело обучающегося», «Книга учёта и выдачи аттестатов»),
  matched on lemmas, so «протоколы собеседований» finds the same item;
- pupils: ФИО matched against the school's pupils in any case form («Смирновой Анны
  Сергеевны», «Смирнова А. С.»), with Russian morphology (pymorphy3);
- class («9 «Б»», «9Б», «9-Б»), school year («2023/2024», «2023-24»), dates (numeric and
  with Russian month names).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

import pymorphy3

from archive_service.reading.homoglyphs import CYRILLIC, HOMOGLYPHS, fold_word
from archive_service.words import morphology
from intake.class_list import normalize_school_year

WORD_RE = re.compile(r"[А-Яа-яЁёA-Za-z]+(?:-[А-Яа-яЁёA-Za-z]+)?")
# Text from before OCR output was folded (archive_service.reading.homoglyphs) may still
# carry Latin look-alikes, so words are folded again here.
CLASS_RE = re.compile(
    r"(?<![\d/.\-])(?P<grade>1[01]|[1-9])"
    r"(?:\s*[«\"“]\s*(?P<q>[А-ЯЁа-яёABCEHKMOPTXY6])\s*[»\"”]"
    r"|-?(?P<tight>[А-ЯЁABCEHKMOPTXY])(?![А-ЯЁа-яёA-Za-z])"
    r"|\s+(?P<loose>[А-ЯЁ])(?=\s+класс))"
)
SCHOOL_YEAR_RE = re.compile(r"(?<!\d)(?P<a>(?:19|20)\d{2})\s*[/–\-]\s*(?P<b>(?:19|20)?\d{2})(?!\d)")
NUMERIC_DATE_RE = re.compile(
    r"(?<![\d.])(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4}|\d{2})(?![\d])"
)
MONTHS = {
    "января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6,
    "июля": 7, "августа": 8, "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12,
}  # fmt: skip
TEXT_DATE_RE = re.compile(
    r"(?<!\d)(?P<d>\d{1,2})\s+(?P<m>" + "|".join(MONTHS) + r")\s+(?P<y>\d{4})",
    re.IGNORECASE,
)
# «Смирнова А. С.»; OCR gives an initial «О» as a Latin «O» or a zero now and then, and
# another capital as its Latin look-alike: read as the Cyrillic letter it stands for.
INITIALS_RE = re.compile(r"\s*(?P<i1>[А-ЯЁABCEHKMOPTXY0])\.\s*(?:(?P<i2>[А-ЯЁABCEHKMOPTXY0])\.)?")
INITIAL_LOOKALIKES = str.maketrans("ABCEHKMOPTXY0", "АВСЕНКМОРТХУО")


@dataclass(frozen=True)
class Evidence:
    page: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Proposal:
    field: str  # kind | title | pupil | class | school_year | date
    value: str  # what is stored: item index, pupil id, «9Б», «2023/2024», ISO date
    label: str  # what the archivist reads
    evidence: tuple[Evidence, ...]
    score: float
    doubt: str | None = None  # why it is only a guess; «как предложено» does not take it


@dataclass(frozen=True)
class KindRule:
    item_index: str
    title: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class KnownPupil:
    id: str
    surname: str
    name: str
    patronymic: str | None = None

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.name, self.patronymic) if p)


def _morph() -> pymorphy3.MorphAnalyzer:
    return morphology()  # one dictionary per process, shared with the papers' words


def load_morphology() -> None:
    """Load the dictionary now (a worker starting), not at the first word."""
    _morph()


@lru_cache(maxsize=100_000)
def lemmas(word: str) -> frozenset[str]:
    """Every dictionary form the word may be, plus itself (ё folded)."""
    low = word.lower().replace("ё", "е")
    forms = {p.normal_form.replace("ё", "е") for p in _morph().parse(low)}
    return frozenset(forms | {low})


@lru_cache(maxsize=100_000)
def lemma(word: str) -> str:
    return str(_morph().parse(word.lower())[0].normal_form).replace("ё", "е")


@dataclass(frozen=True)
class _Word:
    start: int
    end: int
    text: str


def _words(text: str) -> list[_Word]:
    return [
        _Word(m.start(), m.end(), folded)
        for m in WORD_RE.finditer(text)
        if CYRILLIC.search(folded := fold_word(m.group()))
    ]


# -- kind and title -----------------------------------------------------------------------


HEADING_LINES = 8  # a heading is the first lines of the first page, before the body
# A line of running text: as long as a printed line of a paragraph, and many words. A
# heading's lines are short, centred names («ПРОТОКОЛ», «итогового собеседования …»).
BODY_LINE_CHARS, BODY_LINE_WORDS = 60, 8
# A local act of the school (an order, a regulation) names records in its heading
# («Положение о ведении классных журналов») without being one of them.
LOCAL_ACTS = frozenset(
    {"положение", "порядок", "правило", "инструкция", "приказ", "устав", "регламент"}
)


def heading_end(text: str) -> int:
    """Where the first page's heading ends: after its first lines, at the first line of
    body text (a paragraph), whichever comes first."""
    end, lines = 0, 0
    for line in text.splitlines(keepends=True):
        if len(line.strip()) >= BODY_LINE_CHARS and len(line.split()) >= BODY_LINE_WORDS:
            break
        end += len(line)
        if line.strip():
            lines += 1
            if lines == HEADING_LINES:
                break
    return end


def _local_act(text: str) -> str | None:
    """The word that makes the document a local act, if a line of its heading begins
    with one (the school's name usually comes first)."""
    for line in text[: heading_end(text)].splitlines():
        first = next(iter(_words(line)), None)
        # In the nominative: «ПОЛОЖЕНИЕ», «Приказ», not «приказом директора» of a stamp
        if first is not None and first.text.lower() in LOCAL_ACTS:
            return first.text
    return None


def _kind_proposals(pages: list[tuple[int, str]], kinds: Iterable[KindRule]) -> list[Proposal]:
    """A kind needs heading-level evidence: its words in the first page's heading. Words
    found only further on (a regulation's body mentioning «классные журналы»), or a
    heading of a local act, make a guess, ranked below and marked with its doubt."""
    found: dict[str, Proposal] = {}
    first_page = pages[0][0] if pages else 0
    act = _local_act(pages[0][1]) if pages else None
    for number, text in pages[:3]:  # titles sit on the first pages
        words = _words(text)
        word_lemmas = [lemma(w.text) for w in words]
        heading = heading_end(text) if number == first_page else -1
        for rule in kinds:
            for keyword in rule.keywords:
                wanted = [lemma(w) for w in WORD_RE.findall(keyword)]
                if not wanted:
                    continue
                for i in range(len(words) - len(wanted) + 1):
                    if word_lemmas[i : i + len(wanted)] != wanted:
                        continue
                    first, last = words[i], words[i + len(wanted) - 1]
                    in_heading = last.end <= heading and act is None
                    # The heading outweighs everything; then longer keywords, earlier
                    # pages and earlier lines.
                    score = (
                        (10.0 if in_heading else 0.0)
                        + len(wanted)
                        + 1.0 / number
                        + (1.0 if first.start < 300 else 0.0)
                    )
                    doubt = None
                    if act is not None:
                        doubt = f"заголовок «{act} …» — локальный акт, а не документ учёта"
                    elif not in_heading:
                        doubt = f"вид угадан по словам в тексте (лист {number}), не в заголовке"
                    old = found.get(rule.item_index)
                    if old is None or score > old.score:
                        found[rule.item_index] = Proposal(
                            "kind",
                            rule.item_index,
                            rule.title,
                            (
                                Evidence(
                                    number, first.start, last.end, text[first.start : last.end]
                                ),
                            ),
                            round(score, 3),
                            doubt,
                        )
                    break
    return sorted(found.values(), key=lambda p: -p.score)


def _title_proposal(pages: list[tuple[int, str]], kind: Proposal | None) -> Proposal | None:
    """The line that carries the kind's words, as the document's title."""
    if kind is None:
        return None
    ev = kind.evidence[0]
    text = dict(pages)[ev.page]
    start = text.rfind("\n", 0, ev.start) + 1
    end = text.find("\n", ev.end)
    end = len(text) if end == -1 else end
    words = text[start:end].split()
    if not words:
        return None
    line = " ".join(words)
    if words[0].isupper() and len(words[0]) > 1:  # «ПРОТОКОЛ итогового …» → «Протокол …»
        words[0] = words[0].capitalize()
    title = " ".join(words)
    evidence = (Evidence(ev.page, start, end, line),)
    return Proposal("title", title, title, evidence, kind.score, kind.doubt)


# -- pupils -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PupilKey:
    pupil: KnownPupil
    surname: frozenset[str]
    name: frozenset[str]
    patronymic: frozenset[str]


def _pupil_keys(pupils: Iterable[KnownPupil]) -> dict[str, list[_PupilKey]]:
    """Pupils by every lemma their surname may have, for a quick first look-up."""
    index: dict[str, list[_PupilKey]] = {}
    for p in pupils:
        key = _PupilKey(
            p,
            lemmas(p.surname),
            lemmas(p.name),
            lemmas(p.patronymic) if p.patronymic else frozenset(),
        )
        for form in key.surname:
            index.setdefault(form, []).append(key)
    return index


def _pupil_proposals(pages: list[tuple[int, str]], pupils: list[KnownPupil]) -> list[Proposal]:
    index = _pupil_keys(pupils)
    if not index:  # no class list loaded yet: no page needs reading for names
        return []
    found: dict[str, list[tuple[Evidence, float]]] = {}
    for number, text in pages:
        words = _words(text)
        for i, word in enumerate(words):
            if not word.text[0].isupper():
                continue
            candidates = {id(k): k for f in lemmas(word.text) for k in index.get(f, [])}
            for key in candidates.values():
                match = _match_at(text, words, i, key)
                if match is not None:
                    end, score = match
                    ev = Evidence(number, word.start, end, text[word.start : end])
                    found.setdefault(key.pupil.id, []).append((ev, score))
            # «Анна Смирнова»: the name first
            if i + 1 < len(words):
                nxt = words[i + 1]
                for f in lemmas(nxt.text):
                    for key in index.get(f, []):
                        if lemmas(word.text) & key.name and _adjacent(text, word, nxt):
                            ev = Evidence(number, word.start, nxt.end, text[word.start : nxt.end])
                            found.setdefault(key.pupil.id, []).append((ev, 1.0))
    by_id = {p.id: p for p in pupils}
    proposals = []
    for pupil_id, hits in found.items():
        best = max(score for _, score in hits)
        evidence = tuple(ev for ev, score in hits if score == best)[:5]
        pupil = by_id[pupil_id]
        proposals.append(Proposal("pupil", pupil_id, pupil.full_name, evidence, best))
    return sorted(proposals, key=lambda p: (-p.score, p.label))


def _adjacent(text: str, a: _Word, b: _Word) -> bool:
    return text[a.end : b.start].strip(" \t,") == ""


def _match_at(text: str, words: list[_Word], i: int, key: _PupilKey) -> tuple[int, float] | None:
    """Surname at words[i] followed by the name (and patronymic), or by initials."""
    surname = words[i]
    if not lemmas(surname.text) & key.surname:
        return None
    if i + 1 < len(words) and _adjacent(text, surname, words[i + 1]):
        name = words[i + 1]
        if lemmas(name.text) & key.name:
            end, score = name.end, 1.0
            if (
                key.patronymic
                and i + 2 < len(words)
                and _adjacent(text, name, words[i + 2])
                and lemmas(words[i + 2].text) & key.patronymic
            ):
                end = words[i + 2].end
            return end, score
    initials = INITIALS_RE.match(text, surname.end)
    i1 = initials["i1"].translate(INITIAL_LOOKALIKES) if initials else None
    if initials and i1 == key.pupil.name[:1].upper():
        i2 = initials["i2"] and initials["i2"].translate(INITIAL_LOOKALIKES)
        if i2 is None or (key.pupil.patronymic and i2 == key.pupil.patronymic[:1].upper()):
            return initials.end(), 0.7
    return None


# -- class, school year, dates ------------------------------------------------------------


def _spans(
    pages: list[tuple[int, str]], pattern: re.Pattern[str]
) -> Iterator[tuple[int, re.Match[str]]]:
    for number, text in pages:
        for m in pattern.finditer(text):
            yield number, m


def _grouped(field: str, items: list[tuple[str, str, Evidence]]) -> list[Proposal]:
    return _weighed(field, [(value, label, ev, 1.0) for value, label, ev in items])


def _weighed(field: str, items: list[tuple[str, str, Evidence, float]]) -> list[Proposal]:
    """One proposal per value, scored by the weight of every place it was read."""
    by_value: dict[str, tuple[str, list[Evidence], float]] = {}
    for value, label, ev, weight in items:
        old_label, evs, total = by_value.get(value, (label, [], 0.0))
        by_value[value] = (old_label, [*evs, ev], total + weight)
    proposals = [
        Proposal(field, value, label, tuple(evs[:5]), round(total, 3))
        for value, (label, evs, total) in by_value.items()
    ]
    return sorted(proposals, key=lambda p: (-p.score, p.value))


# «Классный журнал 10 «Б»»: OCR may give a Cyrillic class letter as a Latin look-alike or
# a digit; each reading stands for the Cyrillic letters it looks like.
CLASS_LETTER_READINGS = {"B": "ВБ", "6": "Б"}
HEADING_CLASS = 100.0  # a class in the heading against one read anywhere else


def _class_proposals(
    pages: list[tuple[int, str]], known: frozenset[str] = frozenset()
) -> list[Proposal]:
    """Classes as read, the heading's first: a journal's grid of marks reads as dozens of
    «4 н» and «5 Н» (a mark beside an absence), which must not outvote the «9 «Б»» of
    its cover. With the school's class lists (`known`), a letter OCR may have misread
    is taken as the class the school has, and one it does not have is marked."""
    items = []
    unsure: dict[str, str] = {}
    first_page = pages[0][0] if pages else 0
    heading = heading_end(pages[0][1]) if pages else 0
    for number, m in _spans(pages, CLASS_RE):
        read = m["q"] or m["tight"] or m["loose"]
        readings = CLASS_LETTER_READINGS.get(read.upper(), read.upper().translate(HOMOGLYPHS))
        candidates = [f"{m['grade']}{letter}" for letter in readings]
        if known:
            candidates = [c for c in candidates if c in known] or candidates
        value = candidates[0]
        if len(candidates) > 1:  # a Latin «B»: «В» or «Б», and the lists cannot tell
            unsure[value] = f"буква класса неразборчива: {' или '.join(candidates)}"
        in_heading = number == first_page and m.end() <= heading
        items.append(
            (
                value,
                f"{m['grade']} «{value[-1]}»",
                Evidence(number, m.start(), m.end(), m.group()),
                HEADING_CLASS if in_heading else 1.0,
            )
        )
    proposals = _weighed("class", items)
    return [
        replace(p, doubt=f"класса {p.value} нет в списках классов школы")
        if known and p.value not in known
        else replace(p, doubt=unsure[p.value])
        if p.value in unsure
        else p
        for p in proposals
    ]


def _school_year_proposals(pages: list[tuple[int, str]]) -> list[Proposal]:
    items = []
    for number, m in _spans(pages, SCHOOL_YEAR_RE):
        value = normalize_school_year(m.group())
        if value is not None:
            items.append((value, value, Evidence(number, m.start(), m.end(), m.group())))
    return _grouped("school_year", items)


# A date in a citation («Федеральный закон от 29.12.2012 № 273-ФЗ», «приказом … от
# 22.03.2021 № 115») is the cited act's, never the document's.
CITED_BEFORE = re.compile(
    r"(?:закон\w*|приказ\w*|постановлени\w*|распоряжени\w*|письм\w*|решени\w*|ФЗ)"
    r"[^.\n]{0,80}$",
    re.IGNORECASE,
)
CITED_AFTER = re.compile(r"^\s*(?:г\.|года)?\s*(?:№|N\s*\d)")
BODY_DATE = 1.0  # the weight of a date read in the body: alone, only a guess
LABELLED = re.compile(r"дата[^:\n\d]{0,30}:?\s*$", re.IGNORECASE)


def _date_weight(text: str, start: int, end: int, heading: int) -> float | None:
    """How much a date read at text[start:end] speaks for the document's own date; None
    for a date in a citation."""
    before = text[max(0, start - 100) : start]
    after = text[end : end + 12]
    if re.search(r"\bот\s*$", before) and (
        CITED_BEFORE.search(before) or (CITED_AFTER.match(after) and end > heading)
    ):  # «законом от …», or «от … №» in the body: an act cited; a heading's own is kept
        return None
    if LABELLED.search(text[max(0, start - 40) : start]):
        return 10.0  # «Дата: 18.11.2024», «Дата проведения: …»
    return 3.0 if end <= heading else BODY_DATE


def _date_proposals(pages: list[tuple[int, str]]) -> list[Proposal]:
    """Dates by how much each place speaks for the document's own; one read only in the
    body (no «Дата», not in the heading) is a guess: the document may have no date of
    its own, and the body's next meeting or deadline is not it."""
    items = []
    first_page = pages[0][0] if pages else 0
    headings = {n: heading_end(t) if n == first_page else -1 for n, t in pages}
    texts = dict(pages)
    for number, m in _spans(pages, NUMERIC_DATE_RE):
        year = int(m["y"]) + (2000 if len(m["y"]) == 2 else 0)
        weight = _date_weight(texts[number], m.start(), m.end(), headings[number])
        if weight is not None:
            items.extend(_date_item(number, m, year, int(m["m"]), int(m["d"]), weight))
    for number, m in _spans(pages, TEXT_DATE_RE):
        weight = _date_weight(texts[number], m.start(), m.end(), headings[number])
        if weight is not None:
            month = MONTHS[m["m"].lower()]
            items.extend(_date_item(number, m, int(m["y"]), month, int(m["d"]), weight))
    strongest: dict[str, float] = {}
    for value, _label, _ev, weight in items:
        strongest[value] = max(weight, strongest.get(value, 0.0))
    return [
        p if strongest[p.value] > BODY_DATE else replace(p, doubt="дата из текста, не из заголовка")
        for p in _weighed("date", items)
    ]


def _date_item(
    number: int, m: re.Match[str], year: int, month: int, day: int, weight: float
) -> list[tuple[str, str, Evidence, float]]:
    try:
        when = date(year, month, day)
    except ValueError:
        return []
    if not 1950 <= when.year <= 2100:
        return []
    return [
        (
            when.isoformat(),
            when.strftime("%d.%m.%Y"),
            Evidence(number, m.start(), m.end(), m.group()),
            weight,
        )
    ]


def _in_school_year(day: str, school_year: str) -> bool:
    """1 September of the first year to 31 August of the second."""
    first = int(school_year[:4])
    return date(first, 9, 1).isoformat() <= day <= date(first + 1, 8, 31).isoformat()


def _agreeing_dates(dates: list[Proposal], years: list[Proposal]) -> list[Proposal]:
    """The dates with one that agrees with the proposed school year first; if none does,
    the best is marked, so it is shown but not filed."""
    if not dates or not years:
        return dates
    school_year = years[0].value
    agreeing = [d for d in dates if _in_school_year(d.value, school_year)]
    if agreeing:
        return [*agreeing, *(d for d in dates if d not in agreeing)]
    best = replace(dates[0], doubt=f"дата не в {school_year} учебном году")
    return [best, *dates[1:]]


# -- all together -------------------------------------------------------------------------


def propose(
    pages: list[tuple[int, str]],
    kinds: Iterable[KindRule] = (),
    pupils: Iterable[KnownPupil] = (),
    classes: Mapping[str, Iterable[str]] | None = None,
) -> list[Proposal]:
    """Every proposal for a document, best first within each field; `classes` are the
    class labels of the school's class lists by school year («2024/2025» → {«9Б»}), to
    read a misread class letter by the classes the school has that year."""
    kind = _kind_proposals(pages, kinds)
    title = _title_proposal(pages, kind[0] if kind else None)
    years = _school_year_proposals(pages)
    lists = classes or {}
    if years and years[0].value in lists:
        known = frozenset(lists[years[0].value])
    else:  # no year read, or none listed for it: every class the school ever had
        known = frozenset(label for labels in lists.values() for label in labels)
    return [
        *kind,
        *([title] if title else []),
        *_pupil_proposals(pages, list(pupils)),
        *_class_proposals(pages, known),
        *years,
        *_agreeing_dates(_date_proposals(pages), years),
    ]
