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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import pymorphy3

from archive_service.reading.homoglyphs import CYRILLIC, HOMOGLYPHS, fold_word
from intake.class_list import normalize_school_year

WORD_RE = re.compile(r"[А-Яа-яЁёA-Za-z]+(?:-[А-Яа-яЁёA-Za-z]+)?")
# Text from before OCR output was folded (archive_service.reading.homoglyphs) may still
# carry Latin look-alikes, so words are folded again here.
CLASS_RE = re.compile(
    r"(?<![\d/.\-])(?P<grade>1[01]|[1-9])"
    r"(?:\s*[«\"“]\s*(?P<q>[А-ЯЁа-яёABCEHKMOPTXY])\s*[»\"”]|-?(?P<tight>[А-ЯЁ])(?![А-ЯЁа-яё])"
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
INITIALS_RE = re.compile(r"\s*(?P<i1>[А-ЯЁ])\.\s*(?:(?P<i2>[А-ЯЁ])\.)?")


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


@lru_cache(maxsize=1)
def _morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


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


def _kind_proposals(pages: list[tuple[int, str]], kinds: Iterable[KindRule]) -> list[Proposal]:
    found: dict[str, Proposal] = {}
    for number, text in pages[:3]:  # titles sit on the first pages
        words = _words(text)
        word_lemmas = [lemma(w.text) for w in words]
        for rule in kinds:
            for keyword in rule.keywords:
                wanted = [lemma(w) for w in WORD_RE.findall(keyword)]
                if not wanted:
                    continue
                for i in range(len(words) - len(wanted) + 1):
                    if word_lemmas[i : i + len(wanted)] != wanted:
                        continue
                    first, last = words[i], words[i + len(wanted) - 1]
                    # Longer keywords, earlier pages and earlier lines weigh more.
                    score = len(wanted) + 1.0 / number + (1.0 if first.start < 300 else 0.0)
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
    return Proposal("title", title, title, (Evidence(ev.page, start, end, line),), kind.score)


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
    if initials and initials["i1"] == key.pupil.name[:1].upper():
        i2 = initials["i2"]
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
    by_value: dict[str, tuple[str, list[Evidence]]] = {}
    for value, label, ev in items:
        by_value.setdefault(value, (label, []))[1].append(ev)
    proposals = [
        Proposal(field, value, label, tuple(evs[:5]), float(len(evs)))
        for value, (label, evs) in by_value.items()
    ]
    return sorted(proposals, key=lambda p: (-p.score, p.value))


def _class_proposals(pages: list[tuple[int, str]]) -> list[Proposal]:
    items = []
    for number, m in _spans(pages, CLASS_RE):
        letter = (m["q"] or m["tight"] or m["loose"]).upper().translate(HOMOGLYPHS)
        value = f"{m['grade']}{letter}"
        items.append(
            (value, f"{m['grade']} «{letter}»", Evidence(number, m.start(), m.end(), m.group()))
        )
    return _grouped("class", items)


def _school_year_proposals(pages: list[tuple[int, str]]) -> list[Proposal]:
    items = []
    for number, m in _spans(pages, SCHOOL_YEAR_RE):
        value = normalize_school_year(m.group())
        if value is not None:
            items.append((value, value, Evidence(number, m.start(), m.end(), m.group())))
    return _grouped("school_year", items)


def _date_proposals(pages: list[tuple[int, str]]) -> list[Proposal]:
    items = []
    for number, m in _spans(pages, NUMERIC_DATE_RE):
        year = int(m["y"]) + (2000 if len(m["y"]) == 2 else 0)
        items.extend(_date_item(number, m, year, int(m["m"]), int(m["d"])))
    for number, m in _spans(pages, TEXT_DATE_RE):
        items.extend(_date_item(number, m, int(m["y"]), MONTHS[m["m"].lower()], int(m["d"])))
    return _grouped("date", items)


def _date_item(
    number: int, m: re.Match[str], year: int, month: int, day: int
) -> list[tuple[str, str, Evidence]]:
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
        )
    ]


# -- all together -------------------------------------------------------------------------


def propose(
    pages: list[tuple[int, str]],
    kinds: Iterable[KindRule] = (),
    pupils: Iterable[KnownPupil] = (),
) -> list[Proposal]:
    """Every proposal for a document, best first within each field."""
    kind = _kind_proposals(pages, kinds)
    title = _title_proposal(pages, kind[0] if kind else None)
    return [
        *kind,
        *([title] if title else []),
        *_pupil_proposals(pages, list(pupils)),
        *_class_proposals(pages),
        *_school_year_proposals(pages),
        *_date_proposals(pages),
    ]
