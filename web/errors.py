"""Errors as the people of a school read them: a Russian page with the menu for the
pages, a JSON {"error"} in Russian for /api/v1 — never werkzeug's English «Not Found».

A refusal that says why (`abort(400, description="…")`) keeps its words; werkzeug's own
English description is replaced by the Russian one for its code.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from archive_service.domain import NO_SPACE_AT_ALL, is_disk_full

TITLES = {
    400: "Запрос не понят",
    401: "Нужно войти",
    403: "Нет доступа",
    404: "Страница не найдена",
    405: "Так эту страницу не открывают",
    409: "Сейчас это сделать нельзя",
    413: "Слишком большой запрос",
    429: "Слишком много запросов подряд",
    500: "Внутренняя ошибка архива",
    503: "Архив временно недоступен",
    507: "Нет места на диске",
}
DEFAULT_TEXT = {
    404: "Такой страницы или записи нет (или она вам не доступна).",
    405: "Откройте страницу по ссылке из меню.",
    500: "Ошибка записана в журнал сервера; попробуйте ещё раз или сообщите администратору.",
    507: NO_SPACE_AT_ALL,
}


class InsufficientStorage(HTTPException):
    """507: werkzeug has no class of its own for it."""

    code = 507
    description = NO_SPACE_AT_ALL


def words_of(exc: HTTPException) -> str:
    """The refusal's own words, or the Russian ones for its code."""
    code = exc.code or 500
    own = exc.description if exc.description != type(exc).description else None
    return own or DEFAULT_TEXT.get(code) or TITLES.get(code, "Ошибка")


def answer(exc: HTTPException) -> Any:
    code = exc.code or 500
    if request.path.startswith("/api/"):
        return jsonify({"error": words_of(exc)}), code
    title = TITLES.get(code, "Ошибка")
    return render_template("error.html", title=title, message=words_of(exc)), code


def init_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Any:
        return answer(exc)

    @app.errorhandler(InternalServerError)
    def _unexpected(exc: InternalServerError) -> Any:
        # Flask comes here for an unhandled exception once it is not propagating it
        # (in service; tests see the exception itself). It is logged by Flask.
        if exc.original_exception is not None and is_disk_full(exc.original_exception):
            return answer(InsufficientStorage())  # what the administrator can act on
        return answer(InternalServerError())
