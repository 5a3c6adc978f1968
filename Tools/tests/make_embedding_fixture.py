#!/usr/bin/env python3
"""Write Tests/VAEAnalysisTests/Fixtures/embedding-metrics.json: scikit-learn's figures for a small fixed data set,
the reference for the Swift metrics of `vae eval --embedding` (Sources/VAEAnalysis/EmbeddingMetrics.swift).

    python3 -m venv /tmp/skl && /tmp/skl/bin/pip install scikit-learn numpy
    /tmp/skl/bin/python Tools/tests/make_embedding_fixture.py

Run once; the JSON it writes is committed, so neither CI nor the Swift tests need scikit-learn. The data: 4 classes
of points in 20-D (a Gaussian around a centre per class), a 2-D "embedding" of them (a fixed random projection plus
noise), 300 test points and a separate 400-point training set for the k-nearest-neighbour classifier. Every value is
a float32 (what the Swift code takes), written as the float64 of the same value so that it reads back exactly;
scikit-learn computes on those values in float64.

It also records how scikit-learn breaks ties between classes in KNeighborsClassifier (on each of its code paths),
and fails if that is not "the smallest label", which the Swift code and its documentation assume.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import sklearn
from sklearn.manifold import trustworthiness
from sklearn.metrics import silhouette_score
from sklearn.neighbors import KNeighborsClassifier

COMMAND = "/tmp/skl/bin/python Tools/tests/make_embedding_fixture.py"
OUT = Path(__file__).resolve().parents[2] / "Tests/VAEAnalysisTests/Fixtures/embedding-metrics.json"
SEED = 20_260_512
CLASSES, INPUT_DIM, EMBED_DIM = 4, 20, 2
TEST_COUNT, TRAIN_COUNT = 300, 400
NEIGHBOURS = [5, 10]
CLASSIFIER_NEIGHBOURS = [1, 5]


def data(rng: np.random.Generator, centres: np.ndarray, projection: np.ndarray, count: int):
    labels = rng.integers(0, CLASSES, count)
    x = (centres[labels] + rng.normal(0.0, 1.0, (count, INPUT_DIM))).astype(np.float32)
    y = (x.astype(np.float64) @ projection + rng.normal(0.0, 0.3, (count, EMBED_DIM))).astype(np.float32)
    return x.astype(np.float64), y.astype(np.float64), labels.astype(np.int64)


def tie_cases() -> dict:
    """Training points on a line at distances 1..5 from the query at 0, with labels chosen so that k = 2, 4 and 5
    tie between labels 1 and 3, where label 3 is the nearer: scikit-learn must answer 1 (the smallest label)."""
    train = np.array([[1, 0], [2, 0], [3, 0], [4, 0], [5, 0], [40, 0]], dtype=np.float64)
    train_labels = np.array([3, 1, 3, 1, 2, 0])
    test = np.array([[0, 0], [45, 0]], dtype=np.float64)
    ks = [1, 2, 3, 4, 5]
    predictions = {}
    for k in ks:
        answers = {
            algorithm: KNeighborsClassifier(n_neighbors=k, algorithm=algorithm).fit(train, train_labels).predict(test)
            for algorithm in ["brute", "kd_tree", "ball_tree", "auto"]
        }
        first = answers["brute"]
        for algorithm, answer in answers.items():
            if not np.array_equal(answer, first):
                sys.exit(f"k = {k}: {algorithm} answers {answer}, brute {first}")
        predictions[str(k)] = [int(v) for v in first]
    expected = {"1": [3, 0], "2": [1, 0], "3": [3, 0], "4": [1, 0], "5": [1, 1]}
    if predictions != expected:
        sys.exit(f"scikit-learn's tie-break is not the smallest label: {predictions}")
    return {
        "train": train.ravel().tolist(),
        "train_labels": train_labels.tolist(),
        "test": test.ravel().tolist(),
        "dimension": 2,
        "neighbours": ks,
        "predictions": [predictions[str(k)] for k in ks],
        "note": "k = 2, 4, 5 tie between labels 3 (nearer) and 1; scikit-learn answers 1 with the brute, kd_tree, "
        "ball_tree and auto algorithms: the smallest label, not the nearest",
    }


def main() -> None:
    rng = np.random.default_rng(SEED)
    centres = rng.normal(0.0, 1.5, (CLASSES, INPUT_DIM))
    projection = rng.normal(0.0, 1.0, (INPUT_DIM, EMBED_DIM)) / np.sqrt(INPUT_DIM)
    x, y, labels = data(rng, centres, projection, TEST_COUNT)
    _, y_train, train_labels = data(rng, centres, projection, TRAIN_COUNT)

    fixture = {
        "generated_by": COMMAND,
        "scikit_learn": sklearn.__version__,
        "numpy": np.__version__,
        "seed": SEED,
        "input_dimension": INPUT_DIM,
        "embedding_dimension": EMBED_DIM,
        "neighbours": NEIGHBOURS,
        "classifier_neighbours": CLASSIFIER_NEIGHBOURS,
        "input": x.ravel().tolist(),
        "embedding": y.ravel().tolist(),
        "labels": labels.tolist(),
        "train_embedding": y_train.ravel().tolist(),
        "train_labels": train_labels.tolist(),
        "trustworthiness": [trustworthiness(x, y, n_neighbors=k) for k in NEIGHBOURS],
        "continuity": [trustworthiness(y, x, n_neighbors=k) for k in NEIGHBOURS],
        "knn_accuracy": [
            KNeighborsClassifier(n_neighbors=k).fit(y_train, train_labels).score(y, labels)
            for k in CLASSIFIER_NEIGHBOURS
        ],
        "silhouette": silhouette_score(y, labels),
        "silhouette_input": silhouette_score(x, labels),
        "knn_ties": tie_cases(),
    }
    fixture = {key: (float(v) if isinstance(v, np.floating) else v) for key, v in fixture.items()}
    for key in ["trustworthiness", "continuity", "knn_accuracy"]:
        fixture[key] = [float(v) for v in fixture[key]]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fixture) + "\n")
    print(f"wrote {OUT}")
    for key in ["trustworthiness", "continuity", "knn_accuracy", "silhouette", "silhouette_input"]:
        print(f"  {key}: {fixture[key]}")


if __name__ == "__main__":
    main()
