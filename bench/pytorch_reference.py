#!/usr/bin/env python3
"""PyTorch reference for CareLens's training and inference benchmarks (bench/train.ts,
bench/predict.ts run it beside tfjs, in the same sitting). Debian's python3-torch:
`apt-get install python3-torch`, run with /usr/bin/python3.

The models mirror src/main/ml/models.ts exactly (same layers, same padding, logits out).

  pytorch_reference.py blas
  pytorch_reference.py throughput --arch seed-cnn --size 28 --channels 1 --steps 20
  pytorch_reference.py epochs --arch default --epochs 3 --data ../shared/data/images/pneumoniamnist [--size 112 --channels 3 --limit 512 --augment]
  pytorch_reference.py infer --arch seed-cnn --size 28 --channels 1

Prints one JSON object on stdout; every mode includes `blas` (which BLAS library the process
loaded, from /proc/self/maps after a matrix product, and the libblas.so.3 alternative).
Debian's python3-torch runs on whatever libblas.so.3 is installed: with the reference BLAS
(libblas3) its dense layers run 3-5x slower, so benchmarks refuse to compare against it.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

import torch
import torch.nn as nn


def seed_cnn(size, ch, classes):
    return nn.Sequential(
        nn.Conv2d(ch, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * (size // 4) * (size // 4), 1000), nn.ReLU(), nn.Linear(1000, classes))


def default_cnn(size, ch, classes):
    layers = []
    cin = ch
    for i, f in enumerate([16, 32, 64]):
        for _ in range(2):
            layers += [nn.Conv2d(cin, f, 3, padding=1, bias=False), nn.BatchNorm2d(f), nn.ReLU()]
            cin = f
        if i < 2:
            layers.append(nn.MaxPool2d(2))
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.3), nn.Linear(64, classes)]
    return nn.Sequential(*layers)


def build(arch, size, ch, classes):
    return seed_cnn(size, ch, classes) if arch == 'seed-cnn' else default_cnn(size, ch, classes)


def optimiser(arch, model, adam):
    if adam or arch == 'default':
        return torch.optim.Adam(model.parameters(), lr=1e-3)
    return torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)


def blas_info():
    """Which BLAS this process really uses: the libraries mapped after a matrix product."""
    a = torch.randn(256, 256)
    float((a @ a).sum())
    libs = set()
    with open('/proc/self/maps') as f:
        for line in f:
            path = line.split()[-1] if len(line.split()) >= 6 else ''
            if re.search(r'(blas|lapack|mkl|blis|atlas)', os.path.basename(path), re.I):
                libs.add(path)
    names = ' '.join(sorted(libs)).lower()
    if 'openblas' in names:
        kind = 'OpenBLAS'
    elif 'mkl' in names:
        kind = 'MKL'
    elif 'blis' in names:
        kind = 'BLIS'
    elif 'atlas' in names:
        kind = 'ATLAS'
    elif re.search(r'/blas/libblas\.so', names):
        kind = 'reference'
    else:
        kind = 'unknown'
    alternative = ''
    try:
        q = subprocess.run(['update-alternatives', '--query', 'libblas.so.3-x86_64-linux-gnu'], capture_output=True, text=True, timeout=10).stdout
        m = re.search(r'^Value: (.*)$', q, re.M)
        alternative = m.group(1) if m else ''
    except (OSError, subprocess.SubprocessError):
        pass
    config = torch.__config__.show()
    m = re.search(r'BLAS_INFO=([^,]+)', config)
    dnnl = re.search(r'MKL-DNN v([0-9.]+)', config)
    cap = re.search(r'CPU capability usage: (\S+)', config)
    return {'kind': kind, 'libraries': sorted(libs), 'alternative': alternative, 'build_blas_info': m.group(1) if m else '',
            'onednn': dnnl.group(1) if dnnl else '', 'cpu_capability': cap.group(1) if cap else ''}


def load_split(root, split, size=28, channels=1, limit=0):
    """Reads <root>/<split>/<label>_<class>/*.png as float tensors (N,C,size,size) in [0,1]
    (bilinear resize; grey replicated to RGB). With `limit`, the first `limit` files of the
    sorted list taken round-robin over the class folders (as bench/train.ts does)."""
    from PIL import Image  # Debian python3-pil
    import numpy as np
    base = os.path.join(root, split)
    per_class = []
    for d in sorted(os.listdir(base)):
        label = int(d.split('_')[0])
        per_class.append([(os.path.join(base, d, f), label) for f in sorted(os.listdir(os.path.join(base, d)))])
    files = [item for group in per_class for item in group]
    if limit:
        files = []
        i = 0
        while len(files) < limit and any(i < len(g) for g in per_class):
            files += [g[i] for g in per_class if i < len(g)]
            i += 1
        files = files[:limit]
    xs, ys = [], []
    for path, label in files:
        img = Image.open(path).convert('RGB' if channels == 3 else 'L')
        if img.size != (size, size):
            img = img.resize((size, size), Image.BILINEAR)
        arr = np.asarray(img, dtype=np.float32) / 255.0
        xs.append(arr if channels == 3 else arr[:, :, None])
        ys.append(label)
    x = torch.from_numpy(np.stack(xs)).permute(0, 3, 1, 2).contiguous()
    return x, torch.tensor(ys)


def augment(x, g):
    """Random horizontal flips and shifts of up to 2 px with zero fill (CareLens's `default`
    recipe; torchvision's RandomCrop(padding=2) + RandomHorizontalFlip), per image."""
    n, _, h, w = x.shape
    flip = torch.rand(n, generator=g) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    padded = torch.nn.functional.pad(x, (2, 2, 2, 2))
    dy = torch.randint(0, 5, (n,), generator=g)
    dx = torch.randint(0, 5, (n,), generator=g)
    return torch.stack([padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w] for i in range(n)])


def main():
    p = argparse.ArgumentParser()
    p.add_argument('mode', choices=['blas', 'throughput', 'epochs', 'infer'])
    p.add_argument('--arch', default='seed-cnn')
    p.add_argument('--size', type=int, default=28)
    p.add_argument('--channels', type=int, default=1)
    p.add_argument('--classes', type=int, default=10)
    p.add_argument('--steps', type=int, default=20)
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--epochs', type=int, default=3)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--adam', action='store_true')
    p.add_argument('--data', default='')
    p.add_argument('--limit', type=int, default=0)
    p.add_argument('--augment', action='store_true')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    out = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'arch': a.arch, 'size': a.size, 'channels': a.channels,
           'blas': blas_info()}
    if a.mode == 'blas':
        out.update({'mode': 'blas', 'cpu_count': os.cpu_count(), 'load_average': os.getloadavg()})
    elif a.mode == 'throughput':
        model = build(a.arch, a.size, a.channels, a.classes)
        opt = optimiser(a.arch, model, a.adam)
        x = torch.randn(a.batch, a.channels, a.size, a.size)
        y = torch.randint(0, a.classes, (a.batch,))
        loss_fn = nn.CrossEntropyLoss()
        model.train()
        times = []
        for i in range(a.steps + 3):
            t0 = time.perf_counter()
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            float(loss)
            if i >= 3:
                times.append(time.perf_counter() - t0)
        med = statistics.median(times)
        out.update({'mode': 'throughput', 'median_step_ms': med * 1000, 'images_per_second': a.batch / med})
    elif a.mode == 'epochs':
        x, y = load_split(a.data, 'train', a.size, a.channels, a.limit)
        classes = int(y.max()) + 1
        model = build(a.arch, a.size, a.channels, classes)
        opt = optimiser(a.arch, model, a.adam)
        loss_fn = nn.CrossEntropyLoss()
        g = torch.Generator().manual_seed(0)
        rates = []
        for e in range(a.epochs):
            model.train()
            perm = torch.randperm(len(x), generator=g)
            t0 = time.perf_counter()
            for i in range(0, len(x), a.batch):
                idx = perm[i:i + a.batch]
                xb = augment(x[idx], g) if a.augment else x[idx]
                opt.zero_grad()
                loss = loss_fn(model(xb), y[idx])
                loss.backward()
                opt.step()
            float(loss)
            rates.append(len(x) / (time.perf_counter() - t0))
        out.update({'mode': 'epochs', 'images': len(x), 'images_per_second_per_epoch': rates})
    else:
        model = build(a.arch, a.size, a.channels, a.classes).eval()
        lat = []
        with torch.no_grad():
            one = torch.randn(1, a.channels, a.size, a.size)
            for i in range(60):
                t0 = time.perf_counter()
                model(one)
                if i >= 10:
                    lat.append((time.perf_counter() - t0) * 1000)
            big = torch.randn(256, a.channels, a.size, a.size) if a.size <= 28 else torch.randn(32, a.channels, a.size, a.size)
            rates = []
            for i in range(8):
                t0 = time.perf_counter()
                model(big)
                if i >= 2:
                    rates.append(big.shape[0] / (time.perf_counter() - t0))
        lat.sort()
        out.update({'mode': 'infer', 'p50_ms': lat[len(lat) // 2], 'p95_ms': lat[int(len(lat) * 0.95) - 1],
                    'batch': big.shape[0], 'images_per_second': statistics.median(rates)})
    json.dump(out, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
