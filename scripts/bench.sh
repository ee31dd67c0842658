#!/usr/bin/env bash
# Side-by-side benchmark: camviz, ONNX Runtime and torch (with
# pytorch-grad-cam's own GradCAM when its source is at $PGC_DIR) on the same
# seeded full-size models, same input, same machine, one run: VGG16 and
# ResNet-50. Generates the models on demand (Debian python3-torch); installs
# onnxruntime-node from npm outside the tree ($ORT_DIR, default /tmp/ort;
# --ignore-scripts: its CPU library is in the package). A side whose tools
# are missing is skipped with a message.
#   scripts/bench.sh [RUNS]     CAMVIZ_BENCH_SCORECAM=0 skips ScoreCAM,
#                               CAMVIZ_BENCH_MODELS="vgg16 resnet50" picks models,
#                               CAMVIZ_BENCH_BATCH=4 the batched forward's size
# The batched forward (ScoreCAM's masked passes) is timed on both camviz and
# ONNX Runtime; ORT runs a copy of the model with a symbolic batch axis
# (tools/bench/batch_axis.py, python3-onnx).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
batch=${CAMVIZ_BENCH_BATCH:-4}
input=testdata/golden/tinyvgg16/input.npy
pgc=${PGC_DIR:-/tmp/pgc}
ort_dir=${ORT_DIR:-/tmp/ort}
have_torch=0
/usr/bin/python3 -c "import torch, torchvision" 2>/dev/null && have_torch=1

go build -o /tmp/camviz-bench .
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
echo "flags:   $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(sse3|ssse3|sse4_2|avx|avx2|fma|avx512f|avx512bw|avx512vl|avx512_bf16|amx_tile)$' | tr '\n' ' ')"
echo "env:     OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-(unset)}"
/tmp/camviz-bench version | sed 's/^/         /'
if [ ! -d "$ort_dir/node_modules/onnxruntime-node" ] && command -v npm >/dev/null; then
  mkdir -p "$ort_dir" && (cd "$ort_dir" && npm init -y >/dev/null && npm install --silent onnxruntime-node --ignore-scripts >/dev/null) || true
fi

# model NAME: the ONNX file, made on demand.
model() {
  local f=${CAMVIZ_MODEL_DIR:-/tmp}/camviz-$1-seed0.onnx
  if [ ! -f "$f" ]; then
    [ $have_torch = 1 ] || { echo "no $f and no python3-torch to make it (apt-get install python3-torch python3-torchvision python3-onnx)" >&2; return 1; }
    if [ "$1" = vgg16 ]; then
      /usr/bin/python3 ../shared/tools/export_vgg16.py "$f" --seed 0 >&2
    else
      /usr/bin/python3 ../shared/tools/export_cnn.py "$1" "$f" --seed 0 >&2
    fi
  fi
  echo "$f"
}

# bench NAME TORCH_LAYER: every side on one model, then the table.
bench() {
  local name=$1 layer=$2 f methods scflag=--scorecam ours ort theirs pgcflag= skip=sscam,iscam
  f=$(model "$name") || return 0
  echo; echo "== $name ($f)"
  if [ "${CAMVIZ_BENCH_SCORECAM:-1}" = 0 ] || [ "$name" != vgg16 ]; then
    skip=$skip,scorecam scflag=
  fi
  # Every method that applies but those skipped: SS-CAM and IS-CAM are
  # 35× and 10× Score-CAM's passes at their defaults (an hour and more on
  # VGG16); time them on their own, e.g. -methods sscam,iscam -samples 1.
  methods=$(/tmp/camviz-bench methods -model "$f" -json | SKIP=$skip /usr/bin/python3 -c '
import json, os, sys
skip = os.environ["SKIP"].split(",")
print(",".join(m["name"] for m in json.load(sys.stdin) if m.get("applies", True) and m["name"] not in skip))')
  ours=$(/tmp/camviz-bench bench -model "$f" -input "$input" -runs "$runs" -methods "$methods" -batch "$batch" -json)
  echo "camviz: $ours"
  local of=$f obatch=1 fb=${f%.onnx}-batchN.onnx
  if [ "$batch" -gt 1 ]; then
    if [ -f "$fb" ] || /usr/bin/python3 tools/bench/batch_axis.py "$f" "$fb" 2>/dev/null; then
      of=$fb obatch=$batch
    else
      echo "ort:    no batched run (tools/bench/batch_axis.py needs python3-onnx)"
    fi
  fi
  if ort=$(node tools/bench/ort_bench.js --model "$of" --input "$input" --runs "$runs" --threads "$(nproc)" --ort "$ort_dir" --batch "$obatch"); then
    echo "ort:    $ort"
  else
    ort='{}'; echo "ort:    skipped (no node or onnxruntime-node in $ort_dir)"
  fi
  theirs='{}'
  if [ $have_torch = 1 ]; then
    [ -d "$pgc/pytorch_grad_cam" ] && pgcflag="--pgc $pgc"
    theirs=$(/usr/bin/python3 tools/bench/torch_bench.py --arch "$name" --layer "$layer" --seed 0 --input "$input" \
      --runs "$runs" --threads "$(nproc)" $scflag $pgcflag)
    echo "torch:  $theirs"
  else
    echo "torch:  skipped (python3-torch is not installed)"
  fi
  /usr/bin/python3 tools/bench/table.py "$ours" "$theirs" "$ort"
}

for m in ${CAMVIZ_BENCH_MODELS:-vgg16 resnet50}; do
  case $m in
    vgg16) bench vgg16 features.29 ;;
    resnet50) bench resnet50 layer4 ;;
    *) echo "unknown model $m (vgg16, resnet50)"; exit 1 ;;
  esac
done
