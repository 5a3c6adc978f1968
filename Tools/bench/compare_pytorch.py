#!/usr/bin/env python3
"""Speed and quality of `vae train` against the PyTorch reference, side by side on this machine.

For each architecture, runs both trainers for --epochs epochs with the same settings (Fashion-MNIST, batch 128,
Adam lr 1e-3, seed 1, --threads threads), alternating rounds so that machine load affects both alike. Speed: the
best and the median epoch (samples/s) over all epochs after the first (which includes warm-up) of all rounds; the
speedup compares best with best, since load from elsewhere only ever slows a run down. Quality: the test loss after
the last epoch (both trainers are seeded; ours is bit-for-bit deterministic).

usage: compare_pytorch.py [--epochs 10] [--rounds 1] [--threads 2] [--configs examples-z20,examples-z2,seed-z20,seed-z2]
needs: a release build (swift build -c release) and torch (pip install torch; CPU wheels suffice)
"""
import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from machine import cpu_model, gemm_kernels

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = {
    "examples-z20": ("400", 20),
    "examples-z2": ("400", 2),
    "seed-z20": ("400,256,128", 20),
    "seed-z2": ("400,256,128", 2),
}


def run_ours(hidden, z_dim, epochs, threads):
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([str(ROOT / ".build/release/vae"), "train", "--dataset", "fashion-mnist", "--hidden", hidden,
                        "--z-dim", str(z_dim), "--epochs", str(epochs), "--threads", str(threads), "--seed", "1",
                        "--out", out], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return [json.loads(line) for line in Path(out, "metrics.jsonl").read_text().splitlines()]


def run_torch(hidden, z_dim, epochs, threads):
    result = subprocess.run([sys.executable, str(ROOT / "Tools/bench/pytorch_reference.py"), "--hidden", hidden,
                             "--z-dim", str(z_dim), "--epochs", str(epochs), "--threads", str(threads)],
                            check=True, capture_output=True, text=True)
    return [json.loads(line) for line in result.stdout.splitlines()]


def steady_rates(epochs):
    return [e["samples_per_second"] for e in epochs[1:]] or [epochs[0]["samples_per_second"]]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not (ROOT / ".build/release/vae").exists():
        sys.exit("build first: swift build -c release")

    try:
        import torch
    except ImportError:
        sys.exit("PyTorch is not installed: pip install torch (the CPU wheel suffices)")
    torch_blas = "MKL" if torch.backends.mkl.is_available() else "no MKL"
    machine = {"cpu": cpu_model(), "gemm": gemm_kernels(str(ROOT / ".build/release/vae")),
               "torch": torch.__version__, "torch_blas": torch_blas, "torch_threads": args.threads}
    if args.json:
        print(json.dumps(machine), flush=True)
    else:
        print(f"{machine['cpu']}\nvae GEMM: {machine['gemm']}\nPyTorch {machine['torch']} ({torch_blas})", flush=True)
    rows = []
    for name in args.configs.split(","):
        hidden, z_dim = CONFIGS[name]
        ours, theirs, loss = [], [], {}
        for _ in range(args.rounds):
            epochs = run_ours(hidden, z_dim, args.epochs, args.threads)
            ours += steady_rates(epochs)
            loss.setdefault("vae", epochs[-1]["test_loss"])
            epochs = run_torch(hidden, z_dim, args.epochs, args.threads)
            theirs += steady_rates(epochs)
            loss.setdefault("torch", epochs[-1]["test_loss"])
        row = {
            "config": name, "hidden": hidden, "z_dim": z_dim, "epochs": args.epochs, "threads": args.threads,
            "rounds": args.rounds,
            "vae_samples_per_second": max(ours), "vae_samples_per_second_median": statistics.median(ours),
            "torch_samples_per_second": max(theirs), "torch_samples_per_second_median": statistics.median(theirs),
            "vae_test_loss": loss["vae"], "torch_test_loss": loss["torch"],
        }
        row["speedup"] = row["vae_samples_per_second"] / row["torch_samples_per_second"]
        row["test_loss_ratio"] = row["vae_test_loss"] / row["torch_test_loss"]
        rows.append(row)
        if args.json:
            print(json.dumps(row), flush=True)
        else:
            # Three lines a configuration, to read in 80 columns.
            print(f"\n{name}: --hidden {hidden} --z-dim {z_dim}, {args.epochs} epochs × {args.rounds} rounds\n"
                  f"    samples/s best (median): vae {row['vae_samples_per_second']:,.0f} "
                  f"({row['vae_samples_per_second_median']:,.0f}), torch {row['torch_samples_per_second']:,.0f} "
                  f"({row['torch_samples_per_second_median']:,.0f}): {row['speedup']:.2f}×\n"
                  f"    test loss: vae {row['vae_test_loss']:.2f}, torch {row['torch_test_loss']:.2f} "
                  f"({100 * (row['test_loss_ratio'] - 1):+.2f}%)", flush=True)

if __name__ == "__main__":
    main()
