#!/usr/bin/env python3
"""The encoder on one image and on a batch of 64, in-process, in one run:
onnxruntime (Python API, intra-op threads 1 and 2) on the graph
`vae export --onnx` writes, against the serving engine's own forward pass
(`vae bench encoder`: Network.encode as vaed's compute threads call it, no
transport; GEMM threads 1, as vaed runs it, and 2).

    python3 Tools/bench/onnx_encoder.py [MODEL.vaez] [--vae PATH]
        [--seconds S] [--json]

Without MODEL it writes a random-weight model of the seed architecture
(784-400-256-128, z = 20; timing does not depend on the weights' values)
with Tools/vaez.py. Inputs are the first 64 Fashion-MNIST test images (their
zeros matter: the engine takes a sparse path for one mostly-zero image).
Figures are the median (and best) time per call, each measured for --seconds
after a warm-up; the two sides are timed alternately per configuration.

It prints the CPU, the GEMM kernels and the model, then a markdown table in
README's layout (batch, threads, onnxruntime and engine median (best) µs per
call, which is faster), each line within 80 columns.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

TOOLS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TOOLS))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import machine  # noqa: E402
import make_vectors  # noqa: E402
import vaez  # noqa: E402

FASHION = Path("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")
BATCHES = (1, 64)


def images(count: int) -> np.ndarray:
    raw = gzip.decompress(FASHION.read_bytes())
    return (np.frombuffer(raw, np.uint8, count * 784, 16).reshape(count, 784) / np.float32(255)).astype(np.float32)


def seed_model(directory: Path) -> Path:
    arch = {"kind": "vae", "input": {"height": 28, "width": 28, "channels": 1}, "hidden": [400, 256, 128],
            "z_dim": 20, "activation": "relu", "output_activation": "sigmoid"}
    path = directory / "seed.vaez"
    path.write_bytes(vaez.to_bytes(make_vectors.make_metadata(arch), make_vectors.make_weights(arch, 1)))
    return path


def time_onnxruntime(graph: Path, batch: np.ndarray, threads: int, seconds: float) -> dict:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
    feed = {"x": batch}
    warm_until = time.perf_counter() + seconds / 10
    while time.perf_counter() < warm_until:
        session.run(None, feed)
    times = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(times) < 20:
        start = time.perf_counter_ns()
        session.run(None, feed)
        times.append((time.perf_counter_ns() - start) / 1e3)
    times.sort()
    return {"median_us": times[len(times) // 2], "best_us": times[0], "calls": len(times)}


def run_vae(vae: str, *arguments: str) -> str:
    """Runs vae; when it fails, exits 1 with its error on one line (not a traceback)."""
    result = subprocess.run([vae, *arguments], capture_output=True, text=True)
    if result.returncode != 0:
        message = " ".join(result.stderr.split()) or f"exit status {result.returncode}"
        sys.exit(f"vae {arguments[0]} failed: {message}")
    return result.stdout


def time_engine(vae: str, model: Path, inputs: Path, size: int, threads: int, seconds: float) -> dict:
    output = run_vae(vae, "bench", "encoder", str(model), "--input", str(inputs), "--batch", str(size),
                     "--threads", str(threads), "--seconds", str(seconds), "--json")
    row = json.loads(output)["results"][0]
    return {"median_us": row["median_us"], "best_us": row["best_us"], "calls": row["calls"]}


def figure(row: dict) -> str:
    """Median (best) µs per call: `25.2 (24.0)`, thousands separated."""
    return f"{row['median_us']:,.1f} ({row['best_us']:,.1f})"


def faster(onnxruntime: dict, engine: dict) -> str:
    """Which median is lower, and by how much: `engine, 2.7×`."""
    ratio = onnxruntime["median_us"] / engine["median_us"]
    return f"engine, {ratio:.2f}×" if ratio >= 1 else f"onnxruntime, {1 / ratio:.2f}×"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", nargs="?", help="a .vaez model (default: a random seed-architecture VAE)")
    parser.add_argument("--vae", default=".build/release/vae", help="the vae binary (default: %(default)s)")
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds per figure (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    arguments = parser.parse_args()
    if not Path(arguments.vae).is_file():
        sys.exit(f"error: {arguments.vae} not found: build it with `swift build -c release`, or pass --vae PATH")

    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        model = Path(arguments.model) if arguments.model else seed_model(directory)
        run_vae(arguments.vae, "export", str(model), "--onnx", str(directory / "onnx"))
        graph = directory / "onnx" / "encoder.onnx"
        data = images(max(BATCHES))
        inputs = directory / "images.f32"
        inputs.write_bytes(data.astype("<f4").tobytes())
        rows = []
        for size in BATCHES:
            for threads in (1, 2):
                rows.append({"batch": size, "threads": threads, "runtime": "onnxruntime " + ort.__version__,
                             **time_onnxruntime(graph, data[:size], threads, arguments.seconds)})
                rows.append({"batch": size, "threads": threads, "runtime": "vae engine (Network.encode)",
                             **time_engine(arguments.vae, model, inputs, size, threads, arguments.seconds)})

    report = {"cpu": machine.cpu_model(), "gemm": machine.gemm_kernels(arguments.vae),
              "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "model": str(arguments.model or "random seed-architecture VAE 784-400-256-128, z = 20"), "rows": rows}
    if arguments.json:
        print(json.dumps(report))
        return 0
    # One fact a line, so that each fits 80 columns.
    print(f"{report['cpu']}, {report['date']}")
    print(f"GEMM: {report['gemm']}")
    print(f"model: {report['model']}")
    print("| batch | threads | onnxruntime | vae engine | faster |")
    print("|---|---|---|---|---|")
    for ours, theirs in zip(rows[1::2], rows[0::2]):
        print(f"| {ours['batch']} | {ours['threads']} | {figure(theirs)} | {figure(ours)} | {faster(theirs, ours)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
