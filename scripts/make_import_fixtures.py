"""Makes the PyTorch files in tests/fixtures/import/ that `tests/integration/import.rs` reads.

Run from the repository root in a virtual environment with torch, numpy and safetensors:

    python -m venv /tmp/venv && /tmp/venv/bin/pip install torch numpy safetensors
    /tmp/venv/bin/python scripts/make_import_fixtures.py

Writes
- tiny-{rnn,gru,lstm}.npz / .safetensors: small untrained modules (seeded) with a readout, and
  tiny-*-expected.npz: PyTorch's own outputs on a fixed input, which rnnlab must reproduce;
- flipflop-gru.npz and .safetensors: an nn.GRU(3, 64) + nn.Linear(64, 3) trained with Adam on
  the 3-bit flip-flop (rnnlab's task: pulses with probability 0.05, every channel pulsing at
  step 0, T = 100) to a low loss, saved as its state_dict (prefixes rnn. and readout.).
"""

import sys
import time

import numpy as np
import torch
from safetensors.torch import save_file

OUT = "tests/fixtures/import"
torch.set_num_threads(1)


class Model(torch.nn.Module):
    def __init__(self, cell, inputs, units, outputs, **kw):
        super().__init__()
        self.rnn = cell(inputs, units, batch_first=False, **kw)
        self.readout = torch.nn.Linear(units, outputs)

    def forward(self, x):
        h, _ = self.rnn(x)
        return self.readout(h)


def save(model, stem):
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    np.savez(f"{OUT}/{stem}.npz", **{k: v.numpy() for k, v in state.items()})
    save_file(state, f"{OUT}/{stem}.safetensors")


def tiny():
    x = torch.from_numpy(np.random.default_rng(1).uniform(-1, 1, (6, 2, 3)).astype(np.float32))
    for stem, cell, kw in [
        ("tiny-rnn", torch.nn.RNN, {"nonlinearity": "relu"}),
        ("tiny-gru", torch.nn.GRU, {}),
        ("tiny-lstm", torch.nn.LSTM, {}),
    ]:
        torch.manual_seed(3)
        model = Model(cell, 3, 5, 3, **kw)
        save(model, stem)
        with torch.no_grad():
            y = model(x)
        np.savez(f"{OUT}/{stem}-expected.npz", input=x.numpy(), output=y.numpy())


def flipflop_batch(rng, trials=64, steps=100, bits=3, p=0.05):
    pulses = rng.random((steps, trials, bits)) < p
    pulses[0] = True
    signs = np.where(rng.random((steps, trials, bits)) < 0.5, -1.0, 1.0)
    x = np.where(pulses, signs, 0.0).astype(np.float32)
    y = np.zeros_like(x)
    held = np.zeros((trials, bits), dtype=np.float32)
    for t in range(steps):
        held = np.where(pulses[t], x[t], held)
        y[t] = held
    return torch.from_numpy(x), torch.from_numpy(y)


def flipflop(units=64, iterations=8000):
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    model = Model(torch.nn.GRU, 3, units, 3)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5 ** (1 / 2000))
    started = time.time()
    for it in range(iterations):
        x, y = flipflop_batch(rng)
        loss = torch.mean((model(x) - y) ** 2)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if it % 500 == 0 or it == iterations - 1:
            print(f"{it:5d} loss {loss.item():.2e} {time.time() - started:.0f} s", flush=True)
    save(model, "flipflop-gru")


if __name__ == "__main__":
    tiny()
    if "--tiny-only" not in sys.argv:
        flipflop()
