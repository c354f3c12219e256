"""kombu's filesystem transport, with messages published atomically.

Upstream `_put` creates the message file under its final name and then writes it, while
`_get` takes any file it lists without waiting for the writer's lock. A consumer can
therefore read a message while it is still being written, fail on the empty JSON and
drop it: the archive saw exactly this as a document stuck in "processing" because its
finalisation message vanished. Here a message is written under a name the consumer
ignores, flushed, then renamed into place, which POSIX makes atomic.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem

ALIAS = "archivefs"


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


def register() -> None:
    TRANSPORT_ALIASES.setdefault(ALIAS, f"{__name__}:Transport")
