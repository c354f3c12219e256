"""What only the Elasticsearch adapter promises: aliases, reindexing without downtime,
the Russian analysis chain inside ES, and clear errors when ES says no."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from search import IndexedDocument, IndexedPage, SearchError
from search.elasticsearch import ElasticsearchIndex
from search.es_mapping import MAPPING_VERSION, MAPPINGS, index_settings
from tests.contract.test_search_index import CORPUS, HANDWRITTEN
from tests.services import elasticsearch_index


@pytest.fixture(params=["9", "8"], ids=["es9", "es8"])
def index(request: pytest.FixtureRequest) -> Iterator[ElasticsearchIndex]:
    """An index on each Elasticsearch line the archive supports."""
    with elasticsearch_index(request.param) as url:
        yield ElasticsearchIndex.from_url(url)


@pytest.mark.parametrize("line", ["9", "8"])
def test_each_server_line_is_spoken_to_by_the_client_of_its_major(line: str) -> None:
    # The 9.x client's requests are refused by an 8 server (compatible-with=9), so the
    # archive asks the server first and takes the 8.x client (`elasticsearch8`) for it.
    with elasticsearch_index(line) as url:
        index = ElasticsearchIndex.from_url(url)
        server = index.es.cluster.stats().body["nodes"]["versions"][0]
        assert server.split(".")[0] == line
        client_package = type(index.es).__module__.split(".")[0]
        assert client_package == ("elasticsearch8" if line == "8" else "elasticsearch")
        index.index_document(CORPUS[0])
        assert index.search("сочинение").total == 1


def test_reads_and_writes_go_through_aliases_of_a_versioned_index(
    index: ElasticsearchIndex,
) -> None:
    index.index_document(CORPUS[0])
    (read,) = index.es.indices.get_alias(name=index.read_alias).body
    (write,) = index.es.indices.get_alias(name=index.write_alias).body
    assert read == write
    assert read.startswith(f"{index.prefix}-pages-v{MAPPING_VERSION}-")


def test_processes_starting_together_make_one_index_that_takes_writes() -> None:
    """Several workers meet an empty cluster at once; each must end up writing to the
    same one index, not to an alias spread over twins that accepts no write at all."""
    starting = 6
    with elasticsearch_index() as url:
        workers = [ElasticsearchIndex.from_url(url) for _ in range(starting)]
        together = threading.Barrier(starting)

        def start(index: ElasticsearchIndex) -> None:
            together.wait()
            index.ensure()

        with ThreadPoolExecutor(starting) as pool:
            list(pool.map(start, workers))
        first = workers[0]
        assert len(first.es.indices.get_alias(name=first.write_alias).body) == 1
        assert len(first.es.indices.get_alias(name=first.read_alias).body) == 1
        for worker, doc in zip(workers, CORPUS, strict=False):
            worker.index_document(doc)
        assert first.document_ids() == {doc.id for doc in CORPUS[:starting]}


def test_an_index_of_an_older_release_takes_writes_until_it_is_rebuilt(
    index: ElasticsearchIndex,
) -> None:
    """After an update that adds a field, the index built by the release before (its
    mapping strict) must not refuse every write until someone runs `archive reindex`:
    the new fields are added to it, and the reindex still builds the new one."""
    older = dict(MAPPINGS, _meta={"mapping_version": MAPPING_VERSION - 1})
    older["properties"] = {k: v for k, v in MAPPINGS["properties"].items() if k != "facet_school"}
    name = f"{index.prefix}-pages-v{MAPPING_VERSION - 1}-0"
    index.es.indices.create(
        index=name,
        settings=index_settings(1, 0),
        mappings=older,
        aliases={index.read_alias: {}, index.write_alias: {"is_write_index": True}},
    )
    index.index_document(HANDWRITTEN)
    assert [h.id for h in index.search("сочинение Петрова").hits] == [HANDWRITTEN.id]
    index.rebuild([HANDWRITTEN])
    (current,) = index.es.indices.get_alias(name=index.read_alias).body
    assert current.startswith(f"{index.prefix}-pages-v{MAPPING_VERSION}-")


def test_analysis_runs_inside_elasticsearch(index: ElasticsearchIndex) -> None:
    index.ensure()
    tokens = index.es.indices.analyze(
        index=index.read_alias, field="pages.text", text="Журналы учёта сочинений"
    ).body["tokens"]
    assert [t["token"] for t in tokens] == ["журнал", "учет", "сочинен"]
    exact = index.es.indices.analyze(
        index=index.read_alias, field="pages.text.exact", text="Журналы учёта"
    ).body["tokens"]
    assert [t["token"] for t in exact] == ["журналы", "учета"]


def test_one_entry_per_document_with_its_pages_nested(index: ElasticsearchIndex) -> None:
    index.index_document(CORPUS[0])
    entry = index.es.get(index=index.read_alias, id="essays").body["_source"]
    assert entry["document_id"] == "essays"
    assert entry["filename"] == "essays-2024.pdf"
    assert [p["page"] for p in entry["pages"]] == [p.number for p in CORPUS[0].pages]
    index.publish()
    # What is counted is documents: the index holds one, however many pages it has.
    assert index.es.count(index=index.read_alias).body["count"] == 1


def test_a_shorter_version_of_a_document_leaves_none_of_its_old_pages(
    index: ElasticsearchIndex,
) -> None:
    long = IndexedDocument(
        "d",
        "d.pdf",
        "Д",
        [IndexedPage(1, "ведомость"), IndexedPage(2, "ведомость"), IndexedPage(3, "сочинение")],
    )
    index.index_document(long)
    index.index_document(replace(long, pages=long.pages[:1]))
    assert index.search("сочинение").total == 0
    assert [p.number for p in index.search("ведомость").hits[0].pages] == [1]


def test_reindex_keeps_answering_from_the_old_index_until_the_swap(
    index: ElasticsearchIndex,
) -> None:
    for doc in CORPUS:
        index.index_document(doc)
    (old,) = index.es.indices.get_alias(name=index.read_alias).body
    seen_during: list[int] = []

    def catalog() -> Iterator[IndexedDocument]:
        for doc in CORPUS:
            seen_during.append(index.search("сочинение").total)
            yield doc

    assert index.rebuild(catalog()) == len(CORPUS)
    assert seen_during == [1] * len(CORPUS)  # the old index answered throughout
    (new,) = index.es.indices.get_alias(name=index.read_alias).body
    assert new != old
    assert not index.es.indices.exists(index=old)
    assert index.search("сочинение").total == 1


def test_a_refused_mapping_is_a_clear_error(index: ElasticsearchIndex) -> None:
    # A template such as a cluster administrator might set: too few fields for ours.
    name = f"{index.prefix}-limit"
    index.es.indices.put_index_template(
        name=name,
        index_patterns=[f"{index.prefix}-pages-*"],
        template={"settings": {"index.mapping.total_fields.limit": 2}},
        priority=500,
    )
    try:
        with pytest.raises(SearchError, match=r"не создан.*400"):
            index.index_document(IndexedDocument("x", "x.pdf", "x", [IndexedPage(1, "текст")]))
    finally:
        index.es.indices.delete_index_template(name=name)


def test_an_unreachable_server_is_a_clear_error() -> None:
    index = ElasticsearchIndex.from_url("http://127.0.0.1:9/archive")
    with pytest.raises(SearchError, match="недоступен"):
        index.search("сочинение")


def test_bulk_writes_refused_with_429_are_retried(
    index: ElasticsearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A busy cluster answers 429 per item; a one-node test cluster cannot be made busy on
    # demand, so the first bulk call is answered as a busy cluster would.
    from elastic_transport import ApiResponseMeta, HttpHeaders, NodeConfig, ObjectApiResponse

    from search.es_client import Elasticsearch

    # The 9.x client, or the 8.x one for a server of the 8.19 line.
    client_class = type(index.es)
    real_bulk = client_class.bulk
    calls: list[int] = []

    def busy_once(self: Elasticsearch, *args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) > 1:
            return real_bulk(self, *args, **kwargs)  # type: ignore[arg-type]
        operations = kwargs["operations"]
        assert isinstance(operations, list)
        items = [
            {
                "index": {
                    "_id": None,
                    "status": 429,
                    "error": {"type": "es_rejected_execution_exception"},
                }
            }
            for _ in range(len(operations) // 2)
        ]
        meta = ApiResponseMeta(
            status=200,
            http_version="1.1",
            headers=HttpHeaders(),
            duration=0.0,
            node=NodeConfig("http", "127.0.0.1", 9200),
        )
        return ObjectApiResponse(body={"errors": True, "items": items, "took": 1}, meta=meta)

    monkeypatch.setattr(client_class, "bulk", busy_once)
    index.index_document(CORPUS[0])
    assert len(calls) >= 2
    assert index.search("сочинение").total == 1


PARITY_TEXT = """
Протокол итогового собеседования по русскому языку обучающихся 9 «Б» класса.
Итоговые сочинения выпускников 11 классов проверены экспертной комиссией; зачёт, незачёт.
Классные журналы, журнала, журналом; книга учёта и выдачи аттестатов, медалей, медали,
медалью; дипломы, диплома, дипломом. Сводная ведомость учёта успеваемости обучающихся.
Личное дело обучающегося Смирновой Анны Сергеевны, Кузнецова Ивана Петровича, Фёдорова.
Иван, Ивану, Сергей, Сергея, Татьяна, Татьяне, Павел, Павла, Лев, Льва, Смирнов, Сергеев.
Дата: 12.02.2025; ул.Ленина, д.5, т.д.; оценка 4,5; д'Артаньян и д’Артаньян; snake_case;
1\u202f000; пере\u00adнос; раз\u200bдел; c:a; 3·4; справ-
ка, ПРОТО-
КОЛ, Санкт-
Петербург.
Приказ о переводе, о зачислении, об отчислении; педагогический совет, заседания совета.
Экзаменационные работы, государственная итоговая аттестация, внеурочная деятельность.
Report card, final essays, exams and medals of the school.
"""


def test_elasticsearch_and_python_analysis_give_the_same_terms(
    index: ElasticsearchIndex,
) -> None:
    """The two engines agree because they stem alike, word for word."""
    from search.analysis import terms, unbroken

    index.ensure()
    sent = unbroken(PARITY_TEXT)  # as the adapter sends a page
    tokens = index.es.indices.analyze(index=index.read_alias, field="pages.text", text=sent).body[
        "tokens"
    ]
    assert [t["token"] for t in tokens] == terms(PARITY_TEXT)
