#!/usr/bin/env bash
# Side-by-side benchmark: camviz and torch on the same seeded full-size
# VGG16, same input, same machine, one run. Generates the model on demand
# (Debian python3-torch); the torch half is skipped, with a message, when
# python3-torch is absent.
#   scripts/bench.sh [RUNS]
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
ours=$(/tmp/camviz-bench bench -model "$model" -input "$input" -runs "$runs" -methods all -json)
echo "camviz: $ours"
theirs='{}'
if [ $have_torch = 1 ]; then
  theirs=$(/usr/bin/python3 tools/bench/torch_bench.py --seed 0 --input "$input" --runs "$runs" --threads "$(nproc)" --scorecam)
  echo "torch:  $theirs"
else
  echo "torch:  skipped (python3-torch is not installed)"
fi
/usr/bin/python3 - "$ours" "$theirs" <<'PY'
import json, sys
o, t = json.loads(sys.argv[1]), json.loads(sys.argv[2])
rows = [("load (first in process)", "load_first_s", "load_s"),
        ("load (median of runs)", "load_s", "load_s"), ("forward", "forward_s", "forward_s"),
        ("forward + gradient", "forward_grad_s", "forward_grad_s"),
        ("new image → Grad-CAM map", "new_image_gradcam_s", "gradcam_s"),
        ("second class (backward)", "second_class_s", "second_class_s"),
        ("peak RSS (MB)", "peak_rss_mb", "peak_rss_mb")]
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
