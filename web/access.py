"""The access policy (archive_service.access) at the web's door: every route names the
permission it needs, every record is checked before it is shown, and refusal is a 404."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import wraps
from typing import Any, NoReturn, TypeVar

from flask import abort, session
from flask_login import current_user, login_required

from archive_service.access import Permission, Policy
from archive_service.schools import SchoolInfo, SchoolService
from archive_service.services.pipeline.documents import DocumentService, NotFound
from web.audit import audit
from web.context import archive

F = TypeVar("F", bound=Callable[..., Any])


# A district role's choice of one school to work in (the header's switcher), kept in the
# signed session: while it stands, every list, search and record is that school's.
SCHOOL_VIEW = "school_view"


def policy() -> Policy:
    rules: Policy = current_user.account.policy
    view = viewed_school()
    if view is not None:
        return replace(rules, schools=frozenset({view}))
    return rules


def viewed_school() -> int | None:
    """The school a district role switched to; None: all it sees (or a school role)."""
    view = session.get(SCHOOL_VIEW)
    account = current_user.account
    rules: Policy = account.policy
    if isinstance(view, int) and account.school_id is None and rules.sees_school(view):
        return view
    return None


def seen_schools() -> list[SchoolInfo]:
    """The schools a district role works across: every one, or those granted to it;
    none for a school role (it works in its own)."""
    account = current_user.account
    if account.school_id is not None:
        return []
    rules: Policy = account.policy
    return [s for s in SchoolService(archive()).all() if rules.sees_school(s.id)]


def own_schools() -> list[SchoolInfo]:
    """A school role's own school first, then the schools merged into it (реорганизация):
    their cases stay apart, under their own nomenclature and acts, and the successor's
    people keep them. Empty for a district role."""
    account = current_user.account
    if account.school_id is None:
        return []
    schools = SchoolService(archive()).all()
    own = [s for s in schools if s.id == account.school_id]
    return own + [s for s in schools if s.id in account.predecessors]


def page_schools() -> list[SchoolInfo]:
    """The schools `page_school` may be asked for: a school role's own and those merged
    into it, or a district role's; a page offers the choice when there are two."""
    return own_schools() or seen_schools()


def page_school(values: Any) -> SchoolInfo | None:
    """The school a school-wide page or request is about (the nomenclature, what is
    due, holds, acts): for a school role its own, or one merged into it that it names
    (`school`: an id or a name); for a district role the one it names among those it
    sees, else the one it switched to, else the archive's own (None), or the first of
    its schools when it was granted some only. A school the person does not see
    answers 404, as one of its records would."""
    account = current_user.account
    raw = str(values.get("school", "") or "").strip()
    if account.school_id is not None:
        mine = own_schools()
        if not mine:
            abort(404)
        if not raw:
            return mine[0]
        named = next((s for s in mine if raw in (str(s.id), s.name)), None)
        if named is None:
            abort(404)
        return named
    schools = SchoolService(archive()).all()
    rules: Policy = account.policy
    seen = [s for s in schools if rules.sees_school(s.id)]
    if raw:
        named = next((s for s in seen if raw in (str(s.id), s.name)), None)
        if named is None:
            abort(404)
        return named
    view = viewed_school()
    if view is not None:
        return next(s for s in seen if s.id == view)
    if rules.schools is not None:  # granted some schools only: never the archive's own
        if not seen:
            abort(404)
        return seen[0]
    return None


def requires(permission: Permission, unscoped: bool = False) -> Callable[[F], F]:
    """Sign-in, then the permission; `unscoped` also refuses a class teacher's limited
    view (pages that list the whole archive, such as cases)."""

    def decorate(view: F) -> F:
        @wraps(view)
        @login_required
        def guarded(*args: Any, **kwargs: Any) -> Any:
            rules = policy()
            if not rules.can(permission) or (unscoped and rules.scoped):
                abort(404)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def ensure_may_open_document(document_id: str) -> None:
    """404 unless the person may open this document; a refusal of a document that
    exists is itself written to the audit log (someone looked where they may not)."""
    try:
        class_label, health, school_id, kind = DocumentService(archive()).access_of(document_id)
    except NotFound:
        abort(404)
    if not policy().may_open(class_label, health, school_id, kind):
        refuse(f"document:{document_id}")


def refuse(target: str) -> NoReturn:
    """Answer 404 for a record that exists but is not this person's to see, and record
    the attempt: a class teacher trying another class's records is worth knowing."""
    audit("view", target, outcome="denied")
    abort(404)


def intake_school(values: Any) -> int | None:
    """The school files are taken in for: a school role's own; the one a district role
    chose (`school`, an id), or the archive's own when it chose none. An unknown school
    is refused, not quietly replaced by another."""
    account = current_user.account
    if account.school_id is not None:
        return account.school_id  # type: ignore[no-any-return]
    seen = seen_schools()
    raw = str(values.get("school", "") or "").strip()
    if not raw:
        chosen = viewed_school()  # the school switched to, else the archive's own
        if chosen is None and account.policy.schools is not None:  # granted some only
            if len(seen) != 1:
                abort(400, description="Выберите организацию")
            return seen[0].id
        return chosen
    known = {str(s.id): s.id for s in seen}
    if raw not in known:
        abort(400, description=f"Организации № {raw} нет")
    return known[raw]


def scoped_filters(asked: dict[str, str]) -> dict[str, str | list[str]]:
    """The filters a person asked for, narrowed to what they may see: a class teacher
    asking for another class gets nothing rather than their own classes."""
    rules = policy()
    narrowed: dict[str, str | list[str]] = {k: v for k, v in asked.items() if k != "access"}
    if rules.schools is not None and SchoolService(archive()).count() > 1:
        # A school's people search their own school's records only. With one school the
        # filter would change nothing, and an index written before schools were
        # indexed (an update; `archive reindex` fills them in) still answers.
        own = sorted(str(school) for school in rules.schools)
        wanted_school = asked.get("school")
        if wanted_school is None:
            narrowed["school"] = own or ["—"]
        else:  # another school asked for gets nothing, not one's own school
            narrowed["school"] = [wanted_school] if wanted_school in own else ["—"]
    if not rules.sees_health:
        narrowed["access"] = "general"
    if rules.kinds is not None:  # the secretary: personal files only
        wanted_kind = asked.get("kind")
        if wanted_kind is None:
            narrowed["kind"] = sorted(rules.kinds)
        elif wanted_kind not in rules.kinds:
            narrowed["kind"] = ["—"]
    if rules.classes is not None:
        wanted = asked.get("class")
        if wanted is None:
            narrowed["class"] = sorted(rules.classes) or ["—"]
        elif wanted not in rules.classes:
            narrowed["class"] = ["—"]
    return narrowed
