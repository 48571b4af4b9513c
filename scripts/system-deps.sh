#!/usr/bin/env bash
# Debian packages hallq needs beyond Python: a virtual screen for the Kivy apps, a Chinese
# font, espeak-ng for the voice clips, Chromium for the browser tests, socat for serial pairs.
# Installs only what is missing; needs root (or sudo).
set -euo pipefail
PACKAGES=(python3-venv xvfb xauth libgl1 libgl1-mesa-dri libmtdev1 fonts-wqy-microhei
          espeak-ng chromium socat sox)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
