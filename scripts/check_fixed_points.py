# Independent check of rnnlab's fixed points of one exported UGRNN or GRU network (flip-flop,
# zero input) with NumPy and SciPy: its own cell equations from the exported kernels,
# scipy.optimize.root (hybr) from 1024 starts near the probe trajectories, the same acceptance
# rules written out (q and gate-free q below 1e-12, within 2x the farthest visited state).
# Usage, in a folder with the exports of network ID:
#   rnnlab export weights --network ID --output netID.npz
#   rnnlab export states --network ID --output stID.npz
#   rnnlab export fixed-points --network ID --format npz --output fpID.npz
#   python3 check_fixed_points.py ID       (needs numpy and scipy)
import numpy as np, scipy.optimize as so, sys
net = sys.argv[1]
w = np.load(f"net{net}.npz"); st = np.load(f"st{net}.npz"); fp = np.load(f"fp{net}.npz")
p = {k.split("/",1)[1]: w[k] for k in w.files}
N = int(p["units"]); I = int(p["inputs"])
arch = str(p["arch"])
Ku, Kc = p["kernel_update"], p["kernel_candidate"]
bu, bc = p["bias_update"], p["bias_candidate"]
if arch == "gru":
    Kr, br = p["kernel_reset"], p["bias_reset"]
sig = lambda z: 1/(1+np.exp(-z)); f = lambda z: np.maximum(z, 0)
x = np.zeros(I)
def parts(h):
    xh = np.concatenate([x, h])
    if arch == "ugrnn":  # g = σ(W_g[x; h] + b_g + 1), c = f(W_c[x; h] + b_c)
        return sig(xh @ Ku + bu + 1), f(xh @ Kc + bc)
    r = sig(xh @ Kr + br); u = sig(xh @ Ku + bu)
    c = f(np.concatenate([x, r*h]) @ Kc + bc); return u, c
def F(h):
    u, c = parts(h); return u*h + (1-u)*c
S = st[f"net{net}/states"]
rng = np.random.default_rng(0)
starts = S[rng.integers(0, len(S), 1024)] + rng.normal(0, 0.5, (1024, N))
cen = S.mean(0); radius = 2*np.max(np.linalg.norm(S-cen, axis=1))
found, pseudo = [], []
for s0 in starts:
    sol = so.root(lambda h: F(h)-h, s0, method="hybr", tol=1e-13)
    h = sol.x; r = F(h)-h
    if not np.all(np.isfinite(h)) or 0.5*r@r > 1e-12: continue
    u, c = parts(h); gf = c-h
    ok = 0.5*gf@gf < 1e-12 and np.linalg.norm(h-cen) <= radius
    bucket = found if ok else pseudo
    if all(np.linalg.norm(h-q) > 1e-3 for q in bucket): bucket.append(h)
ours = fp[f"net{net}/fp_state"]; conv = fp[f"net{net}/fp_converged"].astype(bool)
ours = ours[conv]
match = [min(np.linalg.norm(ours-h, axis=1)) for h in found]
print(f"{arch} net {net}: scipy: {len(found)} true fixed points near the trajectories, {len(pseudo)} rejected (gate-free or region)")
print(f"rnnlab: {len(ours)} fixed points; scipy's found by rnnlab within 1e-6: {sum(m < 1e-6 for m in match)}; worst distance {max(match):.2e}")
back = [min(np.linalg.norm(np.array(found)-h, axis=1)) for h in ours]
print(f"rnnlab's points scipy also found: {sum(b < 1e-6 for b in back)} of {len(ours)}")
