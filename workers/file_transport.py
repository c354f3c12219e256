"""kombu's filesystem transport, with messages published atomically.

Upstream `_put` creates the message file under its final name and then writes it, while
`_get` takes any file it lists without waiting for the writer's lock. A consumer can
therefore read a message while it is still being written, fail on the empty JSON and
drop it: the archive saw exactly this as a document stuck in "processing" because its
finalisation message vanished. Here a message is written under a name the consumer
ignores, flushed, then renamed into place, which POSIX makes atomic.

The transport polls its folder. It polls fast while work flows and slowly when idle:
a worker whose pool process has just finished a page waited up to a whole polling
interval for its next message, ~50 ms a task, a tenth of a 25-page text-layer batch.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Callable
from queue import Empty
from time import monotonic, sleep
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem

ALIAS = "archivefs"
BUSY_POLL_SECONDS = 0.01
BUSY_FOR_SECONDS = 30.0  # after the last message: an OCR page can take many seconds


class Channel(filesystem.Channel):
    # kombu types the base as (queue, message) and its filesystem Channel as (queue,
    # payload, **kwargs); this keeps the latter, which is what callers use.
    def _put(self, queue: Any, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f".writing-{name}")
        try:
            with open(partial, "wb") as fh:
                fh.write(json.dumps(payload).encode("utf-8"))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(partial, final)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(partial)
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
    driver_type = "filesystem"
    driver_name = "archivefs"
    _last_delivery = float("-inf")

    def drain_events(self, connection: Any, timeout: Any = None, **kwargs: Any) -> Any:
        """kombu's virtual `drain_events`, sleeping `BUSY_POLL_SECONDS` between empty polls
        for a while after a message came, and the configured `polling_interval` when the
        broker has been quiet. An empty poll while every pool process is busy costs no
        directory listing (kombu's QoS refuses before `_get`)."""
        get: Callable[..., None] = self.cycle.get  # type: ignore[union-attr]  # set in __init__
        started = monotonic()
        while True:
            try:
                get(self._deliver, timeout=timeout)
            except Empty:
                now = monotonic()
                if timeout is not None and now - started >= timeout:
                    raise TimeoutError() from None
                if _stopping():  # a warm shutdown asked: let Celery's loop see it now
                    raise TimeoutError() from None
                busy = now - self._last_delivery < BUSY_FOR_SECONDS
                interval = BUSY_POLL_SECONDS if busy else (self.polling_interval or 0.0)
                if timeout:
                    interval = min(interval, timeout)
                sleep(interval)
            else:
                self._last_delivery = monotonic()
                return


def _stopping() -> bool:
    """Celery's loop asks for a stop only between two waits of up to 2 s each; answered
    at once, `ingest --wait` ends its own worker ~2 s sooner."""
    from celery.worker import state

    # An exit code when asked (0 for a warm shutdown), else None or False.
    return any(
        flag is not None and flag is not False
        for flag in (state.should_stop, state.should_terminate)
    )


def register() -> None:
    TRANSPORT_ALIASES.setdefault(ALIAS, f"{__name__}:Transport")
