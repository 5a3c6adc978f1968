#!/usr/bin/env python3
"""Accuracy of the exported ONNX graphs per weight dtype, as README's table
measures the .vaez dtypes: on the whole Fashion-MNIST test set, with
onnxruntime, the loss per image of each export against the f32 graph's, and
the largest differences of mu and of the reconstruction.

    python3 Tools/bench/onnx_dtypes.py MODEL.vaez [--vae PATH]

Exports: `--dtype f32` and `--dtype f16` ONNX graphs of MODEL, and f32 graphs
of MODEL written as f16 and int8 .vaez (the values vaed serves for those
files). Loss: BCE of the image against decoder(mu), summed over pixels, plus
the KL term, averaged over images (deterministic: the code is mu, where the
trainer's test loss samples one z). It prints a markdown table for README,
wider than 80 columns (six columns).
"""

from __future__ import annotations

import argparse
import gzip
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnxruntime as ort

FASHION = Path("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")


def test_set() -> np.ndarray:
    raw = gzip.decompress(FASHION.read_bytes())
    count = int.from_bytes(raw[4:8], "big")
    return (np.frombuffer(raw, np.uint8, count * 784, 16).reshape(count, 784) / np.float32(255)).astype(np.float32)


def run(folder: Path, images: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    encoder = ort.InferenceSession(str(folder / "encoder.onnx"), providers=["CPUExecutionProvider"])
    decoder = ort.InferenceSession(str(folder / "decoder.onnx"), providers=["CPUExecutionProvider"])
    names = [o.name for o in encoder.get_outputs()]
    outputs = dict(zip(names, encoder.run(None, {"x": images})))
    mu = outputs.get("mu", outputs.get("z"))
    logvar = outputs.get("logvar", np.zeros_like(mu))
    return mu, logvar, decoder.run(["x"], {"z": mu})[0]


def loss(images: np.ndarray, mu: np.ndarray, logvar: np.ndarray, p: np.ndarray) -> float:
    p = np.clip(p.astype(np.float64), 1e-12, 1 - 1e-12)
    x = images.astype(np.float64)
    bce = -np.sum(x * np.log(p) + (1 - x) * np.log(1 - p), axis=1)
    kl = -0.5 * np.sum(1 + logvar - mu.astype(np.float64) ** 2 - np.exp(logvar.astype(np.float64)), axis=1)
    return float(np.mean(bce + kl))


def run_vae(vae: str, *arguments: str) -> None:
    """Runs vae; when it fails, exits 1 with its error on one line (not a traceback)."""
    result = subprocess.run([vae, *arguments], capture_output=True, text=True)
    if result.returncode != 0:
        message = " ".join(result.stderr.split()) or f"exit status {result.returncode}"
        sys.exit(f"vae {arguments[0]} failed: {message}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("--vae", default=".build/release/vae", help="the vae binary (default: %(default)s)")
    arguments = parser.parse_args()
    if not Path(arguments.vae).is_file():
        sys.exit(f"error: {arguments.vae} not found: build it with `swift build -c release`, or pass --vae PATH")
    images = test_set()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)

        def export(source, folder, dtype):
            run_vae(arguments.vae, "export", str(source), "--onnx", str(root / folder), "--dtype", dtype)
            return root / folder

        exports = {"ONNX f32": export(arguments.model, "f32", "f32"), "ONNX f16": export(arguments.model, "f16", "f16")}
        for dtype in ("f16", "int8"):
            vaez = root / f"model-{dtype}.vaez"
            run_vae(arguments.vae, "export", arguments.model, "--dtype", dtype, "-o", str(vaez))
            exports[f".vaez {dtype} → ONNX f32"] = export(vaez, f"vaez-{dtype}", "f32")
        reference = run(exports["ONNX f32"], images)
        base = loss(images, *reference)
        print(f"{len(images)} Fashion-MNIST test images, {arguments.model}")
        print("| export | encoder.onnx bytes | loss per image | change vs f32 | max abs Δ mu "
              "| max abs Δ reconstruction |")
        print("|---|---|---|---|---|---|")
        for label, folder in exports.items():
            mu, logvar, p = run(folder, images)
            value = loss(images, mu, logvar, p)
            print(f"| {label} | {(folder / 'encoder.onnx').stat().st_size:,} | {value:.4f} | {100 * (value - base) / base:+.2g}% | "
                  f"{float(np.max(np.abs(mu - reference[0]))):.2e} | {float(np.max(np.abs(p - reference[2]))):.2e} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
