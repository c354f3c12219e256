"""Two catalog transactions run side by side, the first held open after its first flush.

A race between two workers (a message delivered twice, two imports saved at once) is
made certain instead of lucky: the first call's rows are written but not committed when
the second call starts, and stay so for half a second while the second runs into them.
A second call that must wait for the first (a row lock, SQLite's one writer) waits; one
that does not races, as it would in production.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

HOLD_SECONDS = 0.5


def run_side_by_side(
    first: Callable[[], Any], second: Callable[[], Any], timeout: float = 30
) -> tuple[Any, Any]:
    """Each call's result, or the exception it raised."""
    flushed, second_started = threading.Event(), threading.Event()
    results: dict[str, Any] = {}

    def hold_first_commit(_session: Session, _context: object) -> None:
        if threading.current_thread().name == "first" and not flushed.is_set():
            flushed.set()
            second_started.wait(timeout)
            time.sleep(HOLD_SECONDS)

    def run(name: str, call: Callable[[], Any]) -> None:
        try:
            results[name] = call()
        except Exception as exc:  # the fault is what the caller looks for
            results[name] = exc

    event.listen(Session, "after_flush", hold_first_commit)
    try:
        one = threading.Thread(target=run, args=("first", first), name="first")
        one.start()
        if not flushed.wait(timeout):
            raise AssertionError("the first call never wrote to the catalog")
        two = threading.Thread(target=run, args=("second", second), name="second")
        two.start()
        second_started.set()
        one.join(timeout)
        two.join(timeout)
    finally:
        event.remove(Session, "after_flush", hold_first_commit)
    if one.is_alive() or two.is_alive():
        raise AssertionError("the two calls did not finish: a deadlock?")
    return results["first"], results["second"]
