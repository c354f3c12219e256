"""Pupils: class lists in, and a pupil found by name in any case or by class."""

from __future__ import annotations

import json
from pathlib import Path

import click

from archive_service.cli.common import audit_as_cli, open_archive


@click.group()
def pupils() -> None:
    """Обучающиеся: загрузка списков классов и поиск."""


@pupils.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--school-year", default=None, help="Учебный год, если в файле нет столбца.")
@click.option("--school", default=None, help="Организация (по умолчанию — единственная).")
@click.pass_context
def pupils_import(
    ctx: click.Context, path: Path, school_year: str | None, school: str | None
) -> None:
    """Загрузить список класса (CSV или XLSX); ошибочные строки перечисляются, остальные
    загружаются. Код выхода 2, если были ошибочные строки."""
    from archive_service.services.records.pupils import PupilService
    from intake.class_list import ClassListError, read_class_list

    try:
        rows, problems = read_class_list(path.read_bytes(), school_year)
    except ClassListError as exc:
        raise click.ClickException(f"Список не загружен: {exc}") from exc
    archive = open_archive(ctx, dispatch=False)
    report = PupilService(archive).import_rows(rows, school)
    audit_as_cli(archive, "create", "pupils", f"список класса {path.name}: новых {report.added}")
    for problem in problems:
        click.echo(f"  {problem}", err=True)
    click.echo(
        f"Строк загружено: {len(rows)} (новых обучающихся: {report.added}, "
        f"уже известных: {report.known}); с ошибками: {len(problems)}"
    )
    if problems:
        ctx.exit(2)


@pupils.command("find")
@click.argument("words", nargs=-1)
@click.option("--class", "class_label", default="", help="Только этот класс (последний у ученика).")
@click.option("--json", "as_json", is_flag=True, help="Ответ в JSON.")
@click.pass_context
def pupils_find(
    ctx: click.Context, words: tuple[str, ...], class_label: str, as_json: bool
) -> None:
    """Найти обучающихся по ФИО в любом падеже или по началу («Ивану Кузнецову»,
    «Смир»), и по классу; без слов — всех."""
    from archive_service.services.records.pupils import PupilQueries

    archive = open_archive(ctx, dispatch=False)
    name = " ".join(words)
    found = PupilQueries(archive).find(None, name, class_label.strip())
    audit_as_cli(
        archive, "search", "pupils", f"«{name}» {class_label}: найдено {len(found.pupils)}"
    )
    if as_json:
        click.echo(
            json.dumps(
                {
                    "total": len(found.pupils),
                    "pupils": [
                        {
                            "id": p.id,
                            "full_name": p.full_name,
                            "birth_date": p.birth_date,
                            "classes": [{"school_year": y, "class": c} for y, c in p.classes],
                        }
                        for p in found.pupils
                    ],
                },
                ensure_ascii=False,
            )
        )
        return
    click.echo(f"Найдено: {len(found.pupils)} из {found.total}")
    for p in found.pupils:
        latest = f"{p.classes[0][1]} ({p.classes[0][0]})" if p.classes else "—"
        click.echo(f"{p.id}  {p.full_name}  {p.birth_date or '—'}  {latest}")


COMMANDS = [pupils]
