"""Makes a stand-in "recording" from a network's exported probe states, to try `rnnlab data`.

    rnnlab export states --experiment ff-heldout --output states.npz
    python3 scripts/states_to_recording.py states.npz 49 recording.npz --steps 100 \
        --neurons 40 --noise 0.05
    rnnlab data add recording.npz --experiment ff48 --name heldout

The states of network ID (rows (step, trial), columns units, as `rnnlab export states` writes
them) go through a random linear map to N "neurons", plus Gaussian noise of the given std
relative to the mapped activity's; the result is `responses` (trials, T, N): condition k = probe
trial k, as `rnnlab data add` reads it for a built-in task. With --trials K, K noisy single trials
per condition are written instead, with their `conditions` labels.

NumPy only; the seed fixes the map and the noise.
"""
import argparse

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("states")
    parser.add_argument("network", type=int)
    parser.add_argument("out")
    parser.add_argument("--steps", type=int, required=True, help="T of the task")
    parser.add_argument("--neurons", type=int, default=40)
    parser.add_argument("--noise", type=float, default=0.05)
    parser.add_argument("--trials", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    states = np.load(args.states)[f"net{args.network}/states"]
    rows, units = states.shape
    trials = rows // args.steps
    x = states.reshape(args.steps, trials, units).transpose(1, 0, 2)  # (trials, T, units)
    mapped = x @ rng.normal(size=(units, args.neurons))
    scale = args.noise * mapped.std()
    if args.trials:
        single = np.concatenate(
            [mapped + rng.normal(scale=scale, size=mapped.shape) for _ in range(args.trials)]
        )
        labels = np.tile(np.arange(trials), args.trials)
        np.savez(args.out, responses=single, conditions=labels)
    else:
        np.savez(args.out, responses=mapped + rng.normal(scale=scale, size=mapped.shape))
    print(f"{args.out}: {trials} conditions, {args.steps} steps, {args.neurons} neurons")


if __name__ == "__main__":
    main()
