#!/usr/bin/env bash
# Installs the Debian packages camviz needs to build and test: a C compiler
# for cgo, the X11/OpenGL headers Fyne compiles against, OpenBLAS, and Xvfb
# with xwd for the window smoke test. Uses sudo when not root.
set -euo pipefail
pkgs=(gcc libc6-dev pkg-config libgl1-mesa-dev libxcursor-dev libxrandr-dev
  libxinerama-dev libxi-dev libxxf86vm-dev libopenblas-dev xvfb x11-apps xauth)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
