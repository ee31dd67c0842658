#!/usr/bin/env bash
# Window smoke test: build the real binary, open it under Xvfb on the tiny
# golden model and chelsea.png, wait until it reports the first overlay on
# screen, take a screenshot with xwd and check that the picture area shows
# a jet heat map over a photo (ui/internal/xwdcheck). Exits non-zero with
# a message on any failure. Then the faithfulness panel's ROAD and sanity
# buttons are pressed (CAMVIZ_SMOKE_CHECKS) and a second screenshot must
# show their lines of numbers where the window says it drew them. SMOKE_SHOT=path.png keeps the screenshot
# (SMOKE_COLOURS=256 writes it with a 256-colour palette, for docs/).
# SMOKE_MODEL and SMOKE_IMAGE open another model or picture; SMOKE_CHECKS=0 stops after the map.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in Xvfb xwd; do
  command -v "$tool" >/dev/null || { echo "smoke: $tool is missing (run scripts/deps.sh)" >&2; exit 1; }
done

tmp=$(mktemp -d)
xvfb_pid="" app_pid=""
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null && wait "$app_pid" 2>/dev/null
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null && wait "$xvfb_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "smoke: FAIL: $*" >&2; [ -s "$tmp/app.log" ] && { echo "--- camviz stderr:" >&2; tail -n 30 "$tmp/app.log" >&2; }; exit 1; }

echo "smoke: building camviz"
go build -o "$tmp/camviz" .
go build -o "$tmp/xwdcheck" ./ui/internal/xwdcheck

# A free display number: other sessions may run their own Xvfb.
disp=99
while [ -e "/tmp/.X${disp}-lock" ] || [ -e "/tmp/.X11-unix/X${disp}" ]; do disp=$((disp + 1)); done
Xvfb ":$disp" -screen 0 1280x800x24 -nolisten tcp >"$tmp/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 100); do
  [ -e "/tmp/.X11-unix/X${disp}" ] && break
  kill -0 "$xvfb_pid" 2>/dev/null || fail "Xvfb did not start: $(cat "$tmp/xvfb.log")"
  sleep 0.1
done
[ -e "/tmp/.X11-unix/X${disp}" ] || fail "Xvfb :$disp did not come up"

# SMOKE_CHECKS=0 skips pressing the checks' buttons (for big models).
smoke_checks=${SMOKE_CHECKS:-1}
echo "smoke: starting camviz on :$disp"
# A private config folder: the run must not touch the user's preferences.
DISPLAY=":$disp" LIBGL_ALWAYS_SOFTWARE=1 CAMVIZ_SMOKE=1 CAMVIZ_SMOKE_CHECKS=$smoke_checks XDG_CONFIG_HOME="$tmp/config" \
  "$tmp/camviz" -model "${SMOKE_MODEL:-testdata/golden/tinyvgg16/model.onnx}" "${SMOKE_IMAGE:-testdata/images/chelsea.png}" >"$tmp/app.log" 2>&1 &
app_pid=$!

area=""
for _ in $(seq 600); do # up to 60 s
  if line=$(grep -m1 "camviz: overlay ready" "$tmp/app.log"); then
    area=${line##*area=}
    break
  fi
  kill -0 "$app_pid" 2>/dev/null || fail "camviz exited before showing an overlay"
  sleep 0.1
done
[ -n "$area" ] || fail "no overlay within 60 s"
sleep 2 # let the frame reach the screen

# Without a window manager the window sits at the screen's origin, so the
# area camviz reports (window pixels) is also where it is on the screen.
xwd -display ":$disp" -root -silent -out "$tmp/shot.xwd" 2>"$tmp/xwd.log" ||
  fail "xwd could not capture the screen: $(cat "$tmp/xwd.log")"
kill -0 "$app_pid" 2>/dev/null || fail "camviz died"
png_out="$tmp/shot.png"
[ -n "${SMOKE_SHOT:-}" ] && png_out="$SMOKE_SHOT"
"$tmp/xwdcheck" -in "$tmp/shot.xwd" -png "$png_out" -colours "${SMOKE_COLOURS:-0}" -area "$area" -check || fail "the screenshot does not show the heat map"
echo "smoke: ok (overlay at $area)"
[ "$smoke_checks" = 1 ] || exit 0

checks=""
for _ in $(seq 1800); do # up to 180 s: the sanity check recomputes the map 16 times
  if line=$(grep -m1 "camviz: checks ready" "$tmp/app.log"); then
    checks=$line
    break
  fi
  kill -0 "$app_pid" 2>/dev/null || fail "camviz exited before showing the checks"
  sleep 0.1
done
[ -n "$checks" ] || fail "no ROAD and sanity numbers within 180 s"
road=${checks#*road=}; road=${road%% *}
sanity=${checks#*sanity=}; sanity=${sanity%% *}
echo "smoke: ${checks#*text=}"
xwd -display ":$disp" -root -silent -out "$tmp/checks.xwd" 2>"$tmp/xwd.log" ||
  fail "xwd could not capture the screen: $(cat "$tmp/xwd.log")"
checks_png="$tmp/checks.png"
[ -n "${SMOKE_SHOT:-}" ] && checks_png="${SMOKE_SHOT%.png}-checks.png"
"$tmp/xwdcheck" -in "$tmp/checks.xwd" -png "$checks_png" -text "$road" -text "$sanity" || fail "the screenshot does not show the checks' numbers"
echo "smoke: ok (ROAD and sanity numbers drawn)"
