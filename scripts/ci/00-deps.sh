#!/usr/bin/env bash
# System packages the tests use (ffmpeg, exiftool, libheif tools, ...), listed one per line in
# apt-packages.txt. Installed only when missing, so a warm machine pays nothing.
set -euo pipefail
cd "$(dirname "$0")"
mapfile -t pkgs < <(grep -vE '^\s*(#|$)' apt-packages.txt)
missing=()
for p in "${pkgs[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
command -v cargo >/dev/null || { echo "cargo (rustup) is required"; exit 1; }
