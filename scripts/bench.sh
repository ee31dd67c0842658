#!/usr/bin/env bash
# Side-by-side benchmark: camviz, ONNX Runtime and torch on the same seeded
# full-size VGG16, same input, same machine, one run. Generates the model on
# demand (Debian python3-torch); installs onnxruntime-node from npm outside
# the tree ($ORT_DIR, default /tmp/ort; --ignore-scripts: its CPU library is
# in the package). A side whose tools are missing is skipped with a message.
#   scripts/bench.sh [RUNS]          CAMVIZ_BENCH_SCORECAM=0 skips ScoreCAM
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
model=${CAMVIZ_VGG16:-/tmp/camviz-vgg16-seed0.onnx}
input=testdata/golden/tinyvgg16/input.npy
have_torch=0
/usr/bin/python3 -c "import torch, torchvision" 2>/dev/null && have_torch=1
if [ ! -f "$model" ]; then
  if [ $have_torch = 0 ]; then
    echo "no $model and no python3-torch to make it (apt-get install python3-torch python3-torchvision python3-onnx)"; exit 1
  fi
  /usr/bin/python3 ../shared/tools/export_vgg16.py "$model" --seed 0 2>/dev/null ||
    /usr/bin/python3 - "$model" <<'PY'
import sys, torch, torchvision
torch.manual_seed(0)
m = torchvision.models.vgg16(weights=None).eval()
torch.onnx.export(m, torch.zeros(1, 3, 224, 224), sys.argv[1], opset_version=14)
PY
fi
go build -o /tmp/camviz-bench .
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
echo "flags:   $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(sse3|ssse3|sse4_2|avx|avx2|fma|avx512f|avx512bw|avx512vl|avx512_bf16|amx_tile)$' | tr '\n' ' ')"
echo "env:     OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-(unset)}"
/tmp/camviz-bench version | sed 's/^/         /'
methods=all scorecam_flag=--scorecam
if [ "${CAMVIZ_BENCH_SCORECAM:-1}" = 0 ]; then
  methods=$(/tmp/camviz-bench methods -model "$model" -json | /usr/bin/python3 -c '
import json, sys
print(",".join(m["name"] for m in json.load(sys.stdin) if m.get("applies", True) and m["name"] != "scorecam"))')
  scorecam_flag=
fi
ours=$(/tmp/camviz-bench bench -model "$model" -input "$input" -runs "$runs" -methods "$methods" -json)
echo "camviz: $ours"
ort_dir=${ORT_DIR:-/tmp/ort}
if [ ! -d "$ort_dir/node_modules/onnxruntime-node" ] && command -v npm >/dev/null; then
  mkdir -p "$ort_dir" && (cd "$ort_dir" && npm init -y >/dev/null && npm install --silent onnxruntime-node --ignore-scripts >/dev/null) || true
fi
ort='{}'
if ort=$(node tools/bench/ort_bench.js --model "$model" --input "$input" --runs "$runs" --threads "$(nproc)" --ort "$ort_dir"); then
  echo "ort:    $ort"
else
  ort='{}'; echo "ort:    skipped (no node or onnxruntime-node in $ort_dir)"
fi
theirs='{}'
if [ $have_torch = 1 ]; then
  theirs=$(/usr/bin/python3 tools/bench/torch_bench.py --seed 0 --input "$input" --runs "$runs" --threads "$(nproc)" $scorecam_flag)
  echo "torch:  $theirs"
else
  echo "torch:  skipped (python3-torch is not installed)"
fi
/usr/bin/python3 - "$ours" "$theirs" "$ort" <<'PY'
import json, sys
o, t, r = json.loads(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3])
rows = [("load (first in process)", "load_first_s", "load_s"),
        ("load (median of runs)", "load_s", "load_s"), ("forward", "forward_s", "forward_s"),
        ("forward + gradient", "forward_grad_s", "forward_grad_s"),
        ("new image → Grad-CAM map", "new_image_gradcam_s", "gradcam_s"),
        ("second class (backward)", "second_class_s", "second_class_s"),
        ("peak RSS (MB)", "peak_rss_mb", "peak_rss_mb")]
print(f"camviz kernels: {o.get('blas')} {o.get('blas_core')} on {o.get('cpu')}")
if r.get("forward_s"):
    f = r["forward_s"]
    print(f"ONNX Runtime {r.get('ort_version')}: forward {f:.3f} s (min {r['forward_min_s']:.3f}); "
          f"camviz forward {o['forward_s'] / f:.2f}×, new image → Grad-CAM {o['new_image_gradcam_s'] / f:.2f}× ORT's forward")
print(f"{'':28s} {'camviz':>10s} {'torch':>10s} {'ratio':>7s}")
for name, ko, kt in rows:
    a, b = o.get(ko), t.get(kt)
    r = f"{a / b:7.2f}" if a and b else "      -"
    print(f"{name:28s} {a if a is not None else float('nan'):10.3f} {b if b is not None else float('nan'):10.3f} {r}")
ours_sc, theirs_sc = o.get("method_s", {}).get("scorecam"), t.get("scorecam_s")
if ours_sc and theirs_sc:
    print(f"{'ScoreCAM map (512 passes)':28s} {ours_sc:10.3f} {theirs_sc:10.3f} {ours_sc / theirs_sc:7.2f}")
if o.get("scorecam_first_partial_s"):
    print(f"{'first partial ScoreCAM map':28s} {o['scorecam_first_partial_s']:10.3f}")
print(f"{'loaded + one map: RSS (MB)':28s} {o.get('rss_one_map_mb', 0):10.0f}   peak {o.get('peak_one_map_mb', 0):.0f} MB")
print(f"{'RSS after every method (MB)':28s} {o['rss_mb']:10.0f}")
for k, v in sorted(o.get("method_s", {}).items()):
    print(f"  {k:26s} {v:10.4f} s")
PY
