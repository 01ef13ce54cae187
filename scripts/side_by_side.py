"""rnnlab's training against PyTorch's on this machine, the README's protocol: alternating rounds
of `rnnlab bench train` and `scripts/bench_pytorch.py`, both pinned to one core, then per cell,
size and round the fastest iteration of each and their ratio (rnnlab / PyTorch; below 0.4 is
the project's target), with the machine `bench train` names.

    /tmp/venv/bin/python scripts/side_by_side.py [--rnnlab target/release/rnnlab] [--rounds 3]
        [--units 32 128] [--iters 30] [--core 1]

Prints a Markdown table. Needs PyTorch in the Python that runs it; rnnlab itself does not.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

parser = argparse.ArgumentParser()
parser.add_argument("--rnnlab", default="target/release/rnnlab")
parser.add_argument("--rounds", type=int, default=3)
parser.add_argument("--units", type=int, nargs="+", default=[32, 128])
parser.add_argument("--iters", type=int, default=30)
parser.add_argument("--core", type=int, default=1, help="the core both are pinned to")
args = parser.parse_args()

# rnnlab's cell against the PyTorch module with the same equations (the GRU and LSTM rows are
# the study's variants; PyTorch's own are `gru-torch` and `lstm-torch`, the same cost).
PAIRS = [("vanilla", "nn.RNN"), ("ugrnn", "UGRNN"), ("gru", "nn.GRU"), ("lstm", "nn.LSTM")]


def pinned(command):
    if shutil.which("taskset"):
        return ["taskset", "-c", str(args.core)] + command
    return command


def run_json(command):
    out = subprocess.run(pinned(command), check=True, capture_output=True, text=True).stdout
    return json.loads(out)


units = [str(n) for n in args.units]
here = os.path.dirname(os.path.abspath(__file__))
rounds, machine, torch_version = [], None, None
for r in range(args.rounds):
    print(f"round {r + 1} of {args.rounds} ...", file=sys.stderr)
    ours = run_json([args.rnnlab, "bench", "train", "--arch", ",".join(a for a, _ in PAIRS),
                     "--units", ",".join(units), "--iters", str(args.iters), "--json"])
    theirs = run_json([sys.executable, os.path.join(here, "bench_pytorch.py"), "--units", *units,
                       "--iters", str(args.iters), "--json"])
    machine, torch_version = ours["machine"], theirs["torch"]
    mine = {(row["arch"], row["units"]): row["min_ms"] for row in ours["rows"]}
    torch_ms = {(row["cell"], row["units"]): row["min_ms"] for row in theirs["rows"]}
    rounds.append((mine, torch_ms))

print(f"CPU: {machine['cpu']}; products: faer's {machine['product_kernel']} kernel; "
      f"vector loops: {machine['vector_path']}; PyTorch {torch_version}, one thread; "
      f"B = 64, T = 100; fastest of {args.iters} iterations, {args.rounds} alternating rounds "
      f"separated by /")
print()
print("| cell | N | rnnlab ms | PyTorch ms | ratio |")
print("|---|---|---|---|---|")
for arch, module in PAIRS:
    for n in args.units:
        ours = [mine[(arch, n)] for mine, _ in rounds]
        theirs = [torch_ms[(module, n)] for _, torch_ms in rounds]
        ratios = [a / b for a, b in zip(ours, theirs)]
        cells = [" / ".join(f"{v:.2f}" for v in values) for values in (ours, theirs, ratios)]
        print(f"| {arch} | {n} | {cells[0]} | {module} {cells[1]} | {cells[2]} |")
