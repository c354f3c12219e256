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
--help` loads click and the commands alone (~0.13 s). Any other command line loads it
here, before the command runs, with the collector off as before.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import sys

# What the commands use, loaded once up front (SQLAlchemy and the catalog, Celery and
# the worker's runner, the services): all but a help text need most of it.
COMMAND_MODULES = (
    "archive_service.archive",
    "archive_service.services.admin.audit",
    "archive_service.services.pipeline.documents",
    "archive_service.services.pipeline.ingest",
    "archive_service.services.pipeline.waiting",
    "workers.celery_app",
    "workers.runner",
)
HELP_FLAGS = {"--help", "-h"}


def main() -> None:
    gc.disable()
    try:
        from archive_service.cli.root import archive as commands

        if len(sys.argv) > 1 and not HELP_FLAGS & set(sys.argv[1:]):
            for module in COMMAND_MODULES:
                importlib.import_module(module)
    finally:
        gc.freeze()
        gc.enable()
    atexit.register(gc.freeze)
    try:
        commands()  # click ends the process with the command's exit code
    except Exception as exc:
        from archive_service.domain import NO_SPACE_AT_ALL, is_disk_full

        if not is_disk_full(exc):
            raise
        print(f"Ошибка: {NO_SPACE_AT_ALL}", file=sys.stderr)
        sys.exit(1)
