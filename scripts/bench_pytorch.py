"""PyTorch's side of `rnnlab bench train`: ms per training iteration (forward, BPTT, Adam) of
nn.RNN, nn.GRU, nn.LSTM and a step-by-step UGRNN, each with a linear readout, on flip-flop-shaped
batches, one thread.

    /tmp/venv/bin/python scripts/bench_pytorch.py [--units 32 128] [--iters 50] [--json]

Prints one line per cell and size (median and fastest iteration), or with --json one JSON
document. `rnnlab bench train --arch vanilla,gru-torch,lstm-torch` runs these very equations
(nn.GRU and nn.LSTM are PyTorch's variants); `scripts/side_by_side.py` runs both in alternating
rounds and prints their ratios.
"""

import argparse
import json
import statistics
import time

import torch

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--units", type=int, nargs="+", default=[32, 128])
parser.add_argument("--iters", type=int, default=50)
parser.add_argument("--batch", type=int, default=64)
parser.add_argument("--time-steps", type=int, default=100)
parser.add_argument("--json", action="store_true")
args = parser.parse_args()


class UGRNN(torch.nn.Module):
    """g = σ(W_g[x; h] + b_g + 1), c = tanh(W_c[x; h] + b_c), h' = g⊙h + (1−g)⊙c, as rnnlab's
    ugrnn cell; PyTorch has no such layer, so it runs step by step."""

    def __init__(self, inputs, units):
        super().__init__()
        self.units = units
        self.kernel = torch.nn.Linear(inputs + units, 2 * units)

    def forward(self, x):
        h = x.new_zeros(x.shape[1], self.units)
        states = []
        for x_t in x:
            z = self.kernel(torch.cat([x_t, h], dim=1))
            g = torch.sigmoid(z[:, : self.units] + 1.0)
            c = torch.tanh(z[:, self.units :])
            h = g * h + (1.0 - g) * c
            states.append(h)
        return torch.stack(states), h


rows = []
for name, cell in [
    ("nn.RNN", torch.nn.RNN),
    ("UGRNN", UGRNN),
    ("nn.GRU", torch.nn.GRU),
    ("nn.LSTM", torch.nn.LSTM),
]:
    for units in args.units:
        torch.manual_seed(0)
        rnn, readout = cell(3, units), torch.nn.Linear(units, 3)
        params = list(rnn.parameters()) + list(readout.parameters())
        opt = torch.optim.Adam(params, lr=1e-3)
        x = torch.randn(args.time_steps, args.batch, 3)
        y = torch.randn(args.time_steps, args.batch, 3)
        times = []
        for it in range(args.iters + 10):
            t0 = time.perf_counter()
            h, _ = rnn(x)
            loss = torch.mean((readout(h) - y) ** 2)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if it >= 10:
                times.append((time.perf_counter() - t0) * 1e3)
        row = {"cell": name, "units": units, "median_ms": statistics.median(times),
               "min_ms": min(times)}
        rows.append(row)
        if not args.json:
            print(f"{name:8s} N={units:4d}  median {row['median_ms']:7.2f} ms  "
                  f"min {row['min_ms']:7.2f} ms", flush=True)
if args.json:
    print(json.dumps({"torch": torch.__version__, "rows": rows}))
