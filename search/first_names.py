"""Russian first names, every case form of each pinned to one stem.

Snowball stems a name as a word it resembles and splits its forms apart: «Иван»,
«Ивана» → «ива» (as if «-н», «-на» were verb endings) but «Ивану» → «иван»; «Сергей» →
«серг» but «Сергея» → «серге»; «Татьяна» → «татья» but «Татьяне» → «татьян»; «Максим»
→ «макс» but «Максима» → «максим». Class journals, protocols and personal files are
lists of pupils, and a name searched in one case must find it written in another, so
the forms of the names pupils and staff commonly bear are listed here (generated from
the nominative by its declension) and pinned, like the school nouns in
search.analysis, through the stem overrides both engines apply.

The pin is what all forms of a name begin with («иван», «серге», «татьян»), or the
nominative where a vowel drops («Павел» → «Павла»), so a male and a female name of one
root that share forms («Александра», «Евгения») share a pin too, as they must; and it
ends in «ъ» (NAME_MARK), a letter no modern word ends in. Without the mark «Иван» would
share «иван» with the surname «Иванов» (Snowball's stem of it), and «Иванов Пётр»
would find «Петров Иван»: pupils are told apart by these two words.

Names that are also common words of school records are left to Snowball or to the
nouns in search.analysis: «Вера», «Надежда», «Любовь» (essay themes), «Роман» (the
novel), «Лилия», «Марк», «Лука»; marked, their plural («романы») would stand apart.
"""

from __future__ import annotations

MALE = """
Александр Алексей Анатолий Андрей Антон Аркадий Арсений Артём Артур Богдан Борис Вадим
Валентин Валерий Василий Виктор Виталий Владимир Владислав Всеволод Вячеслав Геннадий
Георгий Герман Глеб Григорий Давид Даниил Демьян Денис Дмитрий Евгений Егор Елисей
Захар Иван Игорь Илья Кирилл Константин Лев Леонид Макар Максим Матвей Мирон
Михаил Назар Никита Николай Олег Павел Пётр Платон Руслан Савва Савелий Святослав
Семён Сергей Станислав Степан Тимофей Тимур Тихон Фёдор Филипп Эдуард Юрий Ярослав
Алан Марат Рустам Тагир Ильдар Ринат Эмиль Камиль Арсен Давид
"""
FEMALE = """
Александра Алина Алиса Алла Алёна Амина Анастасия Ангелина Анна Антонина Арина
Богдана Валентина Валерия Варвара Василиса Вероника Виктория Владислава Галина
Дарья Диана Ева Евгения Екатерина Елена Елизавета Есения Жанна Злата Зоя Инна Ирина
Камила Кира Кристина Ксения Лариса Лидия Людмила Маргарита Марина Мария
Милана Мирослава Наталья Ника Нина Оксана Олеся Ольга Полина Раиса Регина
Руслана Светлана Снежана София Софья Станислава Стефания Таисия Тамара Татьяна
Ульяна Эвелина Элина Юлия Яна Ярослава
"""

# Names whose vowel drops in the other cases: every form written out.
IRREGULAR: dict[str, tuple[str, ...]] = {
    "павел": ("павел", "павла", "павлу", "павлом", "павле"),
    "лев": ("лев", "льва", "льву", "львом", "льве"),
}
NAME_MARK = "ъ"
MIN_PIN = 3  # a shorter common beginning («ев» of «Ева», «ма» of «Майя») is no stem


def _fold(name: str) -> str:
    return name.lower().replace("ё", "е")


def _male_forms(name: str) -> tuple[str, ...]:
    if name.endswith("ий"):
        base = name[:-2]
        return (name, base + "ия", base + "ию", base + "ием", base + "ии")
    if name.endswith(("ей", "ай")):
        base = name[:-1]
        return (name, base + "я", base + "ю", base + "ем", base + "е")
    if name.endswith("ья"):  # Илья
        base = name[:-1]
        return (name, base + "и", base + "е", base + "ю", base + "ей")
    if name.endswith("а"):  # Никита, Савва
        base = name[:-1]
        other = "и" if base.endswith(("г", "к", "х")) else "ы"
        return (name, base + other, base + "е", base + "у", base + "ой")
    if name.endswith("ь"):  # Игорь
        base = name[:-1]
        return (name, base + "я", base + "ю", base + "ем", base + "е")
    return (name, name + "а", name + "у", name + "ом", name + "е")


def _female_forms(name: str) -> tuple[str, ...]:
    base = name[:-1]
    if name.endswith("ия"):
        return (name, base + "и", base + "ю", base + "ей")
    if name.endswith("ья"):
        return (name, base + "и", base + "ю", base + "ей", base + "е")
    if name.endswith("я"):
        return (name, base + "и", base + "е", base + "ю", base + "ей")
    other = "и" if base.endswith(("г", "к", "х", "ж", "ш", "ч", "щ")) else "ы"
    return (name, base + other, base + "е", base + "у", base + "ой")


_MALE_NAMES = frozenset(_fold(MALE).split())


def forms(name: str) -> tuple[str, ...]:
    """The singular case forms of a folded first name (nominative first)."""
    if name in IRREGULAR:
        return IRREGULAR[name]
    return _male_forms(name) if name in _MALE_NAMES else _female_forms(name)


def _pin(variants: tuple[str, ...]) -> str:
    first = variants[0]
    common = len(first)
    for other in variants[1:]:
        common = next(
            (i for i, (a, b) in enumerate(zip(first, other, strict=False)) if a != b),
            min(common, len(other)),
        )
    stem = first[:common] if common >= MIN_PIN and first not in IRREGULAR else first
    return stem + NAME_MARK


def name_overrides() -> dict[str, str]:
    """Every listed form → its name's pin. A form two names share must get one pin from
    both, or the engines would stem it by whichever came last: refused here."""
    pinned: dict[str, str] = {}
    for name in dict.fromkeys(_fold(MALE + FEMALE).split()):
        variants = forms(name)
        pin = _pin(variants)
        for form in variants:
            if pinned.setdefault(form, pin) != pin:
                raise ValueError(f"«{form}» is a form of two names pinned apart")
    return pinned
