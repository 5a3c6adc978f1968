#!/usr/bin/env python3
"""The PyTorch reference trainer: the pytorch/examples VAE (and the seed's deeper variant) on the same data.

Same architecture, loss (sigmoid output + summed BCE + KL), Adam (lr 1e-3), batch 128 and shuffling as `vae train`,
with the dataset held in memory as float32 tensors. Prints one JSON line per epoch:
{"epoch", "train_loss", "test_loss", "seconds", "samples_per_second"} (losses per sample, test with one z sample).

usage: pytorch_reference.py [--dataset-dir DIR] [--hidden 400] [--z-dim 20] [--epochs 10] [--threads 2] [--seed 1]
"""
import argparse
import gzip
import json
import struct
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


def read_idx(path):
    data = Path(path).read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    rank = data[3]
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def load(directory, split):
    images = read_idx(Path(directory) / f"{split}-images-idx3-ubyte.gz")
    return torch.from_numpy(images.reshape(len(images), -1).astype(np.float32) / 255.0)


class VAE(nn.Module):
    def __init__(self, input_size, hidden, z_dim):
        super().__init__()
        sizes = [input_size] + hidden
        self.encoder = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        self.mu = nn.Linear(sizes[-1], z_dim)
        self.logvar = nn.Linear(sizes[-1], z_dim)
        back = [z_dim] + hidden[::-1] + [input_size]
        self.decoder = nn.ModuleList(nn.Linear(a, b) for a, b in zip(back, back[1:]))

    def forward(self, x):
        for layer in self.encoder:
            x = F.relu(layer(x))
        mu, logvar = self.mu(x), self.logvar(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        for layer in self.decoder[:-1]:
            z = F.relu(layer(z))
        return torch.sigmoid(self.decoder[-1](z)), mu, logvar


def loss_function(recon, x, mu, logvar):
    bce = F.binary_cross_entropy(recon, x, reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset-dir", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--hidden", default="400")
    parser.add_argument("--z-dim", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    train, test = load(args.dataset_dir, "train"), load(args.dataset_dir, "t10k")
    hidden = [int(h) for h in args.hidden.split(",") if h]
    model = VAE(train.shape[1], hidden, args.z_dim)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(1, args.epochs + 1):
        model.train()
        start = time.perf_counter()
        total = 0.0
        order = torch.randperm(len(train))
        for first in range(0, len(train), args.batch_size):
            batch = train[order[first:first + args.batch_size]]
            optimizer.zero_grad()
            recon, mu, logvar = model(batch)
            loss = loss_function(recon, batch, mu, logvar)
            loss.backward()
            total += loss.item()
            optimizer.step()
        seconds = time.perf_counter() - start
        model.eval()
        test_total = 0.0
        with torch.no_grad():
            for first in range(0, len(test), args.batch_size):
                batch = test[first:first + args.batch_size]
                recon, mu, logvar = model(batch)
                test_total += loss_function(recon, batch, mu, logvar).item()
        print(json.dumps({"epoch": epoch, "train_loss": total / len(train), "test_loss": test_total / len(test),
                          "seconds": seconds, "samples_per_second": len(train) / seconds}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
