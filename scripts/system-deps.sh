#!/usr/bin/env bash
# Install the system packages the archive needs, if missing (Debian/Ubuntu).
#   scripts/system-deps.sh           Tesseract with Russian + OSD, fonts
#   scripts/system-deps.sh --test    also Chromium, for the browser tests, and what
#                                    scripts/services.sh needs for the scaled-mode
#                                    servers (PostgreSQL, Redis, a JDK, Maven, unzip)
# Idempotent: installs only what is absent. Retries apt, which can be flaky.
set -euo pipefail

packages=(tesseract-ocr tesseract-ocr-rus tesseract-ocr-osd tesseract-ocr-eng fonts-dejavu-core)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(chromium postgresql redis-server default-jre-headless maven unzip curl)
fi

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Не хватает системных пакетов: ${missing[*]}" >&2
  echo "Установите Tesseract с русским языком (tesseract-ocr, -rus, -osd) средствами вашей системы." >&2
  exit 1
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "Нужны права администратора, чтобы установить: ${missing[*]}" >&2
    echo "Выполните от root: apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

echo "Устанавливаю системные пакеты: ${missing[*]}"
for attempt in 1 2 3; do
  if $sudo apt-get update -qq && \
     DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"; then
    exit 0
  fi
  echo "apt-get не удался (попытка $attempt), повторяю…" >&2
  sleep $((attempt * 5))
done
echo "Не удалось установить: ${missing[*]}" >&2
exit 1
