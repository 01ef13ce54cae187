"""PyTorch's side of `rnnlab bench train`: median ms per training iteration (forward, BPTT, Adam)
of nn.RNN, nn.GRU and nn.LSTM with a linear readout on flip-flop-shaped batches, one thread.

    /tmp/venv/bin/python scripts/bench_pytorch.py [--units 32 128] [--iters 50]

Prints one line per cell and size; compare with `rnnlab bench train --arch vanilla,gru-torch,
lstm-torch`, whose gru-torch and lstm-torch are these very equations.
"""

import argparse
import statistics
import time

import torch

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--units", type=int, nargs="+", default=[32, 128])
parser.add_argument("--iters", type=int, default=50)
parser.add_argument("--batch", type=int, default=64)
parser.add_argument("--time-steps", type=int, default=100)
args = parser.parse_args()

for name, cell in [("nn.RNN", torch.nn.RNN), ("nn.GRU", torch.nn.GRU), ("nn.LSTM", torch.nn.LSTM)]:
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
        print(f"{name:8s} N={units:4d}  median {statistics.median(times):7.2f} ms  "
              f"min {min(times):7.2f} ms", flush=True)
