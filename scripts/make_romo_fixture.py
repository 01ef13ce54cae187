# The fixture of tests/integration/arrays_task.rs's Romo check: one vanilla/tanh network trained
# by rnnlab on experiments/tasks/romo.npz, and its fixed points and linearisation at the delay's
# input found independently with NumPy and SciPy.
#
# Made with numpy 2.x and scipy 1.x, in a folder holding the exports of network ID:
#   rnnlab export weights --network ID --output w.npz
#   rnnlab export fixed-points --network ID --format npz --output fp.npz
#   python3 scripts/make_romo_fixture.py ID experiments/tasks/romo.npz tests/fixtures/romo
# Writes OUT/vanilla-torch.npz (the weights under PyTorch nn.RNN's names, which `rnnlab import`
# reads) and OUT/vanilla-expected.npz:
#   fixed_states (K, N), fixed_eigenvalues_re/_im (K, N), largest modulus first: SciPy's roots of
#     F(h) = h at the constant input from 1024 starts near the network's own trajectories on the
#     task's trials (+ N(0, 0.5) noise), q < 1e-12, within 2x the farthest visited state, merged
#     at 1e-3 — rnnlab's rules for a vanilla cell, written out;
#   slow_states (S, N): rnnlab's slow points, with NumPy's q there (slow_q) and eigenvalues of
#     NumPy's Jacobian diag(1 - h'^2) W_hᵀ there (slow_eigenvalues_re/_im);
#   memory_steps: -1 / ln|λ| of the largest |λ| below 1 over the stable fixed and slow points;
#   line_shape: of the fixed and slow points together, the spread along their first principal
#     axis, the share of their variance on it, and its |cos| with the readout's direction.
import sys
import numpy as np
import scipy.optimize as so

net, task, out = sys.argv[1], sys.argv[2], sys.argv[3]
w = np.load("w.npz")
p = {k.split("/", 1)[1]: w[k] for k in w.files if k.startswith(f"net{net}/")}
assert str(p["arch"]) == "vanilla" and str(p["activation"]) == "tanh"
Wx, Wh, b = p["input_kernel"], p["recurrent_kernel"], p["bias"]
Wo, bo = p["readout_kernel"], p["readout_bias"]
N = Wh.shape[0]
np.savez(
    f"{out}/vanilla-torch.npz",
    **{
        "rnn.weight_ih_l0": Wx.T.astype(np.float32),
        "rnn.weight_hh_l0": Wh.T.astype(np.float32),
        "rnn.bias_ih_l0": b.astype(np.float32),
        "rnn.bias_hh_l0": np.zeros_like(b, dtype=np.float32),
        "readout.weight": Wo.T.astype(np.float32),
        "readout.bias": bo.astype(np.float32),
    },
)
Wx, Wh, b = (a.astype(np.float64) for a in (Wx, Wh, b))
t = np.load(task)
x_star = t["constant_inputs"][0].astype(np.float64)
F = lambda h: np.tanh(x_star @ Wx + h @ Wh + b)
J = lambda h: (1 - F(h) ** 2)[:, None] * Wh.T

# The network's own states on the task's trials.
visited = []
for trial in t["inputs"].astype(np.float64):
    h = np.zeros(N)
    for x in trial:
        h = np.tanh(x @ Wx + h @ Wh + b)
        visited.append(h)
visited = np.array(visited)
centre = visited.mean(0)
region = 2 * np.max(np.linalg.norm(visited - centre, axis=1))
rng = np.random.default_rng(0)
starts = visited[rng.integers(0, len(visited), 1024)] + rng.normal(0, 0.5, (1024, N))
found = []
for s0 in starts:
    sol = so.root(lambda h: F(h) - h, s0, method="hybr", jac=lambda h: J(h) - np.eye(N), tol=1e-14)
    h = sol.x
    r = F(h) - h
    if not np.all(np.isfinite(h)) or 0.5 * r @ r >= 1e-12 or np.linalg.norm(h - centre) > region:
        continue
    if all(np.linalg.norm(h - q) > 1e-3 for q in found):
        found.append(h)
found = np.array(found).reshape(-1, N)

def spectrum(h):
    lam = np.linalg.eigvals(J(h))
    return lam[np.argsort(-np.abs(lam), kind="stable")]

fixed_eigenvalues = np.array([spectrum(h) for h in found]).reshape(-1, N)
fp = np.load("fp.npz")
converged = fp[f"net{net}/fp_converged"].astype(bool)
slow = fp[f"net{net}/fp_state"][~converged]
slow_q = np.array([0.5 * np.sum((F(h) - h) ** 2) for h in slow])
slow_eigenvalues = np.array([spectrum(h) for h in slow]).reshape(-1, N)
tops = [np.abs(l[0]) for l in list(fixed_eigenvalues) + list(slow_eigenvalues) if np.abs(l[0]) < 1]
memory_steps = -1 / np.log(max(tops))
# The line along which the points lie: its first principal axis, the share of variance on it,
# the spread of the points along it, its |cos| with the readout's direction.
line = np.vstack([found, slow])
centred = line - line.mean(0)
values, vectors = np.linalg.eigh(centred.T @ centred)
axis = vectors[:, -1]
along = centred @ axis
readout = Wo[:, 0].astype(np.float64)
line_shape = np.array([
    np.ptp(along),
    values[-1] / values.sum(),
    abs(axis @ readout) / np.linalg.norm(readout),
])
np.savez(
    f"{out}/vanilla-expected.npz",
    line_shape=line_shape,
    fixed_states=found,
    fixed_eigenvalues_re=fixed_eigenvalues.real,
    fixed_eigenvalues_im=fixed_eigenvalues.imag,
    slow_states=slow,
    slow_q=slow_q,
    slow_eigenvalues_re=slow_eigenvalues.real,
    slow_eigenvalues_im=slow_eigenvalues.imag,
    memory_steps=np.array([memory_steps]),
)
print(f"{len(found)} fixed points (SciPy), {len(slow)} slow points (rnnlab's), memory {memory_steps:.1f} steps, line {line_shape}")
for h, l in zip(found, fixed_eigenvalues):
    print(f"  fixed |λ|max {abs(l[0]):.4f} unstable {np.sum(np.abs(l) > 1)} readout {h @ Wo.astype(np.float64) + bo}")
