"""Russian morphology, ё/е and case folding: the rules both index and query use."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st
from markupsafe import escape

from search.analysis import fold, query_terms, term_matcher, terms, tokens
from search.first_names import FEMALE, MALE, forms
from search.query import parse_query, to_fts5, words_match
from search.snippets import MARKED, highlight, make_snippet, plain_snippet


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
    parsed = parse_query('протокол* OR NEAR(x) "итоговое сочинение*" -класс: ^*')
    expression = to_fts5(parsed)
    assert "NEAR(" not in expression and ":" not in expression and "^" not in expression
    # the one star left is the prefix of the word typed with it; inside quotes it is dropped
    assert expression.count("*") == 1 and '"протокол"*' in expression
    assert any(len(c) == 2 for c in parsed.clauses)  # the phrase stays a phrase


def test_a_word_with_a_star_is_a_beginning_of_three_letters_or_more() -> None:
    assert query_terms("Смирнов* ив* Иван*", prefixes=True) == [("смирн*",), ("ив",), ("ива*",)]
    assert query_terms("Смирнов*") == [("смирн", "смирнов")]  # a star only when asked for
    marked, found = highlight(
        "Смирнов, Смирновой, Ивановым, Иван", parse_query("смирнов*").all_terms
    )
    assert found == 2 and "<mark>Смирновой</mark>" in marked and "<mark>Иван" not in marked


def test_snippet_marks_inflected_matches_and_escapes_html() -> None:
    wanted = set(terms("сочинение"))
    snippet = make_snippet("<b>Итоговые сочинения</b> выпускников", wanted)
    assert "<mark>сочинения</mark>" in snippet
    assert "&lt;b&gt;" in snippet and "<b>" not in snippet


FILLER = ["5", "4", "н", "Иванов", "Анна", "пере\u00adнос", "12.02.2025", "Сергеевич", "ёлка"]
SEPARATORS = [" ", "\n", ", ", " — ", ". "]


@given(
    before=st.lists(st.sampled_from(FILLER), max_size=40),
    after=st.lists(st.sampled_from(FILLER), max_size=40),
    found=st.sampled_from(["Смирнову", "СМИРНОВ", "Смирнова", "смирновых"]),
    glue=st.sampled_from(SEPARATORS),
)
@example(before=["Иванов"] * 9, after=[], found="Смирнову", glue=" ")
def test_a_snippet_opens_a_little_before_the_first_match_however_deep(
    before: list[str], after: list[str], found: str, glue: str
) -> None:
    """A grid page's match may lie hundreds of words in: the snippet still opens the
    eight words before it, with «…» when more lie before them, and marks it."""
    text = glue.join([*before, found, *after])
    snippet = make_snippet(text, parse_query("Смирнов").all_terms)
    words_before = terms(glue.join(before))
    assert snippet.startswith("… ") is (len(words_before) > 8)
    opening = snippet.removeprefix("… ").split("<mark>")[0]
    assert terms(opening) == words_before[-8:]
    assert f"<mark>{found}</mark>" in snippet


# Words a snippet may meet on the way to its match: forms pinned to a stem that does not
# begin them («Анны» → «аннъ», «любви» → «любов»), words that begin as a query word does
# but are another («Смирновский», «кузнечный» against «кузнец»), one holding it inside
# («несмирнова»), English, numbers in a date.
PAGE_WORDS = [
    *["5", "4", "н", "Иванов", "Сергеевич", "ёлка", "12.02.2023", "2023", "Анна", "Анны"],
    *["анной", "любви", "любовь", "журнала", "Смирнову", "Смирновский", "несмирнова"],
    *["Кузнецова", "кузнечный", "English", "happy", "happiness"],
]
PAGE_QUERIES = ["Анна", "любовь", "журнал", "Смирнов", "Кузн*", "2023", "happy", "Анны Смирновой"]


@given(
    # long words too, so that few of them fit the stretch looked back over
    words=st.lists(
        st.sampled_from(PAGE_WORDS) | st.text("абвгдежз", min_size=30, max_size=90),
        max_size=300,
    ),
    query=st.sampled_from(PAGE_QUERIES),
    glue=st.sampled_from(SEPARATORS),
)
# eight words of 16 letters: the stretch looked back over holds seven and the end of one
@example(words=["Иванов", *["вгдежвгдежвгдежв"] * 8, "Смирнову"], query="Смирнов", glue=" ")
def test_a_snippet_opens_at_the_first_word_of_the_page_that_matches(
    words: list[str], query: str, glue: str
) -> None:
    """Whatever lies before it, the first word marked is the page's first that
    matches, read word by word, with the eight before it; a page with none opens at
    its start, nothing marked."""
    text = glue.join(words)
    wanted = parse_query(query).all_terms
    matches = term_matcher(wanted)
    page = list(tokens(text))
    first = next((n for n, token in enumerate(page) if matches(token.term)), None)

    snippet = make_snippet(text, wanted)

    if first is None:
        assert "<mark>" not in snippet
        assert terms(snippet) == [token.term for token in page[:30]]
        return
    opening, marked = snippet.removeprefix("… ").split("<mark>")[0], MARKED.findall(snippet)[0]
    assert terms(opening) == [token.term for token in page[max(0, first - 8) : first]]
    assert snippet.startswith("… ") is (first > 8)
    assert marked == text[page[first].start : page[first].end]


def test_a_snippet_reads_as_plain_text_in_a_terminal() -> None:
    """`archive search` prints the characters the page holds, not their HTML escapes,
    and the matches marked its own way, from either engine's snippet."""
    snippet = make_snippet('Протокол 9 "А" класса & <b>сочинения</b>', set(terms("сочинение")))
    assert plain_snippet(snippet) == 'Протокол 9 "А" класса & <b>сочинения</b>'
    assert plain_snippet(snippet, "[{}]".format) == 'Протокол 9 "А" класса & <b>[сочинения]</b>'
    from_elasticsearch = "&quot;А&quot; &#x27;Б&#x27; <mark>Смирнова</mark> &amp; <mark>Анна</mark>"
    assert plain_snippet(from_elasticsearch, "*{}*".format) == "\"А\" 'Б' *Смирнова* & *Анна*"


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


def _finds(query: str, page: str) -> bool:
    """Whether every word of the query stands on the page in one of its readings."""
    on_page = set(terms(page))
    return all(on_page & set(position) for position in query_terms(query))


def test_every_form_of_a_surname_in_ov_ev_finds_every_other() -> None:
    """Snowball takes the nominative's «-ов/-ев» for a genitive plural: «Смирнов» →
    «смирн» but «Смирнову» → «смирнов». Each form, searched, finds each written."""
    for surname in (
        ["Смирнов", "Смирнова", "Смирнову", "Смирновым", "Смирновой", "Смирновых"],
        ["Сергеев", "Сергеева", "Сергееву", "Сергеевым"],
        ["Королёв", "Королева", "Королёву"],
        # Snowball strips a soft sign or «и» before «-ев» too: «Соловьёв» → «солов».
        ["Соловьёв", "Соловьёва", "Соловьёву", "Соловьёвым", "Соловьёвой"],
        ["Васильев", "Васильева", "Васильеву", "Васильевых"],
        ["Григорьев", "Григорьевой"],
        ["Дмитриев", "Дмитриева", "Дмитриевым"],
    ):
        for query in surname:
            assert all(_finds(query, page) for page in surname), query


def test_a_genitive_plural_still_finds_its_noun() -> None:
    assert _finds("протоколов", "протокол") and _finds("протокол", "протоколов")
    assert _finds("журналов", "журнал") and _finds("стол", "столов")
    assert not _finds("новых", "н")  # too short a base to be a surname's
    assert not _finds("Соловьёв", "соль")  # «сол» is no reading of «Соловьёв»


def test_first_names_in_every_case_meet_one_stem() -> None:
    """«Иван», «Ивана» → «ива» but «Ивану» → «иван» in Snowball; in a list of pupils a
    name searched in one case must find it written in any other."""
    for written in (
        ["Иван", "Ивана", "Ивану", "Иваном", "Иване"],
        ["Сергей", "Сергея", "Сергею", "Сергеем"],
        ["Татьяна", "Татьяны", "Татьяне", "Татьяну", "Татьяной"],
        ["Павел", "Павла", "Павлу", "Павлом"],
        ["Лев", "Льва", "Льву"],
        ["Артём", "Артема", "Артёму"],
        ["Максим", "Максима", "Максимом"],
        ["Олеся", "Олеси", "Олесей"],
    ):
        assert len({term for name in written for term in terms(name)}) == 1, written


def test_every_listed_first_name_keeps_one_stem_and_apart_from_others() -> None:
    names = fold(MALE + FEMALE).split()
    stems = {name: {terms(form)[0] for form in forms(name)} for name in names}
    assert all(len(found) == 1 for found in stems.values())
    # names of one root share forms («Александра») and a stem; others never do
    assert stems["александр"] == stems["александра"]
    assert stems["иван"] != stems["ирина"] and stems["антон"] != stems["антонина"]


def test_a_first_name_and_the_surname_made_from_it_stay_apart() -> None:
    """«Иванов Пётр» and «Петров Иван» are two pupils; each search finds its own."""
    assert not _finds("Иван", "Иванов") and not _finds("Иванову", "Ивану")
    assert not _finds("Иванов Пётр", "Петров Иван Сергеевич")
    assert _finds("Иванов Пётр", "Иванова Петра") and _finds("Петрову Ивану", "Петров Иван")


def test_names_that_are_also_words_of_essays_keep_every_form() -> None:
    assert _finds("роман", "романы") and _finds("романов", "роман")
    assert _finds("любовь", "о любви") and _finds("любви", "любовью")


def test_a_short_text_matches_every_word_in_any_form_or_begun() -> None:
    """A pupil's name, held outside the index, is matched by the search's own rule."""
    name = "Кузнецов Иван Петрович"
    assert words_match("Ивану Кузнецову", name) and words_match("кузн ив", name)
    assert words_match("", name)
    assert not words_match("Иванов", name) and not words_match("Кузнецов Олег", name)


def test_a_word_hyphenated_across_lines_is_one_word() -> None:
    """Typewritten protocols break words at a line's end; the word is found whole and
    marked whole, while a compound name keeps its hyphen and numbers are not glued."""
    text = "Протокол пере-\nведён. ПРОТО-\nКОЛ № 5, Санкт-\nПетербург, 2023-\n2024"
    assert terms(text) == terms("Протокол переведён. ПРОТОКОЛ № 5, Санкт Петербург, 2023 2024")
    marked, found = highlight(text, parse_query("переведены").all_terms)
    assert found == 1 and "<mark>пере-\nведён</mark>" in marked
