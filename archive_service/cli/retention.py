"""Retention at the command line: a case with its retention, the year's disposal list,
and holds (приостановка уничтожения)."""

from __future__ import annotations

import click

from archive_service.access import Permission
from archive_service.archive import Archive
from archive_service.cli.common import acting_as, emit, open_archive


def _school(archive: Archive, name: str | None) -> int:
    from archive_service.schools import SchoolError, SchoolService

    try:
        return SchoolService(archive).id_of(name)
    except SchoolError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
def cases() -> None:
    """Дела: документы, листы, срок хранения."""


@cases.command("show")
@click.argument("case_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Ответ в JSON.")
@click.pass_context
def cases_show(ctx: click.Context, case_id: int, as_json: bool) -> None:
    """Дело с его сроком хранения и документами."""
    from archive_service.services.admin.audit import CLI_ACTOR, AuditService
    from archive_service.services.records.cases import CaseError, CaseService

    archive = open_archive(ctx, dispatch=False)
    try:
        info, entries = CaseService(archive).get(case_id)
    except CaseError as exc:
        raise click.ClickException(str(exc)) from exc
    AuditService(archive).record(CLI_ACTOR, "view", f"case:{case_id}")
    if as_json:
        emit({**info, "documents": [e.__dict__ for e in entries]})
        return
    r = info["retention"]
    click.echo(f"{info['index']} {info['title']} (том {info['volume']}), листов: {info['sheets']}")
    click.echo(f"Срок хранения: {r['period']}{'; ' + r['basis'] if r['basis'] else ''}")
    click.echo(f"Закрыто: {r['closed_on'] or 'нет'} ({r['closed_by']})")
    if r["keep_until"]:
        click.echo(f"Хранить до {r['keep_until']}; в акт не ранее {r['first_act_year']} года")
    for e in entries:
        click.echo(f"  {e.number}. {e.registration_index} {e.date} {e.title} (л. {e.sheets})")


@click.group()
def retention() -> None:
    """Сроки хранения: что подлежит уничтожению в году."""


@retention.command("due")
@click.option("--year", type=int, required=True, help="Год акта.")
@click.option("--school", default=None, help="Организация (по умолчанию — собственная).")
@click.option("--as", "username", default=None, help="От имени пользователя (его роль).")
@click.option("--json", "as_json", is_flag=True, help="Ответ в JSON: {year, due, held_back}.")
@click.pass_context
def retention_due(
    ctx: click.Context, year: int, school: str | None, username: str | None, as_json: bool
) -> None:
    """Дела, срок хранения которых истёк к 1 января года, и задержанные с причиной."""
    from archive_service.services.admin.audit import AuditService
    from archive_service.services.disposal.due import DueError, DueService
    from retention.schedule import STANDING_LABELS

    archive = open_archive(ctx, dispatch=False)
    actor, policy = acting_as(
        archive, username, Permission.READ_RETENTION, "смотреть сроки хранения"
    )
    try:
        listing = DueService(archive).due(year, _school(archive, school), policy)
    except DueError as exc:
        raise click.ClickException(str(exc)) from exc
    AuditService(archive).record(
        actor, "view", f"retention:due:{year}", detail=f"к уничтожению: {len(listing.due)}"
    )
    if as_json:
        emit(listing.as_dict())
        return
    click.echo(f"К уничтожению в {year} году: {len(listing.due)}")
    for index, title, group in listing.by_item():
        click.echo(f"{index} {title}")
        for c in group:
            click.echo(f"  дело № {c.case_id}: {c.title} [{c.dates}] — {c.why}")
    click.echo(f"Не подлежат уничтожению: {len(listing.held_back)}")
    for c in listing.held_back:
        click.echo(
            f"  дело № {c.case_id} {c.index} {c.title}: {STANDING_LABELS[c.reason]} ({c.why})"
        )


@click.group()
def holds() -> None:
    """Приостановки уничтожения."""


@holds.command("add")
@click.option("--case", "case_id", type=int, default=None, help="Дело (номер).")
@click.option("--pupil", "pupil_id", default=None, help="Обучающийся (id).")
@click.option("--item", "item_index", default=None, help="Статья номенклатуры («02-01»).")
@click.option("--reason", required=True, help="Причина.")
@click.option("--school", default=None, help="Для статьи: организация (по умолчанию — своя).")
@click.option("--as", "username", default=None, help="От имени пользователя (его роль).")
@click.option("--json", "as_json", is_flag=True, help='Ответ в JSON: {"hold_id"}.')
@click.pass_context
def holds_add(
    ctx: click.Context,
    case_id: int | None,
    pupil_id: str | None,
    item_index: str | None,
    reason: str,
    school: str | None,
    username: str | None,
    as_json: bool,
) -> None:
    """Приостановить уничтожение дела, документов обучающегося или статьи."""
    from archive_service.services.admin.audit import AuditService
    from archive_service.services.disposal.holds import HoldError, HoldService

    archive = open_archive(ctx, dispatch=False)
    actor, policy = acting_as(
        archive, username, Permission.MANAGE_HOLDS, "приостанавливать уничтожение"
    )
    try:
        hold_id = HoldService(archive).add(
            case_id=case_id,
            pupil_id=pupil_id,
            item_index=item_index,
            reason=reason,
            by=actor.username,
            school_id=_school(archive, school) if item_index else None,
            policy=policy,
        )
    except HoldError as exc:
        raise click.ClickException(str(exc)) from exc
    AuditService(archive).record(actor, "create", f"hold:{hold_id}", detail=reason[:500])
    if as_json:
        emit({"hold_id": hold_id})
        return
    click.echo(f"Уничтожение приостановлено: приостановка № {hold_id}")


@holds.command("lift")
@click.argument("hold_id", type=int)
@click.option("--reason", required=True, help="Почему снимается.")
@click.option("--as", "username", default=None, help="От имени пользователя (его роль).")
@click.option("--json", "as_json", is_flag=True, help="Ответ в JSON.")
@click.pass_context
def holds_lift(
    ctx: click.Context, hold_id: int, reason: str, username: str | None, as_json: bool
) -> None:
    """Снять приостановку; запись о ней остаётся."""
    from archive_service.services.admin.audit import AuditService
    from archive_service.services.disposal.holds import HoldError, HoldService

    archive = open_archive(ctx, dispatch=False)
    actor, policy = acting_as(
        archive, username, Permission.MANAGE_HOLDS, "снимать приостановки уничтожения"
    )
    try:
        info = HoldService(archive).lift(hold_id, reason, actor.username, policy)
    except HoldError as exc:
        raise click.ClickException(str(exc)) from exc
    AuditService(archive).record(actor, "change", f"hold:{hold_id}", detail=f"снята: {reason}")
    if as_json:
        emit(info.as_dict())
        return
    click.echo(f"Приостановка № {hold_id} снята")


@holds.command("list")
@click.option("--active", is_flag=True, help="Только действующие.")
@click.option("--json", "as_json", is_flag=True, help="Ответ в JSON.")
@click.pass_context
def holds_list(ctx: click.Context, active: bool, as_json: bool) -> None:
    """Приостановки уничтожения, новые первыми."""
    from archive_service.services.disposal.holds import HoldService

    found = HoldService(open_archive(ctx, dispatch=False)).all(active_only=active)
    if as_json:
        emit({"holds": [h.as_dict() for h in found]})
        return
    for h in found:
        state = "действует" if h.active else f"снята {h.lifted_at} ({h.lift_reason})"
        click.echo(f"№ {h.id}  {h.target}: {h.reason} — {h.set_by}, {h.set_at}; {state}")


COMMANDS = [cases, retention, holds]
