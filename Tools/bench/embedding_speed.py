#!/usr/bin/env python3
"""Out-of-sample embedding of the 10,000 Fashion-MNIST test images, timed in one run: `vae embed` (the whole
command: start, read, encode, write), vaed (`vaectl bench --method encode`, 100 images a request, converted to the
time for 10,000), PCA's transform (numpy, fitted on the first 20,000 training images), and umap-learn's `transform`
(fitted on the same 20,000) when umap-learn is installed.

    python3 Tools/bench/embedding_speed.py MODEL [--repeats 5] [--skip-umap] [--json]

MODEL is a trained model (a .vaez file or a training folder) of Fashion-MNIST; use the release builds
(`swift build -c release`). This script installs nothing. umap-learn is optional and not installed by Tools/setup
(it brings numba and llvmlite, ~150 MB): `python3 -m pip install umap-learn` to add it to the comparison. The
UMAP fit (about a minute here) is not timed; its first transform (numba compiling) is a warm-up, not counted.
Figures are the median of --repeats runs, each side in turn, so the machine's drift hits all alike.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import machine  # noqa: E402
import serving  # noqa: E402  (release_binary, start, stop, bench)

FASHION = Path("/usr/share/datasets/fashion-mnist")
FIT_COUNT = 20_000
TEST_COUNT = 10_000
REQUEST_IMAGES = 100


def idx_images(name: str) -> np.ndarray:
    raw = gzip.decompress((FASHION / name).read_bytes())
    count = int.from_bytes(raw[4:8], "big")
    return (np.frombuffer(raw, np.uint8, count * 784, 16).reshape(count, 784) / np.float32(255)).astype(np.float32)


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="a trained Fashion-MNIST model: .vaez file or training folder")
    parser.add_argument("--repeats", type=int, default=5, help="runs of each side (median reported)")
    parser.add_argument("--skip-umap", action="store_true", help="leave umap-learn out even when installed")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    options = parser.parse_args()
    if options.repeats < 1:
        parser.error("--repeats must be at least 1")
    model = os.path.abspath(options.model)
    if not os.path.exists(model):
        sys.exit(f"error: {options.model}: no such file or folder")

    vae, vaed, vaectl = (serving.release_binary(name) for name in ("vae", "vaed", "vaectl"))
    train = idx_images("train-images-idx3-ubyte.gz")[:FIT_COUNT]
    test = idx_images("t10k-images-idx3-ubyte.gz")[:TEST_COUNT]
    inspected = subprocess.run([vae, "inspect", model, "--json"], check=True, capture_output=True, text=True)
    z_dim = int(json.loads(inspected.stdout)["metadata"]["architecture"]["z_dim"])

    # PCA by SVD of the centred fit set: what sklearn's PCA(svd_solver="full") computes.
    mean = train.mean(axis=0)
    components = np.linalg.svd(train - mean, full_matrices=False)[2][:z_dim]

    reducer = None
    if not options.skip_umap:
        try:
            import umap  # type: ignore
        except ImportError:
            print("umap-learn is not installed: python3 -m pip install umap-learn (to compare with UMAP)",
                  file=sys.stderr)
        else:
            reducer = umap.UMAP(n_components=z_dim, random_state=1).fit(train)
            reducer.transform(test[:100])  # numba compiles here

    work = tempfile.mkdtemp(prefix="embed-bench-")
    sock = f"{work}/vaed.sock"
    process, _ = serving.start(vaed, model, sock)
    seconds: dict[str, list[float]] = {"vae embed": [], "vaed encode": [], "PCA transform": []}
    if reducer is not None:
        seconds["UMAP transform"] = []
    try:
        for _ in range(options.repeats):
            seconds["vae embed"].append(timed(lambda: subprocess.run(
                [vae, "embed", model, "-o", f"{work}/codes.npy"], check=True, capture_output=True)))
            report, _ = serving.bench(vaectl, sock, ["--method", "encode", "--images", str(REQUEST_IMAGES),
                                                     "--connections", "2", "--depth", "2"], 3)
            seconds["vaed encode"].append(TEST_COUNT / report["images_per_second"])
            seconds["PCA transform"].append(timed(lambda: (test - mean) @ components.T))
            if reducer is not None:
                seconds["UMAP transform"].append(timed(lambda: reducer.transform(test)))
    finally:
        serving.stop(process)

    medians = {name: statistics.median(values) for name, values in seconds.items()}
    if options.json:
        print(json.dumps({"cpu": machine.cpu_model(), "z_dim": z_dim, "images": TEST_COUNT,
                          "seconds": medians, "runs": seconds}, indent=2))
        return
    print(f"embedding {TEST_COUNT:,} Fashion-MNIST test images, z = {z_dim}, median of {options.repeats}")
    print(f"CPU: {machine.cpu_model()}")
    for name, value in medians.items():
        print(f"  {name:<15} {value * 1000:10.1f} ms")


if __name__ == "__main__":
    main()
