"""Makes the Keras files in tests/fixtures/import/ that `tests/integration/import.rs` reads.

Run from the repository root in a virtual environment with tensorflow-cpu and numpy:

    python -m venv /tmp/venv && /tmp/venv/bin/pip install tensorflow-cpu numpy
    /tmp/venv/bin/python scripts/make_keras_fixtures.py

Writes keras-{simplernn,gru,gru-v1,lstm}.npz: small untrained models (seeded) of one recurrent
layer and a Dense readout, saved as the README says (`{w.path: w.numpy()}`), and
keras-*-expected.npz: Keras's own outputs on a fixed input (time-major), which rnnlab must
reproduce. `gru-v1` is a GRU with reset_after=False; `simplernn` uses ReLU.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
import numpy as np

OUT = "tests/fixtures/import"

x = np.random.default_rng(1).uniform(-1, 1, (2, 6, 3)).astype(np.float32)  # batch-major
for stem, layer in [
    ("keras-simplernn", lambda: keras.layers.SimpleRNN(5, activation="relu", return_sequences=True)),
    ("keras-gru", lambda: keras.layers.GRU(5, return_sequences=True)),
    ("keras-gru-v1", lambda: keras.layers.GRU(5, reset_after=False, return_sequences=True)),
    ("keras-lstm", lambda: keras.layers.LSTM(5, return_sequences=True)),
]:
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((None, 3)), layer(), keras.layers.Dense(3)])
    # Random biases too, so every bias term is checked.
    for w in model.weights:
        if "bias" in w.path:
            w.assign(np.random.default_rng(7).uniform(-0.5, 0.5, w.shape).astype(np.float32))
    y = model(x).numpy()
    np.savez(f"{OUT}/{stem}.npz", **{w.path: w.numpy() for w in model.weights})
    np.savez(
        f"{OUT}/{stem}-expected.npz",
        input=np.transpose(x, (1, 0, 2)),
        output=np.transpose(y, (1, 0, 2)),
    )
    print(stem, [w.path for w in model.weights])
