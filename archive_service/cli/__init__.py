"""`archive`: the command line of the archive. The command group is `cli.root`, one
module per group of commands beside it; this module only starts them, minding the
garbage collector.

A command loads SQLAlchemy, Celery and the readers: hundreds of thousands of objects.
While they load, the collector runs again and again over everything loaded so far (a
third of the loading time, ~0.17 s), and at exit the interpreter's last collections
walk all of it once more (~0.15 s). None of it is garbage: it lives as long as the
process. So the collector is off while the commands load, what they loaded is then
frozen out of its reach (`gc.freeze`), and what a command made is frozen at exit too.
A short `archive ingest --wait` or `archive show` returns ~0.3 s sooner.

The command modules import none of it at their top (cli/common.py), so that `archive
--help` loads click and the commands alone (~0.13 s). The collector is turned off here
and stays off while the command loads what it uses; `common.load_command_modules`,
called as a command opens the archive (or, for `beat`, before it runs), loads the
rest, freezes it all and turns the collector back on. `ingest --wait` starts its worker
(workers/spawn.py, which loads none of it) before it opens the archive, so the worker's
own loading runs on the other core while the command loads.
"""

from __future__ import annotations

import atexit
import gc
import sys


def main() -> None:
    gc.disable()  # on again in common.load_command_modules
    from archive_service.cli.root import archive as commands

    atexit.register(gc.freeze)
    try:
        commands()  # click ends the process with the command's exit code
    except Exception as exc:
        from archive_service.domain import NO_SPACE_AT_ALL, is_disk_full

        if not is_disk_full(exc):
            raise
        print(f"Ошибка: {NO_SPACE_AT_ALL}", file=sys.stderr)
        sys.exit(1)
