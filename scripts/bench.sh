#!/usr/bin/env bash
# Side-by-side benchmark: camviz, ONNX Runtime and torch (with
# pytorch-grad-cam's own GradCAM when its source is at $PGC_DIR) on the same
# seeded full-size models, same input, same machine, one run: VGG16 and
# ResNet-50. Generates the models on demand (Debian python3-torch); installs
# onnxruntime-node from npm outside the tree ($ORT_DIR, default /tmp/ort;
# --ignore-scripts: its CPU library is in the package).
#   scripts/bench.sh [RUNS]     CAMVIZ_BENCH_SCORECAM=0 skips ScoreCAM,
#                               CAMVIZ_BENCH_MODELS="vgg16 resnet50" picks models,
#                               CAMVIZ_BENCH_BATCH=4 the batched forward's size,
#                               PYTHON=/usr/bin/python3 the Python with torch
#   scripts/bench.sh --check    the pre-flight alone: what is missing, how to
#                               get it, what it skips; installs, builds and
#                               times nothing (exit 1 only without Go)
# It first checks every tool each side needs and says, a line per missing
# piece, how to get it; then it skips only the comparisons that need what
# is missing: camviz's own figures need Go alone (and the model files, which
# need torch only to be made).
# The batched forward (ScoreCAM's masked passes) is timed on both camviz and
# ONNX Runtime; ORT runs a copy of the model with a symbolic batch axis
# (tools/bench/batch_axis.py, python3-onnx).
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
if [ "${1:-}" = --check ]; then
  check=1
  shift
fi
runs=${1:-5}
batch=${CAMVIZ_BENCH_BATCH:-4}
models=${CAMVIZ_BENCH_MODELS:-vgg16 resnet50}
input=testdata/golden/tinyvgg16/input.npy
py=${PYTHON:-/usr/bin/python3}
pgc=${PGC_DIR:-/tmp/pgc}
ort_dir=${ORT_DIR:-/tmp/ort}

# model_file NAME: where the ONNX file of model NAME is (or will be made).
model_file() { echo "${CAMVIZ_MODEL_DIR:-/tmp}/camviz-$1-seed0.onnx"; }

# missing WHAT HOW SKIPS: one line on stderr: what is missing, how to get
# it, and what the run leaves out without it.
missing() { echo "missing: $1 — $2; skips $3" >&2; }

# debian MODULE: the Debian package of a Python module.
debian() {
  case $1 in
    cv2) echo python3-opencv ;;
    sklearn) echo python3-sklearn ;;
    PIL) echo python3-pil ;;
    *) echo "python3-$1" ;;
  esac
}

# py_lacks MODULE...: the modules $py cannot import (all of them when $py
# does not run), one a line.
py_lacks() {
  local m
  for m in "$@"; do
    "$py" -c "import $m" 2>/dev/null || echo "$m"
  done
}

# said: the modules already said to be missing.
declare -A said

# say_lacks SKIPS MODULE...: a missing line for each module $py lacks (once
# a module, with what it skips first); fails when there is one.
say_lacks() {
  local skips=$1 m ok=0
  shift
  for m in $(py_lacks "$@"); do
    ok=1
    [ -z "${said[$m]:-}" ] || continue
    said[$m]=1
    missing "python module $m in $py" "apt-get install $(debian "$m")" "$skips"
  done
  return $ok
}

declare -A have_model

# preflight: sets have_* for each side and says what is missing. Only the
# Go toolchain is fatal: without it there is no camviz to time.
preflight() {
  have_go=1 have_py=1 have_torch=1 have_onnx=1 have_pgc=1 have_ort=1
  if ! command -v go >/dev/null; then
    have_go=0
    missing "go on PATH" "install the Go toolchain go.mod names" "everything: camviz cannot be built"
  fi
  if ! "$py" -c 'import json, sys' 2>/dev/null; then
    have_py=0 have_torch=0 have_onnx=0 have_pgc=0
    missing "Python 3 at $py" "apt-get install python3, or set PYTHON" \
      "the torch side, pytorch-grad-cam, making the models, ORT's batched run and the tables (camviz's and ORT's JSON lines still print)"
  else
    say_lacks "the torch side and making the models" torch torchvision numpy || have_torch=0
    if [ "$batch" -gt 1 ] || [[ " $models " == *" resnet50 "* ]]; then
      say_lacks "ORT's batched run and making the ResNet-50 model" onnx || have_onnx=0
    fi
    [ $have_torch = 1 ] || have_pgc=0
    # pytorch-grad-cam's imports, and those of tools/fixtures/families.py, which stands
    # in for ttach (not in Debian).
    say_lacks "pytorch-grad-cam's own GradCAM and ScoreCAM" onnx PIL cv2 matplotlib sklearn tqdm scipy || have_pgc=0
  fi
  if [ ! -d "$pgc/pytorch_grad_cam" ]; then
    have_pgc=0
    missing "pytorch-grad-cam's source at $pgc (PGC_DIR)" \
      "fetch jacobgil/pytorch-grad-cam and extract its package: git --git-dir=REPO/.git archive 084273b pytorch_grad_cam | tar -x -C $pgc (tools/fixtures/README.md)" \
      "pytorch-grad-cam's own GradCAM and ScoreCAM (torch's step-for-step copies still run)"
  fi
  local name f
  for name in $models; do
    f=$(model_file "$name")
    have_model[$name]=1
    if [ ! -f "$f" ] && { [ $have_torch = 0 ] || { [ "$name" != vgg16 ] && [ $have_onnx = 0 ]; }; }; then
      have_model[$name]=0
      missing "the model file $f" "the run makes it with torch once $py has python3-torch, python3-torchvision (and python3-onnx for ResNet-50)" "$name entirely"
    fi
  done
  if ! command -v node >/dev/null; then
    have_ort=0
    missing "node" "apt-get install nodejs" "ONNX Runtime's figures"
  elif [ ! -d "$ort_dir/node_modules/onnxruntime-node" ]; then
    have_ort=0
    local npm="the full run does this itself"
    command -v npm >/dev/null || npm="after apt-get install npm"
    missing "onnxruntime-node in $ort_dir (ORT_DIR)" \
      "mkdir -p $ort_dir && cd $ort_dir && npm init -y && npm install onnxruntime-node --ignore-scripts ($npm)" \
      "ONNX Runtime's figures"
  fi
}

# install_ort: onnxruntime-node into $ort_dir when npm can have it.
install_ort() {
  if [ ! -d "$ort_dir/node_modules/onnxruntime-node" ] && command -v npm >/dev/null; then
    mkdir -p "$ort_dir" && (cd "$ort_dir" && npm init -y >/dev/null && npm install --silent onnxruntime-node --ignore-scripts >/dev/null) || true
  fi
}

for m in $models; do
  case $m in
    vgg16 | resnet50) ;;
    *) echo "unknown model $m (vgg16, resnet50)"; exit 1 ;;
  esac
done

# yn FLAG: yes or no.
yn() { [ "$1" = 1 ] && echo yes || echo no; }

if [ $check = 1 ]; then
  preflight
  for m in $models; do
    echo "check: $m: camviz $(yn $((have_go & have_model[$m]))), torch $(yn $((have_torch & have_model[$m])))," \
      "pytorch-grad-cam $(yn $((have_pgc & have_model[$m]))), ONNX Runtime $(yn $((have_ort & have_model[$m])))"
  done
  [ $have_go = 1 ]
  exit
fi
install_ort
preflight
[ $have_go = 1 ] || exit 1

go build -o /tmp/camviz-bench .
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
echo "flags:   $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(sse3|ssse3|sse4_2|avx|avx2|fma|avx512f|avx512bw|avx512vl|avx512_bf16|amx_tile)$' | tr '\n' ' ')"
echo "env:     OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-(unset)}"
/tmp/camviz-bench version | sed 's/^/         /'

# model NAME: the ONNX file, made on demand.
model() {
  local f
  f=$(model_file "$1")
  if [ ! -f "$f" ]; then
    [ $have_torch = 1 ] || return 1 # said by preflight
    if [ "$1" = vgg16 ]; then
      "$py" ../shared/tools/export_vgg16.py "$f" --seed 0 >&2
    else
      [ $have_onnx = 1 ] || return 1
      "$py" ../shared/tools/export_cnn.py "$1" "$f" --seed 0 >&2
    fi
  fi
  echo "$f"
}

# applying MODEL SKIP: the methods that apply to MODEL, but those in the
# comma list SKIP, from camviz's own table (no Python needed): its rows
# are "NAME DISPLAY yes", option lines are indented.
applying() {
  /tmp/camviz-bench methods -model "$1" | awk -v skip=",$2," '/^[^ ]/ && $NF == "yes" && index(skip, "," $1 ",") == 0 { print $1 }' | paste -sd, -
}

# bench NAME TORCH_LAYER: every side on one model, then the table.
bench() {
  local name=$1 layer=$2 f methods ours ort theirs skip=sscam,iscam torchflags=(--scorecam)
  f=$(model "$name") || { echo; echo "== $name: skipped (no model file)"; return 0; }
  echo; echo "== $name ($f)"
  if [ "${CAMVIZ_BENCH_SCORECAM:-1}" = 0 ] || [ "$name" != vgg16 ]; then
    skip=$skip,scorecam torchflags=()
  fi
  # Every method that applies but those skipped: SS-CAM and IS-CAM are
  # 35× and 10× Score-CAM's passes at their defaults (an hour and more on
  # VGG16); time them on their own, e.g. -methods sscam,iscam -samples 1.
  methods=$(applying "$f" "$skip")
  ours=$(/tmp/camviz-bench bench -model "$f" -input "$input" -runs "$runs" -methods "$methods" -batch "$batch" -json)
  echo "camviz: $ours"
  local of=$f obatch=1 fb=${f%.onnx}-batchN.onnx
  if [ "$batch" -gt 1 ]; then
    if [ -f "$fb" ] || { [ $have_onnx = 1 ] && "$py" tools/bench/batch_axis.py "$f" "$fb" 2>/dev/null; }; then
      of=$fb obatch=$batch
    else
      echo "ort:    no batched run (tools/bench/batch_axis.py needs python3-onnx)"
    fi
  fi
  ort='{}'
  if [ $have_ort = 0 ]; then
    echo "ort:    skipped (no node or onnxruntime-node in $ort_dir)"
  elif ort=$(node tools/bench/ort_bench.js --model "$of" --input "$input" --runs "$runs" --threads "$(nproc)" --ort "$ort_dir" --batch "$obatch"); then
    echo "ort:    $ort"
  else
    ort='{}'; echo "ort:    failed (see above)"
  fi
  theirs='{}'
  if [ $have_torch = 1 ]; then
    [ $have_pgc = 0 ] || torchflags+=(--pgc "$pgc")
    theirs=$("$py" tools/bench/torch_bench.py --arch "$name" --layer "$layer" --seed 0 --input "$input" \
      --runs "$runs" --threads "$(nproc)" "${torchflags[@]}")
    echo "torch:  $theirs"
  else
    echo "torch:  skipped (no torch in $py)"
  fi
  if [ $have_py = 1 ]; then
    "$py" tools/bench/table.py "$ours" "$theirs" "$ort"
  else
    echo "table:  skipped (no Python at $py)"
  fi
}

for m in $models; do
  case $m in
    vgg16) bench vgg16 features.29 ;;
    resnet50) bench resnet50 layer4 ;;
  esac
done
