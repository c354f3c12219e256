#!/usr/bin/env bash
# The peers the benches compare the archive with, each in a virtualenv of its own under
# bench/.peers (never in the project's .venv, whose pins they must not move):
#   OCRmyPDF, what a school would run instead of the archive to make searchable PDFs.
# Tesseract itself comes from scripts/system-deps.sh. Idempotent.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
peers="$here/.peers"
if [[ ! -x "$peers/bin/ocrmypdf" ]]; then
  python3 -m venv "$peers"
  "$peers/bin/pip" install --quiet --upgrade pip
  "$peers/bin/pip" install --quiet "ocrmypdf>=17,<18"
fi
"$peers/bin/ocrmypdf" --version
