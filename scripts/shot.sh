#!/usr/bin/env bash
# Screenshot of the window for docs/: shot.sh BINARY WxH OUT.png SECONDS [camviz args…]
# Opens BINARY under its own Xvfb at W×H (the window sized to fill it, a
# private config folder), waits SECONDS and writes the screen as a
# 256-colour PNG. CAMVIZ_SHOT_LIGHT=1 opens in the light theme.
set -euo pipefail
bin=$1 size=$2 out=$3 wait=$4
shift 4
w=${size%x*} h=${size#*x}
tmp=$(mktemp -d)
xvfb_pid="" app_pid=""
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null && wait "$app_pid" 2>/dev/null
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null && wait "$xvfb_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
disp=120
while [ -e "/tmp/.X${disp}-lock" ] || [ -e "/tmp/.X11-unix/X${disp}" ]; do disp=$((disp + 1)); done
Xvfb ":$disp" -screen 0 "${w}x${h}x24" -nolisten tcp >"$tmp/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 100); do [ -e "/tmp/.X11-unix/X${disp}" ] && break; sleep 0.1; done
mkdir -p "$tmp/config/fyne/io.camviz.app"
dark=true
[ "${CAMVIZ_SHOT_LIGHT:-0}" = 1 ] && dark=false
echo "{\"width\":$w,\"height\":$h,\"dark\":$dark}" >"$tmp/config/fyne/io.camviz.app/preferences.json"
DISPLAY=":$disp" LIBGL_ALWAYS_SOFTWARE=1 XDG_CONFIG_HOME="$tmp/config" "$bin" "$@" >"$tmp/app.log" 2>&1 &
app_pid=$!
sleep "$wait"
xwd -display ":$disp" -root -silent -out "$tmp/shot.xwd"
go run ./ui/internal/xwdcheck -in "$tmp/shot.xwd" -png "$out" -colours 256
echo "shot: $out"
