"""Makes tests/fixtures/dsa/: DSA inputs and the `dsa-metric` package's answers on them, which
`tests/integration/dsa.rs` compares with rnnlab's. Also times the package, one thread.

Run from the repository root in a virtual environment with dsa-metric (2.0.2), numpy and POT:

    python -m venv /tmp/venv && /tmp/venv/bin/pip install dsa-metric==2.0.2 numpy pot
    rnnlab export states --db POPULATION.db --output /tmp/states.npz   # trained networks
    /tmp/venv/bin/python scripts/make_dsa_fixtures.py /tmp/states.npz [NETWORKS] [--time N]

Each chosen network's probe states (rows step-major (step, trial), as `export states` writes
them) are put on their top 10 principal axes (axes of the centred covariance, states not
centred: what rnnlab's DSA fits), and the first 16 trials kept, as float32, so the fixture is
small: `states.npz` holds `y` (networks, steps, 16, 10) and `ids`. `reference.npz` holds what
the package computes from exactly those arrays (widened to float64) with rnnlab's default
settings (10 delays, interval 1, rank 10, ridge 1e-8): each network's HAVOK operator `A_v`,
the angular Procrustes score over vector fields with its default optimiser (Adam, 1500
iterations, lr 5e-3) and the "wasserstein" score (squared 2-Wasserstein distance between the
eigenvalues). With --time N it also times the package on N networks' pairs (all N(N−1)/2).
"""

import sys
import time

import numpy as np
import torch
from DSA.dmd import DMD
from DSA.simdist import SimilarityTransformDist

torch.set_num_threads(1)
OUT = "tests/fixtures/dsa"
COMPONENTS, DELAYS, RANK, RIDGE, TRIALS, STEPS = 10, 10, 10, 1e-8, 16, 100


def reduced(states):
    """(steps·trials, units) step-major -> (steps, TRIALS, COMPONENTS) on the principal axes."""
    centred = states - states.mean(axis=0)
    values, vectors = np.linalg.eigh(centred.T @ centred)
    axes = vectors[:, ::-1][:, :COMPONENTS]
    y = (states @ axes).reshape(STEPS, -1, COMPONENTS)
    return y[:, :TRIALS, :].astype(np.float32)


def operator(y):
    dmd = DMD(np.transpose(y, (1, 0, 2)).astype(np.float64), n_delays=DELAYS,
              delay_interval=1, rank=RANK, lamb=RIDGE)
    dmd.fit()
    return dmd.A_v.numpy().astype(np.float64)


def scores(a, b):
    angular = SimilarityTransformDist(iters=1500, lr=5e-3, score_method="angular")
    wasserstein = SimilarityTransformDist(score_method="wasserstein")
    return (float(angular.fit_score(a.copy(), b.copy())),
            float(wasserstein.fit_score(a.copy(), b.copy())))


def main():
    path = sys.argv[1]
    wanted = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2].isdigit() else 10
    states = np.load(path)
    ids = sorted(int(k[3:].split("/")[0]) for k in states.files)
    # Spread over the population (the grid orders cells, then activations, then seeds).
    chosen = [ids[round(k * (len(ids) - 1) / (wanted - 1))] for k in range(wanted)]
    y = np.stack([reduced(states[f"net{i}/states"].astype(np.float64)) for i in chosen])
    ops = [operator(v) for v in y]
    n = len(chosen)
    angular, wasserstein = np.zeros((n, n)), np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            angular[i, j], wasserstein[i, j] = scores(ops[i], ops[j])
            angular[j, i], wasserstein[j, i] = angular[i, j], wasserstein[i, j]
    np.savez(f"{OUT}/states.npz", y=y, ids=np.array(chosen, dtype=np.float64))
    np.savez(f"{OUT}/reference.npz", A_v=np.stack(ops), angular=angular, wasserstein=wasserstein)
    print(f"wrote {OUT}/states.npz and reference.npz for networks {chosen}")
    if "--time" in sys.argv:
        count = int(sys.argv[sys.argv.index("--time") + 1])
        timed = [operator(reduced(states[f"net{i}/states"].astype(np.float64))) for i in ids[:count]]
        for method in ("angular", "wasserstein"):
            t0, pairs = time.perf_counter(), 0
            for i in range(count):
                for j in range(i + 1, count):
                    SimilarityTransformDist(iters=1500, lr=5e-3, score_method=method).fit_score(
                        timed[i].copy(), timed[j].copy())
                    pairs += 1
            seconds = time.perf_counter() - t0
            print(f"dsa-metric {method}: {pairs} pairs in {seconds:.1f} s, "
                  f"{pairs / seconds:.2f} pairs/s (one thread)")


if __name__ == "__main__":
    main()
