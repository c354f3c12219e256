"""`python -m archive_service.cli`: the same as the `archive` command."""

from archive_service.cli import main

main()
