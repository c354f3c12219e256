"""Accounts and the audit log: users, their roles and tokens; verifying and reading
the hash-chained log of access to personal data."""

from __future__ import annotations

import click

from archive_service.cli.common import audit_as_cli, emit, open_archive


@click.group()
def users() -> None:
    """Пользователи архива и их роли."""


@users.command("add")
@click.argument("username")
@click.option("--role", required=True, help="administrator, archivist, staff, "
              "retention_officer, director, auditor; районные: district_archivist, "
              "district_auditor.")  # fmt: skip
@click.option("--classes", default="", help="Для staff: свои классы через запятую («5А,9Б»).")
@click.option("--school", default=None, help="Организация школьной роли (по умолчанию — "
              "собственная архива); районным ролям не указывается.")  # fmt: skip
@click.option("--grant", multiple=True, help="Районной роли: организация, которую она видит "
              "(можно несколько раз); без --grant — все.")  # fmt: skip
@click.pass_context
def users_add(
    ctx: click.Context,
    username: str,
    role: str,
    classes: str,
    school: str | None,
    grant: tuple[str, ...],
) -> None:
    """Создать пользователя; пароль печатается один раз."""
    import secrets

    from archive_service.accounts import AccountError, AccountService

    password = secrets.token_urlsafe(12)
    archive = open_archive(ctx, dispatch=False)
    try:
        AccountService(archive).create(
            username,
            password,
            role,
            [c for c in classes.split(",") if c.strip()],
            school,
            list(grant),
        )
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    audit_as_cli(archive, "create", f"user:{username}", role)
    click.echo(f"Создан {username} ({role}). Пароль (показывается один раз): {password}")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Ответ в JSON (с блокировкой и токенами).")
@click.pass_context
def users_list(ctx: click.Context, as_json: bool) -> None:
    """Пользователи, их роли и классы."""
    from archive_service.accounts import AccountService

    rows = AccountService(open_archive(ctx, dispatch=False)).overview()
    if as_json:
        emit(
            {
                "users": [
                    {
                        "username": r.username,
                        "role": r.role,
                        "classes": [c for c in r.classes.split(",") if c],
                        "school_id": r.school_id,
                        "locked": r.locked or None,
                        "tokens": r.tokens,
                    }
                    for r in rows
                ]
            }
        )
        return
    for row in rows:
        scope = f" [{row.classes}]" if row.classes else ""
        locked = " (заблокирован)" if row.locked else ""
        click.echo(f"{row.username}: {row.role}{scope}{locked}")


@users.command("set")
@click.argument("username")
@click.option("--role", required=True, help="Новая роль (как в users add).")
@click.option("--classes", default="", help="Классы сотрудника через запятую.")
@click.option("--school", default=None, help="Организация школьной роли.")
@click.pass_context
def users_set(
    ctx: click.Context, username: str, role: str, classes: str, school: str | None
) -> None:
    """Изменить роль, классы или организацию; входы пользователя завершаются."""
    from archive_service.accounts import AccountError, AccountService

    archive = open_archive(ctx, dispatch=False)
    wanted = [c for c in classes.split(",") if c.strip()]
    try:
        AccountService(archive).update(username, role, wanted, school)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    audit_as_cli(archive, "change", f"user:{username}", f"роль {role}, классы {classes}")
    click.echo(f"{username}: {role}" + (f" [{classes}]" if wanted else ""))


@users.command("lock")
@click.argument("username")
@click.pass_context
def users_lock(ctx: click.Context, username: str) -> None:
    """Заблокировать вход и токены API до разблокировки."""
    _set_locked(ctx, username, True)


@users.command("unlock")
@click.argument("username")
@click.pass_context
def users_unlock(ctx: click.Context, username: str) -> None:
    """Разблокировать (и снять блокировку после неверных паролей)."""
    _set_locked(ctx, username, False)


def _set_locked(ctx: click.Context, username: str, locked: bool) -> None:
    from archive_service.accounts import AccountError, AccountService

    archive = open_archive(ctx, dispatch=False)
    try:
        AccountService(archive).set_locked(username, locked)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    done = "заблокирован" if locked else "разблокирован"
    audit_as_cli(archive, "change", f"user:{username}", done)
    click.echo(f"{username} {done}")


@users.command("token")
@click.argument("username")
@click.option("--label", default="сценарий", help="Для чего токен.")
@click.option("--revoke", is_flag=True, help="Отозвать все токены пользователя.")
@click.pass_context
def users_token(ctx: click.Context, username: str, label: str, revoke: bool) -> None:
    """Выдать токен API для сценариев (Authorization: Bearer …) или отозвать все."""
    from archive_service.accounts import AccountError, AccountService

    archive = open_archive(ctx, dispatch=False)
    service = AccountService(archive)
    try:
        if revoke:
            click.echo(f"Отозвано токенов: {service.revoke_tokens(username)}")
            audit_as_cli(archive, "change", f"user:{username}", "токены отозваны")
            return
        token = service.issue_token(username, label)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    audit_as_cli(archive, "create", f"user:{username}", f"токен: {label}")
    click.echo(f"Токен {username} (показывается один раз): {token}")


@users.command("reset")
@click.argument("username")
@click.pass_context
def users_reset(ctx: click.Context, username: str) -> None:
    """Выдать новый пароль (и снять блокировку входа)."""
    from archive_service.accounts import AccountError, AccountService

    archive = open_archive(ctx, dispatch=False)
    try:
        password = AccountService(archive).reset_password(username)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    audit_as_cli(archive, "change", f"user:{username}", "новый пароль")
    click.echo(f"Новый пароль {username} (показывается один раз): {password}")


@click.group()
def audit() -> None:
    """Журнал доступа к персональным данным: проверка цепочки и выборки."""


@audit.command("verify")
@click.pass_context
def audit_verify(ctx: click.Context) -> None:
    """Проверить, что в журнале ничего не изменено, не удалено и не вставлено."""
    from archive_service.services.admin.audit import AuditService

    report = AuditService(open_archive(ctx, dispatch=False)).verify()
    if report.broken_at is None:
        click.echo(f"Журнал цел: записей {report.rows}")
        return
    click.echo(f"Журнал нарушен на записи № {report.broken_at}: {report.reason}", err=True)
    ctx.exit(1)


@audit.command("show")
@click.option("--target", default=None, help="Кто обращался к записи (document:ID, pupil:ID).")
@click.option("--user", default=None, help="К чему обращался пользователь.")
@click.pass_context
def audit_show(ctx: click.Context, target: str | None, user: str | None) -> None:
    """Показать записи журнала по записи архива или по пользователю."""
    from archive_service.services.admin.audit import AuditService

    for e in AuditService(open_archive(ctx, dispatch=False)).find(target=target, actor=user):
        click.echo(
            f"{e.at:%Y-%m-%d %H:%M:%S} {e.actor} ({e.role}, {e.address}) {e.action} "
            f"{e.target} {e.outcome} {e.detail}".rstrip()
        )


@click.group()
def fixity() -> None:
    """Сохранность: каждый файл на месте и не изменён (SHA-256)."""


@fixity.command("check")
@click.option("--all", "everything", is_flag=True, help="Весь архив (без — доля сегодняшнего дня).")
@click.option("--json", "as_json", is_flag=True, help="Ответ в JSON.")
@click.pass_context
def fixity_check(ctx: click.Context, everything: bool, as_json: bool) -> None:
    """Проверить контрольные суммы хранимых файлов; код выхода 2, если что-то повреждено
    или пропало."""
    from archive_service.services.admin.fixity import FixityService

    archive = open_archive(ctx, dispatch=False)
    report = FixityService(archive).check(everything=everything)
    audit_as_cli(
        archive,
        "fixity",
        "archive",
        f"документов {report.documents}, файлов {report.files}, повреждено {len(report.problems)}",
    )
    if as_json:
        emit(report.as_dict())
    else:
        click.echo(
            f"Проверено документов: {report.documents}, файлов: {report.files}; "
            f"повреждено: {len(report.problems)}"
        )
        for p in report.problems:
            click.echo(f"  {p.document_id}: {p.key} — {p.problem}")
    if not report.ok:
        ctx.exit(2)


COMMANDS = [users, audit, fixity]
