"""Writes experiments/tasks/romo.npz: Romo's delayed vibrotactile discrimination as trial arrays.

A monkey feels a first vibration (frequency f1), holds it through a delay, feels a second (f2)
and reports whether f2 was higher. Here, per step:
  fixation 5 | stimulus 1: 5 | delay 10 to 40 (by 5, drawn per trial) | stimulus 2: 5 | response 5
then nothing (input 0, mask 0) up to T = 60 steps. A delay of varying length is what makes a
network hold f1 for as long as it takes, not time its answer.
Inputs (2): a fixation cue (1 until the response period) and the stimulus channel, carrying
f / 34 during the two stimulus periods (0 otherwise). Output (1): 0 until the response, then
+1 if f2 > f1, -1 if f2 < f1. The loss weighs the response five times as much as the silence
before it (mask 1 and 0.2), and nothing after it. The analysis holds networks at
the delay's input (fixation on, no stimulus), where the network must keep f1: a line of slow
points along which f1 is stored is the expected scaffold (Romo & Brody; Machens et al. 2005).

Conditions are the (f1, f2) pairs of the classic set: f1 in 10..34 Hz by 4, f2 = f1 +/- 8
within 10..34 Hz (10 pairs); 30 trials each, in shuffled order.

Run: python3 scripts/make_romo_task.py  (NumPy only; writes the file in place, seed 0)
"""
from pathlib import Path

import numpy as np

FIX, STIM, RESP = 5, 5, 5
DELAYS = range(10, 41, 5)
T = FIX + STIM + max(DELAYS) + STIM + RESP
PER_CONDITION = 30


def main():
    rng = np.random.default_rng(0)
    pairs = [(f1, f1 + d) for f1 in range(10, 35, 4) for d in (-8, 8) if 10 <= f1 + d <= 34]
    conditions = np.repeat(np.arange(len(pairs)), PER_CONDITION)
    rng.shuffle(conditions)
    n = len(conditions)
    inputs = np.zeros((n, T, 2), np.float32)
    targets = np.zeros((n, T, 1), np.float32)
    mask = np.zeros((n, T, 1), np.float32)
    s1 = FIX
    for b, c in enumerate(conditions):
        f1, f2 = pairs[c]
        s2 = FIX + STIM + rng.choice(DELAYS)
        end = s2 + STIM + RESP
        inputs[b, : end - RESP, 0] = 1.0
        inputs[b, s1 : s1 + STIM, 1] = f1 / 34.0
        inputs[b, s2 : s2 + STIM, 1] = f2 / 34.0
        targets[b, end - RESP : end, 0] = 1.0 if f2 > f1 else -1.0
        mask[b, : end - RESP, 0] = 0.2
        mask[b, end - RESP : end, 0] = 1.0
    out = Path(__file__).resolve().parent.parent / "experiments" / "tasks" / "romo.npz"
    np.savez_compressed(
        out,
        inputs=inputs,
        targets=targets,
        mask=mask,
        conditions=conditions.astype(np.int64),
        constant_inputs=np.array([[1.0, 0.0]]),
    )
    print(f"{out}: {n} trials of {T} steps, {len(pairs)} conditions")


if __name__ == "__main__":
    main()
