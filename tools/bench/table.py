#!/usr/bin/python3
"""Prints scripts/bench.sh's table from the three sides' JSON: camviz bench,
torch_bench.py and ort_bench.js (an empty object for a side that did not run)."""
import json
import sys

o, t, r = (json.loads(s) for s in sys.argv[1:4])
print(f"camviz kernels: {o.get('blas')} {o.get('blas_core')} on {o.get('cpu')}")
if r.get("forward_s"):
    f = r["forward_s"]
    print(f"ONNX Runtime {r.get('ort_version')}: forward {f:.3f} s (min {r['forward_min_s']:.3f}); "
          f"camviz forward {o['forward_s'] / f:.2f}×, new image → Grad-CAM {o['new_image_gradcam_s'] / f:.2f}× ORT's forward")
if o.get("batch_images_per_s"):
    line = (f"batched forward ({o['batch']} images): camviz {o['batch_images_per_s']:.2f} images/s "
            f"(one image: {o.get('images_per_s', 0):.2f}/s)")
    if r.get("batch_images_per_s"):
        line += (f"; ONNX Runtime {r['batch_images_per_s']:.2f} images/s (one image: {r.get('images_per_s', 0):.2f}/s); "
                 f"camviz {r['batch_images_per_s'] / o['batch_images_per_s']:.2f}× ORT's time per image")
    print(line)
pgc = t.get("pgc_gradcam_s") or t.get("gradcam_s")
rows = [("load (first in process)", o.get("load_first_s"), t.get("load_s")),
        ("load (median of runs)", o.get("load_s"), t.get("load_s")),
        ("forward", o.get("forward_s"), t.get("forward_s")),
        ("forward + gradient", o.get("forward_grad_s"), t.get("forward_grad_s")),
        ("new image → Grad-CAM map", o.get("new_image_gradcam_s"), pgc),
        ("second class (backward)", o.get("second_class_s"), t.get("second_class_s")),
        ("peak RSS (MB)", o.get("peak_rss_mb"), t.get("peak_rss_mb"))]
print(f"{'':28s} {'camviz':>10s} {'torch':>10s} {'ratio':>7s}")
for name, a, b in rows:
    ratio = f"{a / b:7.2f}" if a and b else "      -"
    fa = f"{a:10.3f}" if a is not None else f"{'-':>10s}"
    fb = f"{b:10.3f}" if b is not None else f"{'-':>10s}"
    print(f"{name:28s} {fa} {fb} {ratio}")
if t.get("pgc_gradcam_s"):
    print(f"  (torch's Grad-CAM column: pytorch-grad-cam's GradCAM itself; its steps by hand: {t['gradcam_s']:.3f} s)")
ours_sc, theirs_sc = o.get("method_s", {}).get("scorecam"), t.get("scorecam_s")
if ours_sc and theirs_sc:
    who = " (pytorch-grad-cam's ScoreCAM)" if t.get("pgc_scorecam_s") else ""
    print(f"{'ScoreCAM map (every channel)':28s} {ours_sc:10.3f} {theirs_sc:10.3f} {ours_sc / theirs_sc:7.2f}{who}")
if o.get("scorecam_first_partial_s"):
    print(f"{'first partial ScoreCAM map':28s} {o['scorecam_first_partial_s']:10.3f}")
for k, v in sorted(o.get("another_class_s", {}).items()):
    print(f"{k + ', another class':28s} {v:10.4f}")
print(f"{'loaded + one map: RSS (MB)':28s} {o.get('rss_one_map_mb', 0):10.0f}   peak {o.get('peak_one_map_mb', 0):.0f} MB")
print(f"{'RSS after every method (MB)':28s} {o['rss_mb']:10.0f}")
for k, v in sorted(o.get("method_s", {}).items()):
    print(f"  {k:26s} {v:10.4f} s")
