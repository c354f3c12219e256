#!/usr/bin/env bash
# Create .venv (Python 3.11+) and install the archive into it.
#   scripts/python-env.sh          runtime dependencies
#   scripts/python-env.sh --dev    also test and lint tools
# Re-installs only when pyproject.toml changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."

python=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && \
     "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
    python="$candidate"
    break
  fi
done
if [[ -z "$python" ]]; then
  echo "Нужен Python 3.11 или новее." >&2
  exit 1
fi

if [[ ! -x .venv/bin/python ]]; then
  "$python" -m venv .venv
fi
extra=""
[[ "${1:-}" == "--dev" ]] && extra="[dev]"
stamp=".venv/.installed${extra:+-dev}"
if [[ ! -f "$stamp" || pyproject.toml -nt "$stamp" ]]; then
  for attempt in 1 2 3; do
    if .venv/bin/python -m pip install -q --upgrade pip && \
       .venv/bin/python -m pip install -q -e ".${extra}"; then
      touch "$stamp"
      exit 0
    fi
    echo "pip install не удался (попытка $attempt), повторяю…" >&2
    sleep $((attempt * 5))
  done
  exit 1
fi
