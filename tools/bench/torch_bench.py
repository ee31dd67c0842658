#!/usr/bin/python3
"""Times torch on the same VGG16 ONNX-equivalent model camviz benchmarks.

Needs Debian's python3-torch and python3-torchvision. Prints one JSON
object: medians in seconds of torch's forward, forward+backward to
features[29], and a Grad-CAM map computed the way pytorch-grad-cam's
GradCAM does (hooks on features[29], backward of the raw class score,
channel weights = mean gradient, ReLU of the weighted sum, min-max,
bilinear resize to 224, min-max) — pytorch-grad-cam itself is not packaged
for Debian, so this reproduces its work step for step. Also a second
class on the same image (backward only, retained graph) and peak RSS.
With --scorecam, also one ScoreCAM map at features[29] done as
pytorch-grad-cam's ScoreCAM.get_cam_weights does it (every channel
upsampled, min-max normalised, the masked images run through the model in
batches of 16, softmax of the class scores) — timed once: 512 forward
passes. With --pgc too, pytorch-grad-cam's own ScoreCAM class instead
(pgc_scorecam_s, also given as scorecam_s).

Usage: torch_bench.py --seed 0 --input IN.npy [--runs 5] [--threads 2]
                      [--arch vgg16 --layer features.29]
The model is torchvision's ARCH with torch.manual_seed(SEED) weights: for
vgg16 the same weights as shared/tools/export_vgg16.py writes for that
seed, for any other ARCH those of shared/tools/export_cnn.py (BatchNorm
statistics randomised the same way). --layer names the module whose
output the maps use (pytorch-grad-cam's target layer).
"""
import argparse
import json
import resource
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F
import torchvision

ap = argparse.ArgumentParser()
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--input", required=True)
ap.add_argument("--runs", type=int, default=5)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--scorecam", action="store_true")
ap.add_argument("--arch", default="vgg16")
ap.add_argument("--pgc", help="folder holding pytorch-grad-cam's pytorch_grad_cam package: also time its GradCAM")
ap.add_argument("--layer", default="features.29")
a = ap.parse_args()
torch.set_num_threads(a.threads)
t0 = time.perf_counter()
torch.manual_seed(a.seed)
if a.arch == "vgg16":
    model = torchvision.models.vgg16(weights=None).eval()
else:  # as export_cnn.py builds it
    kw = {"weights": None, "num_classes": 1000}
    if a.arch == "googlenet":
        kw.update(aux_logits=False, init_weights=True)
    model = getattr(torchvision.models, a.arch)(**kw).eval()
    g = torch.Generator().manual_seed(a.seed + 1)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.running_mean.uniform_(-0.2, 0.2, generator=g)
                m.running_var.uniform_(0.5, 2.0, generator=g)
                m.weight.uniform_(0.5, 1.5, generator=g)
                m.bias.uniform_(-0.1, 0.1, generator=g)
load_s = time.perf_counter() - t0
x = torch.from_numpy(np.load(a.input))


def med(fn):
    fn()  # warm-up
    ts = []
    for _ in range(a.runs):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def forward():
    with torch.no_grad():
        model(x)


store = {}
layer = model.get_submodule(a.layer)
layer.register_forward_hook(lambda m, i, o: store.__setitem__("act", o))


def fwd_bwd(cls=None):
    # What pytorch-grad-cam does: a full autograd pass (parameter
    # gradients included), the activation's gradient kept by a hook.
    out = model(x)
    k = int(out.argmax()) if cls is None else cls
    store["act"].retain_grad()
    model.zero_grad()
    out[0, k].backward(retain_graph=True)
    return out, store["act"]


def fwd_bwd_minimal():
    # The least torch can do: no parameter gradients, the backward pass
    # stops at features[29] (VGG16 only: the split is VGG's).
    with torch.no_grad():
        a = model.features[:30](x)
    a.requires_grad_(True)
    h = model.features[30:](a)
    out = model.classifier(torch.flatten(model.avgpool(h), 1))
    out[0, int(out.argmax())].backward()
    return a.grad


def gradcam():
    out, act = fwd_bwd()
    g = act.grad
    w = g.mean(dim=(2, 3), keepdim=True)
    cam = F.relu((w * act).sum(1, keepdim=True)).detach()
    cam = cam - cam.min()
    cam = cam / (1e-7 + cam.max())
    cam = F.interpolate(cam, size=tuple(x.shape[-2:]), mode="bilinear", align_corners=False)
    cam = cam - cam.min()
    return (cam / (1e-7 + cam.max())).numpy()


def second_class():
    out = store["out"]
    act = store["act"]
    act.grad = None
    store["k"] = (store["k"] + 1) % 1000
    out[0, store["k"]].backward(retain_graph=True)


res = {
    "torch": torch.__version__,
    "threads": a.threads,
    "runs": a.runs,
    "load_s": load_s,
    "forward_s": med(forward),
    "forward_grad_s": med(fwd_bwd_minimal) if a.arch == "vgg16" and a.layer == "features.29" else None,
    "forward_grad_full_autograd_s": med(lambda: fwd_bwd()),
    "gradcam_s": med(gradcam),
}
out, act = fwd_bwd()
store["out"], store["k"] = out, 0
res["second_class_s"] = med(second_class)


def scorecam():
    with torch.no_grad():
        model(x)
        act = store["act"]
        k = int(store["out"][0].argmax())
        up = torch.nn.UpsamplingBilinear2d(size=x.shape[-2:])(act)
        flat = up.view(up.size(0), up.size(1), -1)
        maxs, mins = flat.max(dim=-1)[0][:, :, None, None], flat.min(dim=-1)[0][:, :, None, None]
        up = (up - mins) / (maxs - mins + 1e-8)
        inputs = x[:, None, :, :] * up[:, :, None, :, :]
        scores = []
        for tensor in inputs:
            for i in range(0, tensor.size(0), 16):
                scores.extend(model(tensor[i:i + 16])[:, k].tolist())
        w = torch.softmax(torch.tensor(scores), dim=-1)
        return F.relu((w[None, :, None, None] * act).sum(1))


def use_pgc(folder):
    """pytorch-grad-cam's GradCAM from a source folder, imported as the fixtures script does
    (with its ttach stand-in: ttach is not in Debian)."""
    import os
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
    import families
    families.use_pgc(folder)
    from pytorch_grad_cam import GradCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
    return GradCAM, ClassifierOutputTarget


if a.pgc:
    GradCAM, Target = use_pgc(a.pgc)
    with torch.no_grad():
        k0 = int(model(x).argmax())
    cam_obj = GradCAM(model=model, target_layers=[model.get_submodule(a.layer)])
    res["pgc_gradcam_s"] = med(lambda: cam_obj(input_tensor=x, targets=[Target(k0)]))

if a.scorecam and a.pgc:
    # pytorch-grad-cam's own ScoreCAM (batches of 16, its default), once.
    from pytorch_grad_cam import ScoreCAM
    sc = ScoreCAM(model=model, target_layers=[model.get_submodule(a.layer)])
    t = time.perf_counter()
    sc(input_tensor=x, targets=[Target(k0)])
    res["pgc_scorecam_s"] = time.perf_counter() - t
    res["scorecam_s"] = res["pgc_scorecam_s"]
elif a.scorecam:
    t = time.perf_counter()
    scorecam()
    res["scorecam_s"] = time.perf_counter() - t
res["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(res))
