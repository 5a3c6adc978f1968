#!/usr/bin/env python3
"""Fashion-MNIST in 2-D, scored as the Parametric UMAP paper scores it: trains each
recipe for each seed with `vae train` (z = 2, 30 epochs, 1 thread) and judges it
with `vae eval --embedding --json` (trustworthiness and continuity at k = 5 on
5,000 test images, 5-NN accuracy fitted on 20,000 training codes, reconstruction
MSE), then prints each recipe's mean and spread over the seeds beside the
paper's figures.

    python3 Tools/bench/embedding_recipes.py [--out runs/recipes] [--seeds 1,2,3] [--only NAME ...] [--json]

A recipe's runs are kept in OUT/NAME-sSEED and not trained again when their model.vaez is there, so an interrupted
run continues where it stopped. Uses the release build of `vae` (`swift build -c release`). One run of the
default architecture takes 1-3 minutes here; all recipes and three seeds, about an hour.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

from machine import cpu_model
from serving import release_binary

# name → the flags that make it, beyond `--dataset fashion-mnist --z-dim 2 --epochs 30`.
RECIPES = {
    "vae": [],
    "vae-cosine": ["--lr-schedule", "cosine"],
    "vae-gaussian": ["--likelihood", "gaussian"],
    "vae-gaussian-cosine": ["--likelihood", "gaussian", "--lr-schedule", "cosine"],
    "vae-gaussian-cosine-wide": ["--likelihood", "gaussian", "--lr-schedule", "cosine", "--hidden", "1024,512,256"],
    "ae": ["--model", "ae"],
    "ae-gaussian-cosine": ["--model", "ae", "--likelihood", "gaussian", "--lr-schedule", "cosine"],
}

# Sainburg, McInnes & Gentner 2021, Fashion-MNIST, 2-D: trustworthiness (k = 5), 5-NN accuracy, test MSE.
PAPER = {"VAE": (0.975, 0.716, 0.0253), "AE": (0.980, 0.734, 0.0244), "UMAP": (0.978, 0.761, 0.0347),
         "PCA": (0.913, 0.506, None)}


def trained(vae: str, folder: str, flags: list[str], seed: int) -> None:
    if os.path.exists(os.path.join(folder, "model.vaez")):
        return
    command = [vae, "train", "--dataset", "fashion-mnist", "--z-dim", "2", "--epochs", "30", "--threads", "1",
               "--seed", str(seed), "--out", folder, *flags]
    print("  " + " ".join(command[1:]), file=sys.stderr, flush=True)
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"vae train failed ({result.returncode}): {result.stderr.strip().splitlines()[-1:]}")


def scored(vae: str, folder: str) -> dict:
    result = subprocess.run([vae, "eval", folder, "--embedding", "--json"], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"vae eval --embedding {folder} failed: {result.stderr.strip()}")
    report = json.loads(result.stdout)["embeddings"]

    def figures(side: dict) -> dict:
        return {"trustworthiness": side["trustworthiness"][0]["value"], "continuity": side["continuity"][0]["value"],
                "knn5": side["knn_accuracy"][1]["value"], "mse": side["reconstruction_mse"]}
    return {"model": figures(report["model"]), "pca": figures(report["pca"])}


def main() -> None:
    recipes = "\n".join(f"  {name}\n      {' '.join(flags) or '(the defaults)'}" for name, flags in RECIPES.items())
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=f"recipes (the flags beyond --dataset fashion-mnist --z-dim 2 --epochs 30):\n{recipes}\n\n"
               "It also prints PCA's figures from the same vae eval --embedding and the paper's.")
    parser.add_argument("--out", default="runs/recipes", help="folder for the training runs (default runs/recipes)")
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated training seeds (default 1,2,3)")
    parser.add_argument("--only", nargs="+", choices=sorted(RECIPES), metavar="RECIPE",
                        help="these recipes only (names below)")
    parser.add_argument("--json", action="store_true", help="print every run's figures as JSON")
    options = parser.parse_args()
    try:
        seeds = [int(s) for s in options.seeds.split(",")]
    except ValueError:
        sys.exit(f"--seeds takes whole numbers separated by commas (got {options.seeds!r})")
    vae = release_binary("vae")
    results: dict[str, list[dict]] = {}
    pca = None
    for name in options.only or RECIPES:
        for seed in seeds:
            folder = os.path.join(options.out, f"{name}-s{seed}")
            trained(vae, folder, RECIPES[name], seed)
            figures = scored(vae, folder)
            results.setdefault(name, []).append(figures["model"])
            pca = figures["pca"]
    if options.json:
        print(json.dumps({"cpu": cpu_model(), "seeds": seeds, "runs": results, "pca": pca}, indent=1))
        return

    def cell(values: list[float], digits: int) -> str:
        mean = statistics.fmean(values)
        spread = f" ±{statistics.stdev(values):.{digits}f}" if len(values) > 1 else ""
        return f"{mean:.{digits}f}{spread}"
    print(f"Fashion-MNIST, z = 2, 30 epochs; mean ± sd over seeds {options.seeds}; {cpu_model()}")
    print(f"{'recipe':<26}{'trust k=5':>15}{'5-NN':>15}{'MSE':>17}")
    for name, runs in results.items():
        print(f"{name:<26}{cell([r['trustworthiness'] for r in runs], 4):>15}"
              f"{cell([r['knn5'] for r in runs], 4):>15}{cell([r['mse'] for r in runs], 5):>17}")
    if pca:
        print(f"{'PCA (same command)':<26}{pca['trustworthiness']:>15.4f}{pca['knn5']:>15.4f}{pca['mse']:>17.5f}")
    for name, (trust, knn, mse) in PAPER.items():
        print(f"{'paper: ' + name:<26}{trust:>15.3f}{knn:>15.3f}{'' if mse is None else f'{mse:.4f}':>17}")


if __name__ == "__main__":
    main()
