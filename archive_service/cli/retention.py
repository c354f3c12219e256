"""Retention at the command line: a case with its retention, the year's disposal list,
and holds (приостановка уничтожения)."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from archive_service.access import Permission, Policy
from archive_service.cli.common import acting_as, emit, open_archive

if TYPE_CHECKING:
    from archive_service.archive import Archive
    from archive_service.services.disposal.act_model import ActInfo


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


# -- disposal acts ------------------------------------------------------------------------


def _act_school(archive: Archive, name: str | None, policy: Policy | None) -> int | None:
    """The school an act is of: named, else the acting person's own, else the archive's."""
    if name is not None:
        return _school(archive, name)
    if policy is not None and policy.schools:
        return min(policy.schools)
    return None


def _ids(text: str | None) -> frozenset[int]:
    try:
        return frozenset(int(x) for x in (text or "").replace(" ", "").split(",") if x)
    except ValueError as exc:
        raise click.ClickException(f"Номера дел через запятую, а не «{text}»") from exc


def _print_act(info: ActInfo, as_json: bool) -> None:
    if as_json:
        emit(info.as_dict())
        return
    click.echo(
        f"Акт № {info.number} ({info.year} год, {info.school}): {info.status_label}; "
        f"дел: {info.case_total}"
    )
    for row in info.rows:
        click.echo(f"  {row.position}. дело № {row.case_id} {row.index} {row.title} [{row.dates}]")
    if info.error:
        click.echo(f"Внимание: {info.error}")


@click.group()
def disposal() -> None:
    """Акты о выделении к уничтожению и уничтожение."""


@disposal.command("draft")
@click.option("--year", type=int, required=True, help="Год акта.")
@click.option("--as", "username", required=True, help="Кто составляет (ответственный за хранение).")
@click.option("--without", default=None, help="Не включать дела (номера через запятую).")
@click.option("--commission", default=None, help="Дела ЭПК/ДМН на решение ЭК (номера).")
@click.option("--school", default=None, help="Организация (по умолчанию — своя).")
@click.option("--json", "as_json", is_flag=True, help='Ответ в JSON: {"act_id", "cases", …}.')
@click.pass_context
def disposal_draft(
    ctx: click.Context,
    year: int,
    username: str,
    without: str | None,
    commission: str | None,
    school: str | None,
    as_json: bool,
) -> None:
    """Составить акт из списка дел, подлежащих уничтожению в году."""
    from archive_service.services.admin.audit import AuditService
    from archive_service.services.disposal.act_model import ActError
    from archive_service.services.disposal.acts import ActService
    from archive_service.services.disposal.due import DueError

    archive = open_archive(ctx, dispatch=False)
    actor, policy = acting_as(archive, username, Permission.DRAFT_DISPOSAL, "составлять акты")
    try:
        info = ActService(archive).draft(
            year,
            by=actor.username,
            school_id=_act_school(archive, school, policy),
            policy=policy,
            without=_ids(without),
            with_commission=_ids(commission),
        )
    except (ActError, DueError) as exc:
        raise click.ClickException(str(exc)) from exc
    AuditService(archive).record(actor, "create", f"act:{info.id}", detail=f"проект, {year} год")
    _print_act(info, as_json)


@disposal.command("review")
@click.argument("act_id", type=int)
@click.option("--protocol", required=True, help="Номер протокола ЭК.")
@click.option("--date", "on", required=True, help="Дата протокола, ДД.ММ.ГГГГ.")
@click.option("--member", "members", multiple=True, help="Член ЭК (повторяется).")
@click.option("--as", "username", required=True, help="Кто записывает решение ЭК.")
@click.option("--json", "as_json", is_flag=True, help="Ответ в JSON.")
@click.pass_context
def disposal_review(
    ctx: click.Context,
    act_id: int,
    protocol: str,
    on: str,
    members: tuple[str, ...],
    username: str,
    as_json: bool,
) -> None:
    """Записать решение экспертной комиссии: протокол № и дату."""
    from archive_service.services.admin.audit import AuditService
    from archive_service.services.disposal.act_model import ActError
    from archive_service.services.disposal.acts import ActService

    try:
        protocol_date = datetime.strptime(on.strip(), "%d.%m.%Y").date()
    except ValueError as exc:
        raise click.ClickException(f"Дата «{on}» не похожа на ДД.ММ.ГГГГ") from exc
    archive = open_archive(ctx, dispatch=False)
    actor, policy = acting_as(archive, username, Permission.DRAFT_DISPOSAL, "записывать решение ЭК")
    try:
        info = ActService(archive).review(
            act_id, protocol, protocol_date, actor.username, list(members), policy
        )
    except ActError as exc:
        raise click.ClickException(str(exc)) from exc
    AuditService(archive).record(
        actor, "change", f"act:{act_id}", detail=f"решение ЭК: протокол № {protocol} от {on}"
    )
    _print_act(info, as_json)


@disposal.command("approve")
@click.argument("act_id", type=int)
@click.option("--as", "username", required=True, help="Кто утверждает (директор).")
@click.option("--json", "as_json", is_flag=True, help="Ответ в JSON.")
@click.pass_context
def disposal_approve(ctx: click.Context, act_id: int, username: str, as_json: bool) -> None:
    """Утвердить акт («УТВЕРЖДАЮ»); составивший акт утвердить его не может."""
    from archive_service.services.admin.audit import AuditService
    from archive_service.services.disposal.act_model import ActError
    from archive_service.services.disposal.acts import ActService

    archive = open_archive(ctx)
    actor, policy = acting_as(archive, username, Permission.APPROVE_DISPOSAL, "утверждать акты")
    try:
        info = ActService(archive).approve(act_id, actor.username, policy)
    except ActError as exc:
        raise click.ClickException(str(exc)) from exc
    AuditService(archive).record(actor, "change", f"act:{act_id}", detail="утверждён")
    _print_act(info, as_json)


@disposal.command("execute")
@click.argument("act_id", type=int)
@click.option("--as", "username", default=None, help="Кто проводит уничтожение.")
@click.option("--wait", is_flag=True, help="Дождаться конца уничтожения.")
@click.option("--timeout", type=float, default=3600.0, help="Сколько ждать, секунд.")
@click.option("--json", "as_json", is_flag=True, help="Ответ в JSON.")
@click.pass_context
def disposal_execute(
    ctx: click.Context,
    act_id: int,
    username: str | None,
    wait: bool,
    timeout: float,
    as_json: bool,
) -> None:
    """Уничтожить все копии документов утверждённого акта (делает обработчик)."""
    from archive_service.services.admin.audit import AuditService
    from archive_service.services.disposal.act_model import ActError
    from archive_service.services.disposal.acts import ActService
    from archive_service.services.disposal.destruction import DestructionService
    from workers.spawn import ensure_worker

    archive = open_archive(ctx)
    actor, policy = acting_as(archive, username, Permission.DESTROY_RECORDS, "уничтожать документы")
    try:
        info = DestructionService(archive).start(act_id, actor.username, policy)
    except ActError as exc:
        raise click.ClickException(str(exc)) from exc
    AuditService(archive).record(actor, "change", f"act:{act_id}", detail="уничтожение начато")
    if wait:
        worker = ensure_worker(archive.settings)
        deadline = time.monotonic() + timeout
        try:
            while info.status != "executed" and not info.error:
                if time.monotonic() > deadline:
                    raise click.ClickException("Ожидание прервано: акт ещё в работе")
                time.sleep(0.2)
                info = ActService(archive).get(act_id)
        finally:
            if worker is not None:
                worker.stop()
    _print_act(info, as_json)
    if wait and info.status != "executed":
        ctx.exit(1)


@disposal.command("act")
@click.argument("act_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx"]), default="pdf")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--personal-data", is_flag=True, help="Акт об уничтожении персональных данных.")
@click.option("--inventory", is_flag=True, help="Опись дел постоянного хранения за те же годы.")
@click.pass_context
def disposal_act(
    ctx: click.Context,
    act_id: int,
    fmt: str,
    output: Path,
    personal_data: bool,
    inventory: bool,
) -> None:
    """Выгрузить акт (или акт о персональных данных, или опись) в PDF или XLSX."""
    from archive_service.services.admin.audit import CLI_ACTOR, AuditService
    from archive_service.services.disposal.act_model import ActError
    from archive_service.services.disposal.papers import PaperService

    archive = open_archive(ctx, dispatch=False)
    kind = "personal_data" if personal_data else "inventory" if inventory else "act"
    try:
        data, _ = PaperService(archive).paper(act_id, kind, fmt)
    except ActError as exc:
        raise click.ClickException(str(exc)) from exc
    output.write_bytes(data)
    AuditService(archive).record(CLI_ACTOR, "export", f"act:{act_id}", detail=f"{kind} {fmt}")
    click.echo(f"Записан {output}")


@disposal.command("list")
@click.option("--json", "as_json", is_flag=True, help="Ответ в JSON.")
@click.pass_context
def disposal_list(ctx: click.Context, as_json: bool) -> None:
    """Акты, новые первыми."""
    from archive_service.services.disposal.acts import ActService

    found = ActService(open_archive(ctx, dispatch=False)).all()
    if as_json:
        emit({"acts": [a.as_dict() for a in found]})
        return
    for a in found:
        click.echo(f"№ {a.number} ({a.year}) id {a.id}: {a.status_label}, дел {a.case_total}")


COMMANDS.append(disposal)
