"""The search-index contract and the shared Russian query set.

Every adapter (SQLite FTS5, Elasticsearch) must give the same documents and
pages for each query below.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from search import IndexedDocument, IndexedPage, SearchIndex, open_index
from search.port import MAX_RESULT_WINDOW
from tests.services import elasticsearch_index

# Elasticsearch of the current 9 line, and of the 8.19 line the archive still supports.
ADAPTERS = ["sqlite", "elasticsearch", "elasticsearch8"]

CORPUS = [
    IndexedDocument(
        "essays",
        "essays-2024.pdf",
        "Итоговые сочинения 2024",
        [
            IndexedPage(1, "Итоговое сочинение выпускников 11 классов, декабрь 2024 года."),
            IndexedPage(2, "Сочинение Смирновой Анны: «Война и мир». Зачёт."),
            IndexedPage(3, "Протокол проверки итоговых сочинений экспертной комиссией."),
        ],
    ),
    IndexedDocument(
        "interview",
        "sobesedovanie.tiff",
        "Протокол собеседования 9Б",
        [
            IndexedPage(1, "ПРОТОКОЛ итогового собеседования по русскому языку, 9 «Б» класс."),
            IndexedPage(2, "Кузнецов Иван — незачёт. Повторное собеседование в марте."),
        ],
    ),
    IndexedDocument(
        "journal",
        "journal.pdf",
        "Классный журнал 5А",
        [
            IndexedPage(1, "Классный журнал 5 «А» класса на 2023/2024 учебный год."),
            IndexedPage(2, "Сводная ведомость учёта успеваемости обучающихся."),
        ],
    ),
    IndexedDocument(
        "medals",
        "medals.pdf",
        "Книга учёта медалей",
        [
            IndexedPage(1, "Книга учёта и выдачи медалей «За особые успехи в учении»."),
        ],
    ),
    IndexedDocument(
        "transfer",
        "vypiska.pdf",
        "Выписка об успеваемости",
        [
            IndexedPage(
                1,
                "Выписка: Петров Иван Сергеевич, 5 «А» класс. Выдана 12.02.2025, "
                "ул.Ленина, д.5; пере\u00adведён. Справ-\nка дана по месту требования.",
            )
        ],
    ),
]
# A handwritten essay: OCR gave little, its filing names it. In the query set only.
HANDWRITTEN = IndexedDocument(
    "essay-petrov",
    "scan-0042.tiff",
    "Итоговое сочинение",
    [
        IndexedPage(1, "Тма: Челвек и природа. Лес шумл, гр0й шёл к рке."),
        IndexedPage(2, "Вйна и мр — лбимя кнга"),
    ],
    heading="Итоговое сочинение\nscan-0042\nПетров Алексей Викторович",
)

# query → {document id: matched page numbers}
QUERY_SET: dict[str, dict[str, list[int]]] = {
    "сочинений": {"essays": [1, 2, 3], "essay-petrov": []},
    "Сочинение": {"essays": [1, 2, 3], "essay-petrov": []},
    "протоколы": {"essays": [3], "interview": [1]},
    "собеседование": {"interview": [1, 2]},
    "зачет": {"essays": [2]},
    "незачёт": {"interview": [2]},
    "медаль": {"medals": [1]},
    "учета": {"journal": [2], "medals": [1]},
    "журнал класса": {"journal": [1]},
    '"итоговое сочинение"': {"essays": [1, 3], "essay-petrov": []},  # same stems in order
    '"сочинение выпускников"': {"essays": [1]},
    "Смирнова": {"essays": [2]},
    # a surname's nominative and its other forms, both ways («Смирнов» → «смирн» in Snowball)
    "Смирнов": {"essays": [2]},
    "Кузнецову": {"interview": [2]},
    # first names, which Snowball splits («Иван» → «ива», «Ивану» → «иван»)
    "Ивану": {"interview": [2], "transfer": [1]},
    "Анной Смирновой": {"essays": [2]},
    '"Кузнецова Ивана"': {"interview": [2]},
    "Петрову Ивану": {"transfer": [1]},
    # a first name and the surname made from it stay apart: not «Петров Иван»
    "Иванов Пётр": {},
    # words joined by a dot or hidden breaks are cut alike by both engines
    "2025": {"transfer": [1]},
    "Ленина": {"transfer": [1]},
    "переведен": {"transfer": [1]},
    "справку": {"transfer": [1]},  # «Справ-\nка»: a word hyphenated across lines
    "ведомостей успеваемости": {"journal": [2]},
    "2023": {"journal": [1]},
    "физика": {},
    # the heading (title, file name, pupils): found by it, listing only pages that hold
    # a query word themselves
    "сочинение Петрова": {"essay-petrov": []},
    "Алексею Петрову": {"essay-petrov": []},
    "0042": {"essay-petrov": []},
    "Петров природа": {"essay-petrov": [1]},
    "Петров": {"transfer": [1], "essay-petrov": []},
    '"Петров Алексей"': {"essay-petrov": []},
    # a word with a star: every word it begins, in any form («Смирнов*» reaches «смирн»)
    "Кузн*": {"interview": [2]},
    "Смирнов*": {"essays": [2]},
    "собесед*": {"interview": [1, 2]},
    "Петр* природа": {"essay-petrov": [1]},
    "ив*": {},  # under three letters: the word «ив» itself
}


@pytest.fixture(params=ADAPTERS)
def empty_index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchIndex]:
    if request.param == "sqlite":
        yield open_index(f"sqlite:///{tmp_path / 'search.sqlite3'}")
    else:
        with elasticsearch_index("8" if request.param == "elasticsearch8" else "9") as url:
            yield open_index(url)


@pytest.fixture
def index(empty_index: SearchIndex) -> SearchIndex:
    for doc in CORPUS:
        empty_index.index_document(doc)
    return empty_index


@pytest.mark.parametrize("query", sorted(QUERY_SET))
def test_shared_query_set(index: SearchIndex, query: str) -> None:
    index.index_document(HANDWRITTEN)
    result = index.search(query, limit=50)
    got = {hit.id: [p.number for p in hit.pages] for hit in result.hits}
    assert got == QUERY_SET[query]
    assert result.total == len(QUERY_SET[query])


def test_hits_are_grouped_per_document_with_marked_snippets(index: SearchIndex) -> None:
    result = index.search("сочинение")
    (hit,) = result.hits
    assert hit.filename == "essays-2024.pdf" and hit.title == "Итоговые сочинения 2024"
    assert all("<mark>" in p.snippet for p in hit.pages)
    assert "<mark>сочинений</mark>" in hit.pages[2].snippet


def test_a_word_with_a_star_marks_the_words_it_begins(index: SearchIndex) -> None:
    (hit,) = index.search("Кузн*").hits
    assert "<mark>Кузнецов</mark> Иван" in hit.pages[0].snippet
    (hit,) = index.search("итогов* собесед*").hits
    assert "<mark>итогового</mark> <mark>собеседования</mark>" in hit.pages[0].snippet


def test_better_match_ranks_first(index: SearchIndex) -> None:
    index.index_document(
        IndexedDocument(
            "many",
            "m.pdf",
            "m",
            [IndexedPage(1, "собеседование собеседование собеседование итоги собеседования")],
        )
    )
    result = index.search("собеседование")
    assert result.hits[0].id == "many"
    assert result.hits[0].score >= result.hits[1].score


def test_reindexing_a_document_replaces_its_pages(index: SearchIndex) -> None:
    index.index_document(
        IndexedDocument(
            "medals",
            "medals.pdf",
            "Книга",
            [IndexedPage(1, "Аттестаты об основном общем образовании")],
        )
    )
    assert index.search("медаль").total == 0
    assert index.search("аттестатов").hits[0].id == "medals"


def test_a_batch_written_unpublished_is_found_once_published(empty_index: SearchIndex) -> None:
    """The relay writes a batch with publish=False and publishes it once; a document
    rewritten shorter inside the batch, before anything was published, loses the pages
    past its new end all the same."""
    long = IndexedDocument(
        "protocol",
        "p.pdf",
        "Протокол",
        [
            IndexedPage(1, "Протокол экзамена по физике"),
            IndexedPage(2, "Лист согласования"),
            IndexedPage(3, "Приложение с подписями комиссии"),
        ],
    )
    empty_index.index_document(long, publish=False)
    empty_index.index_document(CORPUS[0], publish=False)
    empty_index.index_document(
        IndexedDocument("protocol", "p.pdf", "Протокол", long.pages[:1]), publish=False
    )
    empty_index.publish()
    assert [h.id for h in empty_index.search("экзамена").hits] == ["protocol"]
    assert empty_index.search("подписями").total == 0
    assert empty_index.search("согласования").total == 0
    assert CORPUS[0].id in empty_index.document_ids()
    empty_index.delete_document("protocol", publish=False)
    empty_index.publish()
    assert empty_index.search("экзамена").total == 0


def test_delete_and_clear(index: SearchIndex) -> None:
    index.delete_document("essays")
    assert index.search("сочинение").total == 0
    assert "essays" not in index.document_ids()
    assert not index.is_empty()
    index.clear()
    assert index.document_ids() == set() and index.is_empty()


def test_paging_by_documents(index: SearchIndex) -> None:
    first = index.search("учета", limit=1)
    second = index.search("учета", limit=1, offset=1)
    assert first.total == second.total == 2
    assert {first.hits[0].id, second.hits[0].id} == {"journal", "medals"}


def test_a_page_past_the_result_window_is_empty_with_the_total(index: SearchIndex) -> None:
    """Elasticsearch answers nothing past its window; both engines give an empty page
    with the total and the facets instead of an error."""
    whole = index.search("учета")
    for offset in (MAX_RESULT_WINDOW - 1, MAX_RESULT_WINDOW, 10**30):
        past = index.search("учета", limit=20, offset=offset)
        assert past.hits == [] and past.total == whole.total, offset
        assert past.facets == whole.facets


def test_empty_or_punctuation_query_finds_nothing(index: SearchIndex) -> None:
    assert index.search("").total == 0
    assert index.search("  ?!* ").total == 0


def test_rebuild_replaces_everything_and_keeps_searching(empty_index: SearchIndex) -> None:
    empty_index.index_document(CORPUS[0])
    assert empty_index.rebuild(iter(CORPUS[1:])) == len(CORPUS) - 1
    assert empty_index.document_ids() == {d.id for d in CORPUS[1:]}
    assert empty_index.search("сочинение").total == 0
    assert empty_index.search("протоколы").hits[0].id == "interview"
    empty_index.index_document(CORPUS[0])  # writes after a rebuild reach the new index
    assert empty_index.search("сочинение").total == 1


def test_a_document_written_during_a_rebuild_keeps_its_newer_copy(
    empty_index: SearchIndex,
) -> None:
    """The live relay writes a document while a rebuild is filling the index: the
    rebuild's copy, read from the catalog before, is older and must not replace it."""
    older = CORPUS[1]
    newer = dataclasses.replace(older, title="Протокол собеседования 9Б, исправленный")

    def from_the_catalog() -> Iterator[IndexedDocument]:
        yield CORPUS[2]
        empty_index.index_document(newer)  # the relay, between two reads of the rebuild
        yield older
        yield CORPUS[3]

    assert empty_index.rebuild(from_the_catalog()) == 3
    hit = empty_index.search("собеседования").hits[0]
    assert (hit.id, hit.title) == (newer.id, newer.title)
    assert empty_index.document_ids() == {"interview", "journal", "medals"}


FILED = [
    IndexedDocument(
        "journal-5a",
        "j5a.pdf",
        "Классный журнал 5А",
        [IndexedPage(1, "Классный журнал 5 «А» класса, успеваемость Смирновой Анны")],
        {"kind": ["02-01"], "case": ["1"], "year": ["2023/2024"], "class": ["5А"],
         "pupil": ["anna", "ivan"]},
    ),
    IndexedDocument(
        "journal-5b",
        "j5b.pdf",
        "Классный журнал 5Б",
        [IndexedPage(1, "Классный журнал 5 «Б» класса"), IndexedPage(2, "журнал, лист 2")],
        {"kind": ["02-01"], "case": ["1"], "year": ["2023/2024"], "class": ["5Б"],
         "pupil": ["olga"]},
    ),
    IndexedDocument(
        "journal-old",
        "j-old.pdf",
        "Классный журнал 2022",
        [IndexedPage(1, "Классный журнал 6 «А» класса")],
        {"kind": ["02-01"], "case": ["2"], "year": ["2022/2023"], "class": ["6А"],
         "pupil": ["anna"]},
    ),
]  # fmt: skip


def test_facet_counts_are_documents_not_pages(empty_index: SearchIndex) -> None:
    for doc in [*CORPUS, *FILED]:
        empty_index.index_document(doc)
    result = empty_index.search("журнал")
    assert result.total == 4  # three filed journals and the unfiled one
    assert result.facets == {
        "case": {"1": 2, "2": 1},
        "class": {"5А": 1, "5Б": 1, "6А": 1},
        "kind": {"02-01": 3},
        "pupil": {"anna": 2, "ivan": 1, "olga": 1},
        "year": {"2023/2024": 2, "2022/2023": 1},
    }


def test_filters_narrow_hits_totals_and_facets(empty_index: SearchIndex) -> None:
    for doc in [*CORPUS, *FILED]:
        empty_index.index_document(doc)
    mine = empty_index.search("журнал", filters={"pupil": "anna"})
    assert {h.id for h in mine.hits} == {"journal-5a", "journal-old"}
    assert mine.total == 2
    assert mine.facets["year"] == {"2023/2024": 1, "2022/2023": 1}
    both = empty_index.search("журнал", filters={"pupil": "anna", "year": "2023/2024"})
    assert [h.id for h in both.hits] == ["journal-5a"]
    assert empty_index.search("журнал", filters={"class": "11А"}).total == 0
    either = empty_index.search("журнал", filters={"class": ["5Б", "6А"]})
    assert {h.id for h in either.hits} == {"journal-5b", "journal-old"}
    assert empty_index.search("журнал", filters={"class": []}).total == 0


def test_a_filtered_search_ranks_its_hits_as_the_unfiltered_one_does(
    empty_index: SearchIndex,
) -> None:
    """A filter only leaves documents out: it neither adds to a hit's score nor reorders
    what is left (on FTS5 the filter is part of the MATCH, weighed 0 in the rank)."""
    for doc in [*CORPUS, *FILED]:
        empty_index.index_document(doc)
    every = empty_index.search("журнал класса")
    kept = empty_index.search("журнал класса", filters={"pupil": "anna"})
    assert [(h.id, h.score) for h in kept.hits] == [
        (h.id, h.score) for h in every.hits if h.id in {"journal-5a", "journal-old"}
    ]


def test_refiling_moves_a_document_between_facets(empty_index: SearchIndex) -> None:
    empty_index.index_document(FILED[0])
    moved = IndexedDocument(
        FILED[0].id, FILED[0].filename, FILED[0].title, FILED[0].pages, {"class": ["5Б"]}
    )
    empty_index.index_document(moved)
    assert empty_index.search("журнал", filters={"class": "5А"}).total == 0
    assert empty_index.search("журнал").facets == {"class": {"5Б": 1}}
