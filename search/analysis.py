"""How text becomes search terms: the one definition both indexing and querying use.

Lower-cased, ё folded to е, split on anything that is not a letter or digit, then each
word stemmed with Snowball (Russian for Cyrillic words, English for Latin ones), so
«сочинений», «Сочинение» and «сочинением» meet on one stem.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

from search.first_names import name_overrides

SOFT_HYPHEN = "\u00ad"
# A word is a run of letters and digits; a soft hyphen inside one (a born-digital PDF's
# optional break, «пере\u00adнос») is dropped, so the word stays whole.
TOKEN_RE = re.compile(r"[^\W_]+(?:\u00ad+[^\W_]+)*", re.UNICODE)
CYRILLIC_RE = re.compile(r"[а-я]")

# Elasticsearch's standard tokenizer (Unicode word breaks) keeps a word whole across
# these, where TOKEN_RE cuts: «12.02.2025», «ул.Ленина», «т.д.», «1,5», «д'Артаньян»,
# «snake_case», a narrow no-break space inside «1 000», zero-width characters. ES is
# given them as spaces (a mapping char filter: same length, so highlight offsets hold)
# and the soft hyphen as nothing, so both engines cut every page into the same words:
# without it, «2025» found «12.02.2025» on the embedded default but not on ES.
INNER_BREAKS = ".,:;'_\u2018\u2019\u2024\u00b7\u2027\u037e\u0387\u2044\u202f\ufeff" + (
    "\u200b\u200c\u200d\u2060\uff07\uff0c\uff0e\uff1a\uff1b\uff3f"
)

_russian = Stemmer.Stemmer("russian")
_english = Stemmer.Stemmer("english")

# Snowball over-stems the dictionary form of some nouns: it takes «-л», «-ла», «-ли»
# after «а/я» for past-tense verb endings and «-ом» for an instrumental, so «журнал»,
# «журнала» → «журна», «медали» → «меда», «диплом» → «дипл», while their other forms keep
# the full stem and the two never meet. The nouns of school records that suffer this are
# pinned to one stem in every case form, and so are first names. The explicit form → stem
# list also feeds Elasticsearch's stemmer_override filter, so both engines agree.
HARD_NOUNS = (
    "журнал",
    "материал",
    "оригинал",
    "персонал",
    "сигнал",
    "финал",
    "интервал",
    "канал",
    "капитал",
    "идеал",
    "зал",
    "пенал",
    "подвал",
    "минерал",
    "генерал",
    "арсенал",
    "карнавал",
    "ритуал",
    "овал",
    "квартал",
    "сериал",
    "терминал",
    "трибунал",
    "диплом",
    "роман",
)
HARD_ENDINGS = ("", "а", "у", "ом", "е", "ы", "ов", "ам", "ами", "ах")
SOFT_NOUNS = ("медаль", "деталь", "магистраль", "вертикаль", "горизонталь", "эмаль")
SOFT_ENDINGS = ("ь", "и", "ью", "ей", "ям", "ями", "ях")
# «любовь», an essay theme, loses its «о» in the other cases: «любви» → «любв».
IRREGULAR_NOUNS = {"любовь": "любов", "любви": "любов", "любовью": "любов", "любови": "любов"}
STEM_OVERRIDES: dict[str, str] = {
    **{noun + e: noun for noun in HARD_NOUNS for e in HARD_ENDINGS},
    **IRREGULAR_NOUNS,
    **{noun[:-1] + e: noun[:-1] for noun in SOFT_NOUNS for e in SOFT_ENDINGS},
    **name_overrides(),  # pupils' and staff's first names (search.first_names)
}


# A word broken at a line's end with a hyphen («пере-\nведён», as typewritten protocols
# and their OCR give it) is one word: the break becomes two soft hyphens, which both
# engines drop, so the text keeps its length and highlight offsets hold. Only where the
# line goes on in lower case, or both halves are capitals («ПРОТО-\nКОЛ»): «Санкт-\n
# Петербург» and a double surname keep their hyphen.
LINE_BREAK_HYPHEN_RE = re.compile(r"(?<=[^\W\d_])[-\u00ad]\n(?=[^\W\d_])")


def _rejoin(match: re.Match[str]) -> str:
    before, after = match.string[match.start() - 1], match.string[match.end()]
    if after.islower() or (before.isupper() and after.isupper()):
        return SOFT_HYPHEN * 2
    return match.group()


def unbroken(text: str) -> str:
    """The text with words hyphenated across lines made whole, of the same length."""
    if "-\n" not in text and SOFT_HYPHEN + "\n" not in text:
        return text
    return LINE_BREAK_HYPHEN_RE.sub(_rejoin, text)


def fold(text: str) -> str:
    """Lower-case and fold ё to е, keeping the length so offsets stay valid."""
    folded = text.lower()
    if len(folded) != len(text):  # rare letters such as 'İ' grow when lowered
        folded = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return folded.replace("ё", "е")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Stem one folded word: the archive's overrides, else Snowball."""
    if SOFT_HYPHEN in word:
        return stem(word.replace(SOFT_HYPHEN, ""))
    return STEM_OVERRIDES.get(word) or _snowball(word)


def _snowball(word: str) -> str:
    """Snowball Russian for a Cyrillic word, English for a Latin one; digits and mixed
    tokens pass through unchanged."""
    if CYRILLIC_RE.search(word):
        return str(_russian.stemWord(word))
    if word.isascii() and word.isalpha():
        return str(_english.stemWord(word))
    return word


# Snowball reads the «-ов/-ев» of a surname's nominative as a genitive plural and strips
# it, while every other form keeps it: «Смирнов» → «смирн», but «Смирнова», «Смирнову»,
# «Смирновым» → «смирнов». The page cannot tell «Смирнов» from «столов», so the index
# keeps Snowball's stems and a query word asks for both readings (`alternatives`).
SURNAME_SUFFIXES = ("ов", "ев")
MIN_SURNAME_BASE = 3  # «нов» from «новые» is no surname base; «петр», «иван» are
# Snowball strips «-ьев», «-иев» whole: «Соловьёв» → «солов», «Дмитриев» → «дмитр».
MAX_NOMINATIVE_CUT = 3


def alternatives(word: str) -> tuple[str, ...]:
    """The terms a folded query word may stand for on a page, its own stem first.

    A nominative in «-ов/-ев» also asks for the stem its other forms share, the whole
    word («смирнов» for «Смирнов», «соловьев» for «Соловьёв»), and a form that keeps
    «-ов/-ев» in its stem (that stem is the nominative) also asks for the nominative's
    own stem, as the index holds it («смирн» for «Смирнову», «солов» for «Соловьёва»).
    So every form of a surname finds every other. A word the overrides know (a school
    noun, a first name) is no surname.
    """
    word = word.replace(SOFT_HYPHEN, "")
    term = stem(word)
    if word in STEM_OVERRIDES or not CYRILLIC_RE.search(word):  # a word we know is no surname
        return (term,)
    cut = len(word) - len(term)
    if (
        word.endswith(SURNAME_SUFFIXES)
        and word.startswith(term)
        and 2 <= cut <= MAX_NOMINATIVE_CUT
        and len(term) >= MIN_SURNAME_BASE
    ):
        return (term, word)
    if term != word and term.endswith(SURNAME_SUFFIXES) and len(term) - 2 >= MIN_SURNAME_BASE:
        nominative = stem(term)
        return (term, nominative) if nominative != term else (term,)
    return (term,)


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    term: str


def tokens(text: str) -> Iterator[Token]:
    """Tokens with their character offsets in the original text, for highlighting."""
    for match in TOKEN_RE.finditer(fold(unbroken(text))):
        yield Token(match.start(), match.end(), stem(match.group()))


def terms(text: str) -> list[str]:
    """The terms alone, as indexed and queried: what `tokens` gives without the offsets,
    and without a Token object per word, which was most of the time to index a page."""
    return [stem(word) for word in TOKEN_RE.findall(fold(unbroken(text)))]


# «Кузн*»: the word's beginning. A term ending in PREFIX_MARK stands for every term that
# begins with the rest; no indexed term holds the mark (TOKEN_RE never takes it).
PREFIX_MARK = "*"
MIN_PREFIX = 3  # «ив*» would take half the index; a shorter beginning is a word


def prefix_term(word: str) -> str:
    """The term for a typed beginning: its Snowball stem, which a beginning shares with
    its longer forms where the letters typed run past the shortest form's stem
    («смирнов*» → «смирн*», so «Смирнов», stemmed «смирн», is found as well as
    «Смирнова»). The overrides are left out: «иван*» must reach «Иванов» as well as the
    pinned first name «иванъ»."""
    return _snowball(word.replace(SOFT_HYPHEN, "")) + PREFIX_MARK


def query_terms(text: str, prefixes: bool = False) -> list[tuple[str, ...]]:
    """A query's words in order, each as the terms it may stand for (`alternatives`);
    with `prefixes`, a word typed with a star after it and at least MIN_PREFIX letters
    stands for the words it begins (`prefix_term`)."""
    folded = fold(text)
    out: list[tuple[str, ...]] = []
    for found in TOKEN_RE.finditer(folded):
        word = found.group()
        starred = prefixes and folded.startswith(PREFIX_MARK, found.end())
        if starred and len(word.replace(SOFT_HYPHEN, "")) >= MIN_PREFIX:
            out.append((prefix_term(word),))
        else:
            out.append(alternatives(word))
    return out


def term_matcher(wanted: set[str]) -> Callable[[str], bool]:
    """Whether an indexed term is one of `wanted`, or begins as one of its prefix terms
    (`prefix_term`) does: the rule snippets and page marks go by."""
    exact = frozenset(t for t in wanted if not t.endswith(PREFIX_MARK))
    starts = tuple(t[: -len(PREFIX_MARK)] for t in wanted if t.endswith(PREFIX_MARK))
    if not starts:
        return exact.__contains__
    return lambda term: term in exact or term.startswith(starts)


@lru_cache(maxsize=1)
def _forms_by_term() -> dict[str, tuple[str, ...]]:
    """The overrides the other way round: each pinned term's forms."""
    forms: defaultdict[str, list[str]] = defaultdict(list)
    for word, term in STEM_OVERRIDES.items():
        forms[term].append(word)
    return {term: tuple(words) for term, words in forms.items()}


@lru_cache(maxsize=256)
def _beginnings(wanted: frozenset[str]) -> re.Pattern[str] | None:
    """The letters every word `term_matcher(wanted)` accepts begins with, as one
    alternation (`first_possible_match`); None where they cannot be told."""
    matches = term_matcher(set(wanted))
    begins: set[str] = set()
    for term in wanted:
        begin = term.removesuffix(PREFIX_MARK)
        if begin.isascii() and begin.isalpha():
            return None
        begins.add(begin)
    begins.update(w for term, words in _forms_by_term().items() if matches(term) for w in words)
    return re.compile("|".join(re.escape(b) for b in sorted(begins, key=len, reverse=True)))


WORD_CHAR_RE = re.compile(r"[^\W_]")


def first_possible_match(folded: str, wanted: frozenset[str]) -> int | None:
    """Where in folded text the first word `term_matcher(wanted)` would accept may
    begin: no such word starts before it (one may not start there either); the text's
    length when none can be in it; None when that cannot be told from the letters.

    A snippet looks for the first matching word of a page, and on a journal grid that
    stands some 250 words down: stemming each word on the way cost a results page of
    such pages 20 ms. Snowball Russian only cuts endings, so a Cyrillic term (or a
    number, kept whole) begins every word that stems to it, and the overrides' forms
    are listed whole: one regex search finds the place. English Snowball may change a
    word's last letters («happy» → «happi»), and a soft hyphen inside a word breaks
    its letters apart, so there the words are read one by one. The word boundary is
    checked after the search: a lookbehind before the alternation made the regex
    engine try it at every offset, 40 times slower.
    """
    beginnings = _beginnings(wanted)
    if beginnings is None or SOFT_HYPHEN in folded:
        return None
    found = beginnings.search(folded)
    while found is not None:
        at = found.start()
        if at == 0 or not WORD_CHAR_RE.match(folded, at - 1):
            return at
        found = beginnings.search(folded, at + 1)
    return len(folded)
