"""The audit log in words: what an auditor reads instead of codes. «просмотр» for
`view`, «отказано» for `denied`, the document's title for `document:5f3a…`.

The log keeps the codes (they are hashed into the chain and never change); only what
is shown is put into words, looked up when shown: a document retitled later shows its
present title, and a destroyed one its stub's.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from archive_service.access import ROLE_LABELS_RU, Role
from archive_service.archive import Archive
from archive_service.catalog import Case, Document, Pupil, School

ACTION_LABELS = {
    "view": "просмотр",
    "download": "скачивание",
    "search": "поиск",
    "create": "создание",
    "change": "изменение",
    "delete": "удаление",
    "export": "выгрузка",
    "import": "загрузка",
    "issue": "выдача",
    "merge": "слияние",
    "retry": "повтор обработки",
    "login": "вход",
}
OUTCOME_LABELS = {"ok": "выполнено", "denied": "отказано", "failed": "не удалось"}
KIND_LABELS = {
    "document": "документ",
    "pupil": "обучающийся",
    "case": "дело",
    "user": "пользователь",
    "act": "акт",
    "hold": "приостановка",
    "school": "организация",
    "nomenclature": "номенклатура",
    "stack": "пачка",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def outcome_label(outcome: str) -> str:
    return OUTCOME_LABELS.get(outcome, outcome)


def role_label(role: str) -> str:
    try:
        return ROLE_LABELS_RU[Role(role)]
    except (KeyError, ValueError):
        return role


def target_names(archive: Archive, targets: Iterable[str]) -> dict[str, str]:
    """Each `kind:id` target as a person reads it («документ «Классный журнал 9Б»»); a
    target whose record is gone keeps its kind in words and its id."""
    wanted: dict[str, set[str]] = {}
    for target in targets:
        kind, _, key = target.partition(":")
        wanted.setdefault(kind, set()).add(key)
    names: dict[str, str] = {}
    with archive.catalog.session() as s:
        if wanted.get("document"):
            rows = s.execute(
                select(Document.id, Document.title).where(Document.id.in_(wanted["document"]))
            )
            names.update({f"document:{i}": f"«{title}»" for i, title in rows})
        if wanted.get("pupil"):
            found = s.scalars(select(Pupil).where(Pupil.id.in_(wanted["pupil"])))
            names.update(
                {
                    f"pupil:{p.id}": " ".join(x for x in (p.surname, p.name, p.patronymic) if x)
                    for p in found
                }
            )
        cases = {int(k) for k in wanted.get("case", set()) if k.isdigit()}
        if cases:
            rows = s.execute(select(Case.id, Case.title).where(Case.id.in_(cases)))
            names.update({f"case:{i}": f"«{title}»" for i, title in rows})
        schools = {int(k) for k in wanted.get("school", set()) if k.isdigit()}
        if schools:
            rows = s.execute(select(School.id, School.name).where(School.id.in_(schools)))
            names.update({f"school:{i}": name for i, name in rows})
    out = {}
    for kind, keys in wanted.items():
        for key in keys:
            target = f"{kind}:{key}" if key else kind
            label = KIND_LABELS.get(kind, kind)
            out[target] = f"{label} {names[target]}" if target in names else f"{label} {key}"
    return out
