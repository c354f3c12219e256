"""Russian morphology, ё/е and case folding: the rules both index and query use."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st
from markupsafe import escape

from search.analysis import fold, terms, tokens
from search.query import parse_query, to_fts5
from search.snippets import highlight, make_snippet


def test_inflected_forms_share_a_stem() -> None:
    assert terms("сочинений")[0] == terms("Сочинение")[0] == terms("сочинением")[0]
    assert terms("протоколы")[0] == terms("протокола")[0]


def test_yo_folds_to_ye_and_case_is_ignored() -> None:
    assert terms("Ёлка")[0] == terms("елка")[0]
    assert fold("ЗАЧЁТ") == "зачет"


def test_english_words_are_stemmed_in_english() -> None:
    assert terms("protocols") == terms("protocol")


def test_tokens_keep_offsets_into_the_original() -> None:
    text = "Итоговое  СОЧИНЕНИЕ, 2024/25"
    spans = [text[t.start : t.end] for t in tokens(text)]
    assert spans == ["Итоговое", "СОЧИНЕНИЕ", "2024", "25"]


@given(st.text())
@example("Итоговое  СОЧИНЕНИЕ, 2024/25 — ЁЖИК_ёж İstanbul")
def test_indexed_terms_are_the_tokens_terms(text: str) -> None:
    """`terms` (what the index stores and a query asks) takes a shortcut past `tokens`
    (what snippets highlight); both must cut and stem a page alike."""
    assert terms(text) == [t.term for t in tokens(text)]


def test_engine_syntax_in_a_query_is_only_words() -> None:
    parsed = parse_query('протокол* OR NEAR(x) "итоговое сочинение" -класс:')
    expression = to_fts5(parsed)
    assert "*" not in expression and "NEAR(" not in expression and ":" not in expression
    assert any(len(c) == 2 for c in parsed.clauses)  # the phrase stays a phrase


def test_snippet_marks_inflected_matches_and_escapes_html() -> None:
    wanted = set(terms("сочинение"))
    snippet = make_snippet("<b>Итоговые сочинения</b> выпускников", wanted)
    assert "<mark>сочинения</mark>" in snippet
    assert "&lt;b&gt;" in snippet and "<b>" not in snippet


def test_a_whole_page_is_highlighted_in_every_form_and_kept_whole() -> None:
    """The document page opened from a result marks the query's words over the whole
    sheet, line breaks and all, escaped like the snippet."""
    text = "<i>Сочинение</i>\nИТОГОВЫЕ СОЧИНЕНИЯ выпускников; ещё сочинений: 3"
    marked, found = highlight(text, parse_query("сочинений еще").all_terms)
    assert found == 4
    assert marked == (
        "&lt;i&gt;<mark>Сочинение</mark>&lt;/i&gt;\nИТОГОВЫЕ <mark>СОЧИНЕНИЯ</mark> "
        "выпускников; <mark>ещё</mark> <mark>сочинений</mark>: 3"
    )
    assert highlight(text, parse_query("аттестат").all_terms) == (str(escape(text)), 0)


def test_journal_in_every_form_meets_one_stem() -> None:
    forms = ["журнал", "журналы", "журнала", "журналов", "журнале", "журналами"]
    assert len({terms(f)[0] for f in forms}) == 1


def test_medal_and_diploma_forms_meet_one_stem() -> None:
    assert len({terms(f)[0] for f in ["медаль", "медали", "медалей", "медалью"]}) == 1
    assert len({terms(f)[0] for f in ["диплом", "диплома", "дипломы", "дипломов"]}) == 1
