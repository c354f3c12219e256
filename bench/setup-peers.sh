#!/usr/bin/env bash
# The peers the benches compare the archive with, each in a virtualenv of its own under
# bench/.peers (never in the project's .venv, whose pins they must not move):
#   OCRmyPDF, what a school would run instead of the archive to make searchable PDFs;
# and, under bench/.peers/fonts, two Cyrillic handwriting faces (Bad Script and Marck
# Script, SIL Open Font License, from npm's @expo-google-fonts packages, the last
# versions that ship the TTF) for the forms filled in by hand that page_kinds_bench.py
# generates. Tesseract itself comes from scripts/system-deps.sh. Idempotent.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
peers="$here/.peers"
if [[ ! -x "$peers/bin/ocrmypdf" ]]; then
  python3 -m venv "$peers"
  "$peers/bin/pip" install --quiet --upgrade pip
  "$peers/bin/pip" install --quiet "ocrmypdf>=17,<18"
fi
fonts="$peers/fonts"
for face in bad-script:BadScript marck-script:MarckScript; do
  package="${face%%:*}" file="${face##*:}_400Regular.ttf"
  if [[ ! -f "$fonts/$file" ]]; then
    mkdir -p "$fonts"
    work="$(mktemp -d)"
    (cd "$work" && npm pack --silent "@expo-google-fonts/$package@0.2.3" >/dev/null \
      && tar -xzf ./*.tgz "package/$file" && mv "package/$file" "$fonts/")
    rm -rf "$work"
  fi
done
"$peers/bin/ocrmypdf" --version
ls "$fonts"
