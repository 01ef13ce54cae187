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

use super::square::{cayley, dot, padded, product, skew_upper, Side, Square};
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
    let (a_unit, b_unit) = (Square::from_rows(&a.unit, n), Square::from_rows(&b.unit, n));
    let mut ascent = Ascent::new(&b_unit);
    let mut starts: Vec<Square> = a
        .frames
        .iter()
        .zip(&b.frames)
        .flat_map(|(xa, xb)| spectral_starts(&a_unit, &b_unit, xa, xb))
        .collect();
    let mut reflection = Square::identity(n);
    reflection.set(n - 1, n - 1, -1.0);
    starts.extend([Square::identity(n), reflection]);
    let mut rng = ChaCha8Rng::seed_from_u64(START_SEED);
    for k in 0..random_starts {
        starts.push(haar_orthogonal(n, k % 2 == 1, &mut rng));
    }
    // Every start a few steps, then the best two of each component of O(n) to the end: about
    // a third of the cost of following every start, at a small loss (README, "DSA").
    let mut screened: [Vec<(f64, Square)>; 2] = [Vec::new(), Vec::new()];
    for start in starts {
        let component = usize::from(determinant_is_negative(&start));
        screened[component].push(ascent.run(conjugated(&a_unit, &start), SCREEN));
        result.ascents += 1;
    }
    for mut list in screened {
        list.sort_by(|x, y| y.0.total_cmp(&x.0));
        for (_, m) in list.into_iter().take(KEPT) {
            let (_, m) = ascent.run(m, MAX_ITERATIONS);
            // ‖Â − C B̂ Cᵀ‖ = ‖Cᵀ Â C − B̂‖.
            result.angle = result.angle.min(angle_of(m.distance(&b_unit)));
            if result.angle - lower_bound <= BOUND_MET {
                return result;
            }
        }
    }
    result
}

/// Cᵀ X C.
fn conjugated(x: &Square, c: &Square) -> Square {
    let (mut xc, mut out) = (Square::zeros(c.n()), Square::zeros(c.n()));
    product(&mut xc, [(x, Side::Plain, c)]);
    product(&mut out, [(c, Side::Transposed, &xc)]);
    out
}

/// The spectral start X_a D X_bᵀ of a pair of frames and its twin of the other determinant.
fn spectral_starts(a: &Square, b: &Square, ua: &[f64], ub: &[f64]) -> [Square; 2] {
    let n = a.n();
    // Ã = U_aᵀ Â U_a, B̃ = U_bᵀ B̂ U_b; for C = U_a D U_bᵀ, f = Σ_kl d_k d_l Ã_kl B̃_kl.
    let (at, bt) = (
        conjugated(a, &Square::from_rows(ua, n)),
        conjugated(b, &Square::from_rows(ub, n)),
    );
    // Symmetrised weights: flipping d_k changes f by −2 d_k Σ_{l≠k} q_kl d_l.
    let q: Vec<f64> = (0..n * n)
        .map(|i| {
            let (k, l) = (i / n, i % n);
            at.at(k, l) * bt.at(k, l) + at.at(l, k) * bt.at(l, k)
        })
        .collect();
    let start = |d: &[f64]| {
        Square::from_fn(n, |i, j| {
            (0..n).map(|k| ua[i * n + k] * d[k] * ub[j * n + k]).sum()
        })
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

/// Whether an orthogonal matrix is a reflection (determinant −1).
fn determinant_is_negative(c: &Square) -> bool {
    Mat::from_fn(c.n(), c.n(), |i, j| c.at(i, j)).determinant() < 0.0
}

/// A Haar-random orthogonal matrix (QR of a Gaussian matrix, R's diagonal made positive) of
/// determinant −1 if `reflect`, else +1.
fn haar_orthogonal(n: usize, reflect: bool, rng: &mut ChaCha8Rng) -> Square {
    let g = Mat::<f64>::from_fn(n, n, |_, _| StandardNormal.sample(rng));
    let qr = g.qr();
    let (q, r) = (qr.compute_Q(), qr.R());
    let mut c = Square::from_fn(n, |i, j| {
        if r[(j, j)] < 0.0 {
            -q[(i, j)]
        } else {
            q[(i, j)]
        }
    });
    if determinant_is_negative(&c) != reflect {
        c.negate_column(0);
    }
    c
}

/// The buffers of one ascent, reused from start to start. The ascent moves M = Cᵀ Â C rather
/// than C: f = ⟨M, B̂⟩, the gradient and the angle need only M, and a step C ← C·Q is
/// M ← Qᵀ M Q, one product fewer than moving C and conjugating Â again.
struct Ascent<'a> {
    b: &'a Square,
    /// B̂ᵀ.
    bt: Square,
    tmp: Square,
    trial_m: Square,
    /// ∇f before the skew part is taken.
    p: Square,
    cayley: Square,
    lu: Square,
}

impl<'a> Ascent<'a> {
    #[inline(always)]
    fn new(b: &'a Square) -> Self {
        let z = || Square::zeros(b.n());
        Ascent {
            b,
            bt: b.transposed(),
            tmp: z(),
            trial_m: z(),
            p: z(),
            cayley: z(),
            lu: z(),
        }
    }

    /// The Riemannian gradient W = P − Pᵀ, P = M B̂ᵀ + Mᵀ B̂ (the skew part of Cᵀ∇f, doubled),
    /// as its upper triangle into `g`; returns ‖W‖².
    #[inline(always)]
    fn gradient(&mut self, m: &Square, g: &mut [f64]) -> f64 {
        product(
            &mut self.p,
            [(m, Side::Plain, &self.bt), (m, Side::Transposed, self.b)],
        );
        skew_upper(&self.p, g)
    }

    /// Ascends from M = Cᵀ Â C for at most `iterations` steps: L-BFGS on the Lie algebra's
    /// coordinates (ω_pq, p < q: the left-trivialised tangent space, where the gradient is W's
    /// upper triangle; the last [`MEMORY`] steps model the curvature), steps C ← C·cay(Ω(t·d))
    /// with Armijo backtracking. Returns f and the M reached.
    #[inline(always)]
    fn run(&mut self, mut m: Square, iterations: usize) -> (f64, Square) {
        let n = m.n();
        // The coordinates ω_pq (p < q), padded with zeros that every step keeps.
        let q = padded(n * (n - 1) / 2);
        let mut f = m.inner(self.b);
        let (mut g, mut trial_g) = (vec![0.0; q], vec![0.0; q]);
        let mut g2 = self.gradient(&m, &mut g);
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
                cayley(&d, step, &mut self.cayley, &mut self.lu);
                product(&mut self.tmp, [(&m, Side::Plain, &self.cayley)]);
                product(
                    &mut self.trial_m,
                    [(&self.cayley, Side::Transposed, &self.tmp)],
                );
                let trial_f = self.trial_m.inner(self.b);
                if trial_f >= f + 1e-4 * step * slope {
                    accepted = Some(trial_f);
                    break;
                }
                step *= 0.5;
            }
            let Some(trial_f) = accepted else { break };
            std::mem::swap(&mut m, &mut self.trial_m);
            let trial_g2 = self.gradient(&m, &mut trial_g);
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
        (f, m)
    }
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

    /// Q A Qᵀ, row-major.
    fn conjugate(q: &Square, a: &[f64], n: usize) -> Vec<f64> {
        let qaqt = conjugated(&Square::from_rows(a, n), &q.transposed());
        (0..n * n).map(|k| qaqt.at(k / n, k % n)).collect()
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
