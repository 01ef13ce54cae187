//! Procrustes over vector fields: the angle min over orthogonal C of ∠(Â, C B̂ Cᵀ), by
//! Riemannian ascent of f(C) = ⟨Â, C B̂ Cᵀ⟩ on O(n).
//!
//! The ascent moves C ← C·cay(tW) with W = skew part of Cᵀ∇f (the Cayley retraction keeps C
//! orthogonal and in its component of O(n), so starts of both determinants are needed),
//! L-BFGS directions on the Lie algebra's coordinates with Armijo backtracking. f is a quadratic form in C with local
//! maxima, so several starts run; the best wins:
//! - spectral starts X_a D X_bᵀ from frames both operators carry along under a rotation (the
//!   symmetric parts' eigenvectors, the left and the right singular vectors), with the signs D
//!   chosen greedily (exact for B̂ = Q Â Qᵀ with distinct eigenvalues, up to those signs), each
//!   with its twin of one sign changed, in the other component;
//! - I and a reflection;
//! - `random_starts` Haar-random orthogonal matrices, of alternating determinant, from a fixed
//!   seed (a pair's distance does not depend on what else is computed).
//!
//! Bounds: ‖Â − X‖² splits into the symmetric and the skew parts, each conjugated by C, so
//! Hoffman–Wielandt (symmetric) and Mirsky (skew, singular values) give a lower bound that
//! holds for every C; C = I gives an upper one. The search stops as soon as a start reaches
//! the lower bound.

use faer::Mat;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::DsaOperator;
use crate::net::simd;

/// Iterations of one ascent at most.
const MAX_ITERATIONS: usize = 500;
/// Iterations every start gets before the best of each component are followed to the end.
const SCREEN: usize = 40;
/// Screened starts of each component followed to the end.
const KEPT: usize = 2;
/// The ascent ends when ‖W‖_F (the Riemannian gradient) falls below this times the angle
/// reached (a relative accuracy of the angle far below what any verdict reads), or below the
/// floor (copies up to rotation, at angle 0).
const GRADIENT_TOLERANCE: (f64, f64) = (1e-4, 1e-12);
/// Or when f gains less than this (relative to 1 − f) over this many steps.
const STALL: (f64, usize) = (1e-12, 4);
/// Steps the L-BFGS model remembers.
const MEMORY: usize = 8;
/// Angles this close to the lower bound end the search.
const BOUND_MET: f64 = 1e-10;
/// The seed of the random starts.
const START_SEED: u64 = 0x00D5_A519;

/// The Procrustes angle of a pair, with its bracket.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ProcrustesResult {
    /// min over orthogonal C of ∠(Â, C B̂ Cᵀ), in radians (0 to π).
    pub angle: f64,
    /// The lower bound from the spectra of the symmetric and skew parts.
    pub lower_bound: f64,
    /// The angle at C = I.
    pub at_identity: f64,
    /// Starts screened (0 when the bounds met).
    pub ascents: usize,
}

/// The angle between unit-norm matrices at Frobenius distance `d`: 2·asin(d/2), which equals
/// arccos⟨Â, X̂⟩ and stays accurate near 0.
fn angle_of(distance: f64) -> f64 {
    2.0 * (distance / 2.0).clamp(0.0, 1.0).asin()
}

/// min over orthogonal C of ∠(Â, C B̂ Cᵀ) for two operators of one rank. Symmetric by
/// construction: the pair is taken in a fixed order of its two operators.
pub fn procrustes_angle(
    a: &DsaOperator,
    b: &DsaOperator,
    random_starts: usize,
) -> ProcrustesResult {
    // The small products and solves of the search are most of a pair's time: their row updates
    // run on as many lanes as the CPU has, with the same bits on every path.
    simd::dispatch(Search {
        a,
        b,
        random_starts,
    })
}

struct Search<'a> {
    a: &'a DsaOperator,
    b: &'a DsaOperator,
    random_starts: usize,
}

impl simd::Kernel for Search<'_> {
    type Output = ProcrustesResult;
    #[inline(always)]
    fn run(self) -> ProcrustesResult {
        search(self.a, self.b, self.random_starts)
    }
}

#[inline(always)]
fn search(a: &DsaOperator, b: &DsaOperator, random_starts: usize) -> ProcrustesResult {
    let (a, b) = match a.unit.iter().zip(&b.unit).find(|(x, y)| x != y) {
        Some((x, y)) if y < x => (b, a),
        _ => (a, b),
    };
    let n = a.rank;
    assert_eq!(n, b.rank, "operators of one rank");
    let squared = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(p, q)| (p - q).powi(2)).sum::<f64>();
    let lower_bound = angle_of(
        (squared(&a.symmetric_values, &b.symmetric_values)
            + squared(&a.skew_values, &b.skew_values))
        .sqrt(),
    );
    let at_identity = angle_of(squared(&a.unit, &b.unit).sqrt());
    let mut result = ProcrustesResult {
        angle: at_identity,
        lower_bound,
        at_identity,
        ascents: 0,
    };
    if n == 0 || at_identity - lower_bound <= BOUND_MET {
        return result;
    }
    let mut ascent = Ascent::new(&a.unit, &b.unit, n);
    let mut starts: Vec<Vec<f64>> = a
        .frames
        .iter()
        .zip(&b.frames)
        .flat_map(|(xa, xb)| spectral_starts(a, b, xa, xb))
        .collect();
    let mut reflection = identity(n);
    reflection[n * n - 1] = -1.0;
    starts.extend([identity(n), reflection]);
    let mut rng = ChaCha8Rng::seed_from_u64(START_SEED);
    for k in 0..random_starts {
        starts.push(haar_orthogonal(n, k % 2 == 1, &mut rng));
    }
    // Every start a few steps, then the best two of each component of O(n) to the end: about
    // a third of the cost of following every start, at a small loss (README, "DSA").
    let mut screened: [Vec<(f64, Vec<f64>)>; 2] = [Vec::new(), Vec::new()];
    for start in starts {
        let component = usize::from(determinant_is_negative(&start, n));
        screened[component].push(ascent.run(start, SCREEN));
        result.ascents += 1;
    }
    for mut list in screened {
        list.sort_by(|x, y| y.0.total_cmp(&x.0));
        for (_, c) in list.into_iter().take(KEPT) {
            let (_, c) = ascent.run(c, MAX_ITERATIONS);
            result.angle = result.angle.min(ascent.angle(&c));
            if result.angle - lower_bound <= BOUND_MET {
                return result;
            }
        }
    }
    result
}

/// The spectral start X_a D X_bᵀ of a pair of frames and its twin of the other determinant.
fn spectral_starts(a: &DsaOperator, b: &DsaOperator, ua: &[f64], ub: &[f64]) -> [Vec<f64>; 2] {
    let n = a.rank;
    // Ã = U_aᵀ Â U_a, B̃ = U_bᵀ B̂ U_b; for C = U_a D U_bᵀ, f = Σ_kl d_k d_l Ã_kl B̃_kl.
    let rotate = |u: &[f64], m: &[f64]| {
        let mut tmp = vec![0.0; n * n];
        let mut out = vec![0.0; n * n];
        mul(m, u, &mut tmp, n);
        mul_tn(u, &tmp, &mut out, n);
        out
    };
    let (at, bt) = (rotate(ua, &a.unit), rotate(ub, &b.unit));
    // Symmetrised weights: flipping d_k changes f by −2 d_k Σ_{l≠k} q_kl d_l.
    let q: Vec<f64> = (0..n * n)
        .map(|i| {
            let (k, l) = (i / n, i % n);
            at[k * n + l] * bt[k * n + l] + at[l * n + k] * bt[l * n + k]
        })
        .collect();
    let start = |d: &[f64]| {
        let mut c = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                c[i * n + j] = (0..n).map(|k| ua[i * n + k] * d[k] * ub[j * n + k]).sum();
            }
        }
        c
    };
    let [even, odd] = best_signs(&q, n);
    [start(&even), start(&odd)]
}

/// The signs d maximising ½ dᵀSd, the best with an even and the best with an odd number of
/// −1 (the two components of O(n)): every pattern in Gray-code order for n ≤ 12 (each step
/// one flip, O(n)), else a greedy ascent of single flips and its best one-flip twin.
fn best_signs(s: &[f64], n: usize) -> [Vec<f64>; 2] {
    let mut d = vec![1.0; n];
    // r_k = Σ_{l≠k} S_kl d_l: flipping d_k changes f by −2 d_k r_k.
    let mut r: Vec<f64> = (0..n)
        .map(|k| (0..n).filter(|&l| l != k).map(|l| s[k * n + l]).sum())
        .collect();
    let mut f = 0.5 * s.iter().sum::<f64>();
    let mut best = [(f, d.clone()), (f64::NEG_INFINITY, d.clone())];
    let flip = |d: &mut Vec<f64>, r: &mut Vec<f64>, f: &mut f64, j: usize| {
        let old = d[j];
        *f -= 2.0 * old * r[j];
        d[j] = -old;
        for k in (0..n).filter(|&k| k != j) {
            r[k] -= 2.0 * old * s[k * n + j];
        }
    };
    if n <= 12 {
        let mut negatives = 0usize;
        for i in 1u32..(1 << n) {
            let j = i.trailing_zeros() as usize;
            negatives = if d[j] > 0.0 {
                negatives + 1
            } else {
                negatives - 1
            };
            flip(&mut d, &mut r, &mut f, j);
            let slot = &mut best[negatives % 2];
            if f > slot.0 {
                *slot = (f, d.clone());
            }
        }
    } else {
        for _ in 0..4 * n {
            let gain = |k: usize| -2.0 * d[k] * r[k];
            match (0..n).max_by(|&x, &y| gain(x).total_cmp(&gain(y))) {
                Some(k) if gain(k) > 1e-15 => flip(&mut d, &mut r, &mut f, k),
                _ => break,
            }
        }
        let k = (0..n)
            .max_by(|&x, &y| (-d[x] * r[x]).total_cmp(&(-d[y] * r[y])))
            .unwrap_or(0);
        let mut twin = d.clone();
        twin[k] = -twin[k];
        best = [(f, d), (f, twin)];
    }
    best.map(|(_, d)| d)
}

/// Whether an orthogonal matrix (n × n, row-major) is a reflection (determinant −1).
fn determinant_is_negative(c: &[f64], n: usize) -> bool {
    Mat::from_fn(n, n, |i, j| c[i * n + j]).determinant() < 0.0
}

/// A Haar-random orthogonal matrix (QR of a Gaussian matrix, R's diagonal made positive) of
/// determinant −1 if `reflect`, else +1.
fn haar_orthogonal(n: usize, reflect: bool, rng: &mut ChaCha8Rng) -> Vec<f64> {
    let g = Mat::<f64>::from_fn(n, n, |_, _| StandardNormal.sample(rng));
    let qr = g.qr();
    let (q, r) = (qr.compute_Q(), qr.R());
    let mut c = vec![0.0; n * n];
    for j in 0..n {
        let sign = if r[(j, j)] < 0.0 { -1.0 } else { 1.0 };
        for i in 0..n {
            c[i * n + j] = q[(i, j)] * sign;
        }
    }
    if determinant_is_negative(&c, n) != reflect {
        for i in 0..n {
            c[i * n] = -c[i * n];
        }
    }
    c
}

/// The buffers of one ascent, reused from start to start.
struct Ascent<'a> {
    a: &'a [f64],
    b: &'a [f64],
    /// B̂ᵀ.
    bt: Vec<f64>,
    n: usize,
    tmp: Vec<f64>,
    m: Vec<f64>,
    w: Vec<f64>,
    trial_c: Vec<f64>,
    trial_m: Vec<f64>,
    trial_w: Vec<f64>,
    cayley: Vec<f64>,
    lu: Vec<f64>,
    lu_work: Vec<f64>,
}

impl<'a> Ascent<'a> {
    #[inline(always)]
    fn new(a: &'a [f64], b: &'a [f64], n: usize) -> Self {
        let z = || vec![0.0; n * n];
        Ascent {
            a,
            b,
            bt: (0..n * n).map(|k| b[(k % n) * n + k / n]).collect(),
            n,
            tmp: z(),
            m: z(),
            w: z(),
            trial_c: z(),
            trial_m: z(),
            trial_w: z(),
            cayley: z(),
            lu: z(),
            lu_work: z(),
        }
    }

    /// M = Cᵀ Â C into `m`; returns f = ⟨M, B̂⟩.
    #[inline(always)]
    fn objective(a: &[f64], b: &[f64], c: &[f64], tmp: &mut [f64], m: &mut [f64], n: usize) -> f64 {
        mul(a, c, tmp, n);
        mul_tn(c, tmp, m, n);
        dot(m, b)
    }

    /// W = P − Pᵀ with P = M B̂ᵀ + Mᵀ B̂ (the skew part of Cᵀ∇f, doubled); returns ‖W‖².
    #[inline(always)]
    fn gradient(b: &[f64], bt: &[f64], m: &[f64], tmp: &mut [f64], w: &mut [f64], n: usize) -> f64 {
        // M B̂ᵀ as a product with B̂ᵀ kept transposed: row updates, which vectorise.
        mul(m, bt, w, n);
        mul_tn(m, b, tmp, n);
        for (x, y) in w.iter_mut().zip(tmp.iter()) {
            *x += y;
        }
        for i in 0..n {
            for j in i..n {
                let (p, q) = (w[i * n + j], w[j * n + i]);
                w[i * n + j] = p - q;
                w[j * n + i] = q - p;
            }
        }
        dot(w, w)
    }

    /// Ascends from `c` for at most `iterations` steps: L-BFGS on the Lie algebra's
    /// coordinates (ω_pq, p < q: the left-trivialised tangent space, where the gradient is W's
    /// upper triangle; the last [`MEMORY`] steps model the curvature), steps C ← C·cay(Ω(t·d))
    /// with Armijo backtracking. Returns f and C.
    #[inline(always)]
    fn run(&mut self, mut c: Vec<f64>, iterations: usize) -> (f64, Vec<f64>) {
        let n = self.n;
        let q = n * (n - 1) / 2;
        let upper = |w: &[f64], g: &mut Vec<f64>| {
            g.clear();
            for i in 0..n {
                g.extend_from_slice(&w[i * n + i + 1..(i + 1) * n]);
            }
        };
        let mut f = Self::objective(self.a, self.b, &c, &mut self.tmp, &mut self.m, n);
        let mut g2 = Self::gradient(self.b, &self.bt, &self.m, &mut self.tmp, &mut self.w, n);
        let (mut g, mut trial_g) = (Vec::with_capacity(q), Vec::with_capacity(q));
        upper(&self.w, &mut g);
        // (s, y, 1/sᵀy) of the last steps, oldest first; y is the change of ∇(−f) = g − g'.
        let mut memory: std::collections::VecDeque<(Vec<f64>, Vec<f64>, f64)> =
            std::collections::VecDeque::with_capacity(MEMORY);
        let first_scale = 1.0 / g2.sqrt().max(1e-12);
        let mut d = vec![0.0; q];
        let (mut new_s, mut new_y) = (vec![0.0; q], vec![0.0; q]);
        let mut alpha = [0.0; MEMORY];
        let mut stalled = 0;
        for _ in 0..iterations {
            let angle = (2.0 * (1.0 - f)).max(0.0).sqrt();
            if g2.sqrt() < (GRADIENT_TOLERANCE.0 * angle).max(GRADIENT_TOLERANCE.1) {
                break;
            }
            // The two-loop recursion: d = H g with H the L-BFGS inverse Hessian of −f.
            d.copy_from_slice(&g);
            for (k, (s, y, rho)) in memory.iter().enumerate().rev() {
                alpha[k] = rho * dot(s, &d);
                d.iter_mut().zip(y).for_each(|(v, y)| *v -= alpha[k] * y);
            }
            let scale = memory
                .back()
                .map_or(first_scale, |(s, y, _)| dot(s, y) / dot(y, y));
            d.iter_mut().for_each(|v| *v *= scale);
            for (k, (s, y, rho)) in memory.iter().enumerate() {
                let beta = rho * dot(y, &d);
                d.iter_mut()
                    .zip(s)
                    .for_each(|(v, s)| *v += (alpha[k] - beta) * s);
            }
            let mut slope = dot(&d, &g);
            if slope.is_nan() || slope <= 0.0 {
                // The model lost positive definiteness: start it again along the gradient.
                memory.clear();
                d.iter_mut().zip(&g).for_each(|(x, y)| *x = first_scale * y);
                slope = first_scale * g2 / 2.0;
            }
            let mut step = 1.0;
            let mut accepted = None;
            for _ in 0..40 {
                let mut at = 0;
                for i in 0..n {
                    self.lu[i * n + i] = 0.0;
                    for j in i + 1..n {
                        self.lu[i * n + j] = step * d[at];
                        self.lu[j * n + i] = -step * d[at];
                        at += 1;
                    }
                }
                let omega = std::mem::take(&mut self.lu);
                cayley(&omega, 1.0, &mut self.cayley, &mut self.lu_work, n);
                self.lu = omega;
                mul(&c, &self.cayley, &mut self.trial_c, n);
                let trial_f = Self::objective(
                    self.a,
                    self.b,
                    &self.trial_c,
                    &mut self.tmp,
                    &mut self.trial_m,
                    n,
                );
                if trial_f >= f + 1e-4 * step * slope {
                    accepted = Some(trial_f);
                    break;
                }
                step *= 0.5;
            }
            let Some(trial_f) = accepted else { break };
            let trial_g2 = Self::gradient(
                self.b,
                &self.bt,
                &self.trial_m,
                &mut self.tmp,
                &mut self.trial_w,
                n,
            );
            upper(&self.trial_w, &mut trial_g);
            for k in 0..q {
                new_s[k] = step * d[k];
                new_y[k] = g[k] - trial_g[k];
            }
            let sy = dot(&new_s, &new_y);
            if sy > 1e-300 {
                // The oldest pair's buffers are reused once the memory is full.
                let (s, y) = match memory.len() {
                    MEMORY => {
                        let (s, y, _) = memory.pop_front().expect("full");
                        (
                            std::mem::replace(&mut new_s, s),
                            std::mem::replace(&mut new_y, y),
                        )
                    }
                    _ => (new_s.clone(), new_y.clone()),
                };
                memory.push_back((s, y, 1.0 / sy));
            }
            let gain = trial_f - f;
            std::mem::swap(&mut c, &mut self.trial_c);
            std::mem::swap(&mut self.m, &mut self.trial_m);
            std::mem::swap(&mut self.w, &mut self.trial_w);
            std::mem::swap(&mut g, &mut trial_g);
            f = trial_f;
            g2 = trial_g2;
            stalled = if gain <= STALL.0 * (1.0 - f).max(1e-300) {
                stalled + 1
            } else {
                0
            };
            if stalled >= STALL.1 {
                break;
            }
        }
        (f, c)
    }

    /// ∠(Â, C B̂ Cᵀ) from the distance ‖Â − C B̂ Cᵀ‖, accurate near 0.
    #[inline(always)]
    fn angle(&mut self, c: &[f64]) -> f64 {
        let n = self.n;
        mul(c, self.b, &mut self.tmp, n);
        mul_nt(&self.tmp, c, &mut self.trial_m, n);
        angle_of(
            self.a
                .iter()
                .zip(&self.trial_m)
                .map(|(x, y)| (x - y).powi(2))
                .sum::<f64>()
                .sqrt(),
        )
    }
}

/// The n × n identity, row-major.
fn identity(n: usize) -> Vec<f64> {
    let mut m = vec![0.0; n * n];
    for i in 0..n {
        m[i * n + i] = 1.0;
    }
    m
}

/// cay(tW) = (I − tW/2)⁻¹ (I + tW/2) into `out`, by Gaussian elimination without pivoting:
/// I − tW/2 has the identity as its symmetric part (W is skew), so it is invertible and its
/// elimination needs no row exchanges to stay stable.
#[inline(always)]
fn cayley(w: &[f64], t: f64, out: &mut [f64], lu: &mut [f64], n: usize) {
    for i in 0..n {
        for j in 0..n {
            let h = 0.5 * t * w[i * n + j];
            let eye = if i == j { 1.0 } else { 0.0 };
            lu[i * n + j] = eye - h;
            out[i * n + j] = eye + h;
        }
    }
    for col in 0..n {
        let (above, below) = lu.split_at_mut((col + 1) * n);
        let pivot_row = &above[col * n..];
        let p = pivot_row[col];
        let (out_above, out_below) = out.split_at_mut((col + 1) * n);
        let out_pivot = &out_above[col * n..];
        for (row, out_row) in below.chunks_exact_mut(n).zip(out_below.chunks_exact_mut(n)) {
            let factor = row[col] / p;
            if factor != 0.0 {
                for (v, q) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                    *v -= factor * q;
                }
                for (v, q) in out_row.iter_mut().zip(out_pivot) {
                    *v -= factor * q;
                }
            }
        }
    }
    for col in (0..n).rev() {
        let p = lu[col * n + col];
        let (head, tail) = out.split_at_mut((col + 1) * n);
        let row = &mut head[col * n..];
        for (k, solved) in tail.chunks_exact(n).enumerate() {
            let l = lu[col * n + col + 1 + k];
            if l != 0.0 {
                for (v, s) in row.iter_mut().zip(solved) {
                    *v -= l * s;
                }
            }
        }
        row.iter_mut().for_each(|v| *v /= p);
    }
}

/// out = x·y (n × n, row-major).
#[inline(always)]
fn mul(x: &[f64], y: &[f64], out: &mut [f64], n: usize) {
    out.iter_mut().for_each(|v| *v = 0.0);
    for i in 0..n {
        for k in 0..n {
            let xik = x[i * n + k];
            let (row, yrow) = (&mut out[i * n..(i + 1) * n], &y[k * n..(k + 1) * n]);
            for (o, v) in row.iter_mut().zip(yrow) {
                *o += xik * v;
            }
        }
    }
}

/// out = xᵀ·y.
#[inline(always)]
fn mul_tn(x: &[f64], y: &[f64], out: &mut [f64], n: usize) {
    out.iter_mut().for_each(|v| *v = 0.0);
    for k in 0..n {
        for i in 0..n {
            let xki = x[k * n + i];
            let (row, yrow) = (&mut out[i * n..(i + 1) * n], &y[k * n..(k + 1) * n]);
            for (o, v) in row.iter_mut().zip(yrow) {
                *o += xki * v;
            }
        }
    }
}

/// out = x·yᵀ.
#[inline(always)]
fn mul_nt(x: &[f64], y: &[f64], out: &mut [f64], n: usize) {
    for i in 0..n {
        let xrow = &x[i * n..(i + 1) * n];
        for j in 0..n {
            out[i * n + j] = dot(xrow, &y[j * n..(j + 1) * n]);
        }
    }
}

#[inline(always)]
/// Σ x_i y_i with four running sums (a fixed order: the same bits on every path), so the
/// additions overlap instead of waiting on each other.
fn dot(x: &[f64], y: &[f64]) -> f64 {
    let mut sums = [0.0; 4];
    let (xc, yc) = (x.chunks_exact(4), y.chunks_exact(4));
    let (xr, yr) = (xc.remainder(), yc.remainder());
    for (p, q) in xc.zip(yc) {
        for k in 0..4 {
            sums[k] += p[k] * q[k];
        }
    }
    let tail: f64 = xr.iter().zip(yr).map(|(p, q)| p * q).sum();
    (sums[0] + sums[1]) + (sums[2] + sums[3]) + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The search gives the same bits on every vector path (the paths this CPU lacks fall back
    /// to its widest, so on an AVX-512 machine all three are compared).
    #[test]
    fn every_vector_path_gives_the_same_angle() {
        use simd::Kernel;
        let n = 6;
        let (a, b) = (
            DsaOperator::new(random(n, 5), n, n),
            DsaOperator::new(random(n, 6), n, n),
        );
        let portable = Search {
            a: &a,
            b: &b,
            random_starts: 2,
        }
        .run();
        for path in simd::Path::ALL {
            let on_path = simd::dispatch_on(
                path,
                Search {
                    a: &a,
                    b: &b,
                    random_starts: 2,
                },
            );
            assert_eq!(on_path.angle.to_bits(), portable.angle.to_bits(), "{path}");
        }
    }

    fn random(n: usize, seed: u64) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..n * n)
            .map(|_| StandardNormal.sample(&mut rng))
            .collect()
    }

    fn conjugate(q: &[f64], a: &[f64], n: usize) -> Vec<f64> {
        let (mut tmp, mut out) = (vec![0.0; n * n], vec![0.0; n * n]);
        mul(q, a, &mut tmp, n);
        mul_nt(&tmp, q, &mut out, n);
        out
    }

    #[test]
    fn cayley_is_orthogonal() {
        let n = 6;
        let r = random(n, 1);
        let w: Vec<f64> = (0..n * n).map(|i| r[i] - r[(i % n) * n + i / n]).collect();
        let (mut c, mut lu, mut ctc) = (vec![0.0; n * n], vec![0.0; n * n], vec![0.0; n * n]);
        cayley(&w, 0.7, &mut c, &mut lu, n);
        mul_tn(&c, &c, &mut ctc, n);
        for (x, y) in ctc.iter().zip(identity(n)) {
            assert!((x - y).abs() < 1e-13);
        }
    }

    #[test]
    fn rotated_and_reflected_copies_are_at_zero() {
        for (n, seed) in [(4, 2), (10, 3), (20, 4)] {
            let a = DsaOperator::new(random(n, seed), n, n);
            let mut rng = ChaCha8Rng::seed_from_u64(seed + 100);
            for reflect in [false, true] {
                let q = haar_orthogonal(n, reflect, &mut rng);
                let b = DsaOperator::new(conjugate(&q, &a.operator, n), n, n);
                let r = procrustes_angle(&a, &b, 0);
                assert!(r.angle < 1e-8, "n {n} reflect {reflect}: {r:?}");
                assert!(r.at_identity > 0.1);
            }
        }
    }

    #[test]
    fn bounds_bracket_the_angle_and_it_is_a_metric() {
        // Random Gaussian operators have many local maxima of f; at n = 5 the starts find the
        // global one (a missed optimum would show as a broken triangle).
        let n = 5;
        let ops: Vec<DsaOperator> = (0..8)
            .map(|s| DsaOperator::new(random(n, 10 + s), n, n))
            .collect();
        let d = |i: usize, j: usize| procrustes_angle(&ops[i], &ops[j], 8);
        for i in 0..ops.len() {
            assert!(d(i, i).angle < 1e-12);
            for j in 0..ops.len() {
                let r = d(i, j);
                assert!(r.lower_bound <= r.angle + 1e-12 && r.angle <= r.at_identity + 1e-12);
                assert_eq!(r.angle, d(j, i).angle, "symmetric");
                for k in 0..ops.len() {
                    assert!(r.angle <= d(i, k).angle + d(k, j).angle + 1e-6, "triangle");
                }
            }
        }
    }
}
