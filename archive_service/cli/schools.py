"""Schools of a district archive: add one, list them."""

from __future__ import annotations

import json

import click

from archive_service.cli.common import audit_as_cli, emit, open_archive


@click.group()
def schools() -> None:
    """Организации архива (для района — его школы)."""


@schools.command("add")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help='Ответ в JSON: {"school_id"}.')
@click.pass_context
def schools_add(ctx: click.Context, name: str, as_json: bool) -> None:
    """Добавить организацию; название должно быть новым."""
    from archive_service.schools import SchoolError, SchoolService

    archive = open_archive(ctx, dispatch=False)
    try:
        school_id = SchoolService(archive).add(name)
    except SchoolError as exc:
        raise click.ClickException(str(exc)) from exc
    audit_as_cli(archive, "create", f"school:{school_id}", name)
    if as_json:
        emit({"school_id": school_id})
        return
    click.echo(f"Добавлена организация «{name}» (№ {school_id})")


@schools.command("list")
@click.option("--json", "as_json", is_flag=True, help="Ответ в JSON.")
@click.pass_context
def schools_list(ctx: click.Context, as_json: bool) -> None:
    """Организации архива; первая — собственная."""
    from archive_service.schools import SchoolService

    found = SchoolService(open_archive(ctx, dispatch=False)).all()
    if as_json:
        rows = [{"school_id": x.id, "name": x.name} for x in found]
        click.echo(json.dumps({"schools": rows}, ensure_ascii=False))
        return
    for school in found:
        click.echo(f"{school.id}  {school.name}")


COMMANDS = [schools]
