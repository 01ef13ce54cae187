//! Fixed and slow points of a network's map at a constant input: F(h*, x*) = h*.
//!
//! Each start is driven to a root of r(h) = F(h, x*) − h by Newton steps on the exact Jacobian
//! J − I (J = ∂F/∂h from `CellMap`) with a line search, Levenberg–Marquardt steps where J − I is
//! singular or Newton fails, so convergence is quadratic near a root and still safe elsewhere.
//! Three things make 1024 starts cheap: a descent stops as soon as it comes within the merge
//! distance of a fixed point already found (most starts end at a few attractors), a factorised
//! J − I is reused while it keeps converging, and a descent whose q stalls (a slow region) is
//! ended rather than run to the iteration limit. Points are kept if q = ½‖r‖² is below the slow-point
//! tolerance, labelled converged below the fixed-point tolerance, merged within a distance
//! (lowest q wins), and dropped when outside the region a network can reach: farther from the
//! starts' centroid than `outlier_factor` × their mean distance (FixedPointFinder's rule), or,
//! for tanh cells, outside the box |h_i| < 1 that every true fixed point lies in (where a gated
//! cell's update gate saturates, F(h) ≈ h far outside it: pseudo fixed points, PAPER.md).

use faer::linalg::solvers::{PartialPivLu, Solve};
use faer::{c64, Mat, Side};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use super::point_index::PointIndex;

use crate::net::{Activation, CellMap};

/// Settings of the search (PAPER.md's reference defaults); the `[analysis]` table of an
/// experiment file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FixedPointOptions {
    /// Starts per constant input: visited states plus noise.
    pub starts: usize,
    /// Std of the Gaussian noise added to the visited states.
    pub start_noise: f64,
    /// Seed of the draw of starts.
    pub seed: u64,
    /// Newton / Levenberg–Marquardt iterations per start.
    pub max_iterations: usize,
    /// q below which a point is a fixed point.
    pub q_tolerance: f64,
    /// q below which a non-converged point is kept as a slow point.
    pub slow_tolerance: f64,
    /// Points closer than this (2-norm) are one point.
    pub merge_distance: f64,
    /// Points farther from the starts' centroid than this × their mean distance are dropped.
    pub outlier_factor: f64,
}

impl Default for FixedPointOptions {
    fn default() -> Self {
        FixedPointOptions {
            starts: 1024,
            start_noise: 0.5,
            seed: 0,
            max_iterations: 100,
            q_tolerance: 1e-12,
            slow_tolerance: 1e-6,
            merge_distance: 1e-3,
            outlier_factor: 10.0,
        }
    }
}

impl FixedPointOptions {
    /// Checks every setting; the message names the field at fault.
    pub fn validate(&self) -> Result<(), String> {
        let positive = [
            ("q_tolerance", self.q_tolerance),
            ("slow_tolerance", self.slow_tolerance),
            ("merge_distance", self.merge_distance),
            ("outlier_factor", self.outlier_factor),
        ];
        for (name, v) in positive {
            if !(v.is_finite() && v > 0.0) {
                return Err(format!("{name} must be a finite number > 0 (got {v})"));
            }
        }
        if !(self.start_noise.is_finite() && self.start_noise >= 0.0) {
            return Err(format!(
                "start_noise must be finite and ≥ 0 (got {})",
                self.start_noise
            ));
        }
        if self.starts == 0 || self.max_iterations == 0 {
            return Err("starts and max_iterations must be at least 1".into());
        }
        if self.slow_tolerance < self.q_tolerance {
            return Err("slow_tolerance must be ≥ q_tolerance".into());
        }
        Ok(())
    }
}

/// One fixed or slow point with its linearisation.
#[derive(Clone, Debug, PartialEq)]
pub struct FixedPoint {
    /// The constant input x*.
    pub input: Array1<f64>,
    /// The state h* (LSTM: [c; h]).
    pub state: Array1<f64>,
    /// q = ½‖F(h*, x*) − h*‖².
    pub q: f64,
    /// q is below the fixed-point tolerance (else a slow point).
    pub converged: bool,
    /// Eigenvalues of ∂F/∂h at h*, largest modulus first.
    pub eigenvalues: Vec<c64>,
    /// Number of eigenvalues with |λ| > 1.
    pub unstable: usize,
}

impl FixedPoint {
    /// Stable iff every |λ| < 1.
    pub fn stable(&self) -> bool {
        self.eigenvalues.first().is_none_or(|l| l.norm() < 1.0)
    }
}

/// `count` starts: rows of `states` (visited states, one per row) drawn with replacement, plus
/// Gaussian noise of std `noise_std`.
pub fn starts_from_states(
    states: ArrayView2<f64>,
    count: usize,
    noise_std: f64,
    rng: &mut ChaCha8Rng,
) -> Array2<f64> {
    let noise = Normal::new(0.0, noise_std.max(0.0)).expect("finite std");
    let mut starts = Array2::zeros((count, states.ncols()));
    if states.nrows() == 0 {
        return starts;
    }
    for mut row in starts.rows_mut() {
        let pick = states.row(rng.random_range(0..states.nrows()));
        for (v, &s) in row.iter_mut().zip(pick) {
            *v = s + noise.sample(rng);
        }
    }
    starts
}

fn residual(map: &CellMap, h: &Array1<f64>, x: ArrayView1<f64>) -> (Array1<f64>, f64) {
    let r = map.step(h.view(), x) - h;
    let q = 0.5 * r.dot(&r);
    (r, q)
}

/// Iterations over which q must at least halve for a descent to go on.
const STALL: usize = 5;
/// Steps a descent past 2·STALL may still need, at its recent rate, to reach a slow point.
const HORIZON: f64 = 10.0;

/// How a descent ended.
enum Descent {
    /// At `h` with q (maybe not a root: the caller judges).
    Ended(Array1<f64>, f64),
    /// Within the merge distance of a known fixed point: it would converge there.
    Known,
}

/// Newton steps on r(h) = F(h) − h from `h`, with a backtracking line search on q, and a
/// Levenberg–Marquardt step wherever J − I is singular or the Newton direction fails. A
/// factorised J − I is reused for further (chord) steps while they at least halve ‖r‖, so near
/// a root most steps cost one map evaluation instead of a Jacobian. Stops early once `h` is
/// within the merge distance of a fixed point already in `known`.
fn descend(
    map: &CellMap,
    mut h: Array1<f64>,
    x: ArrayView1<f64>,
    opts: &FixedPointOptions,
    known: &PointIndex,
) -> Descent {
    let s = h.len();
    let (mut r, mut q) = residual(map, &h, x);
    let mut mu = 1e-3;
    let mut history = Vec::with_capacity(opts.max_iterations);
    // J − I at some earlier iterate and its LU factors; `fresh` if taken at the current h.
    let mut factored: Option<(Mat<f64>, PartialPivLu<f64>)> = None;
    let mut fresh = false;
    let mut iterations = 0;
    while iterations < opts.max_iterations {
        if !q.is_finite() || q < opts.q_tolerance {
            break;
        }
        if known.near(h.view(), opts.merge_distance).is_some() {
            return Descent::Known;
        }
        if factored.is_none() {
            let j = map.jacobians(h.view(), x).state;
            let jr = Mat::from_fn(s, s, |a, b| j[[a, b]] - if a == b { 1.0 } else { 0.0 });
            let lu = jr.partial_piv_lu();
            factored = Some((jr, lu));
            fresh = true;
        }
        let (jr, lu) = factored.as_ref().expect("just factored");
        let direction = lu.solve(Mat::from_fn(s, 1, |i, _| -r[i]));
        let along = |t: f64| Array1::from_shape_fn(s, |i| h[i] + t * direction[(i, 0)]);
        let finite = direction.col(0).iter().all(|v| v.is_finite());
        let mut step = None;
        if !fresh {
            // A chord step must at least halve ‖r‖, else refactor at this h.
            let candidate = along(1.0);
            let (r_new, q_new) = residual(map, &candidate, x);
            if finite && q_new.is_finite() && q_new <= 0.25 * q {
                step = Some((candidate, r_new, q_new));
            } else {
                factored = None;
                continue;
            }
        } else if finite {
            // Armijo on q: along the Newton direction q falls at rate 2q.
            let mut t = 1.0;
            for _ in 0..8 {
                let candidate = along(t);
                let (r_new, q_new) = residual(map, &candidate, x);
                if q_new.is_finite() && q_new <= q * (1.0 - 1e-4 * t) {
                    step = Some((candidate, r_new, q_new));
                    break;
                }
                t *= 0.5;
            }
        }
        if step.is_none() {
            step = levenberg_marquardt(map, &h, &r, q, x, jr, &mut mu);
            factored = None;
        }
        let Some(next) = step else {
            break; // a local minimum of q that is not a root: a slow point at best
        };
        (h, r, q) = next;
        fresh = false;
        iterations += 1;
        // Near a root q falls quadratically. Halving less over STALL steps is a slow region, and
        // so is a rate at which the slow-point tolerance is still more than HORIZON steps away.
        history.push(q);
        if history.len() > STALL {
            let rate = q / history[history.len() - 1 - STALL];
            let needed = (opts.slow_tolerance / q).ln() / rate.ln() * STALL as f64;
            if rate > 0.5 || (history.len() >= 2 * STALL && needed > HORIZON) {
                break;
            }
        }
    }
    Descent::Ended(h, q)
}

/// One fresh Newton step from a point already within tolerance, kept if q falls: a new point
/// is reported near machine precision, not merely at the tolerance.
fn polish(map: &CellMap, h: Array1<f64>, q: f64, x: ArrayView1<f64>) -> (Array1<f64>, f64) {
    let s = h.len();
    let j = map.jacobians(h.view(), x).state;
    let jr = Mat::from_fn(s, s, |a, b| j[[a, b]] - if a == b { 1.0 } else { 0.0 });
    let (r, _) = residual(map, &h, x);
    let direction = jr.partial_piv_lu().solve(Mat::from_fn(s, 1, |i, _| -r[i]));
    let candidate = Array1::from_shape_fn(s, |i| h[i] + direction[(i, 0)]);
    let (_, q_new) = residual(map, &candidate, x);
    if q_new < q {
        (candidate, q_new)
    } else {
        (h, q)
    }
}

/// One damped Gauss–Newton step (JᵣᵀJᵣ + μI)δ = −Jᵣᵀr, raising μ until q falls.
fn levenberg_marquardt(
    map: &CellMap,
    h: &Array1<f64>,
    r: &Array1<f64>,
    q: f64,
    x: ArrayView1<f64>,
    jr: &Mat<f64>,
    mu: &mut f64,
) -> Option<(Array1<f64>, Array1<f64>, f64)> {
    let s = h.len();
    let jt_j = jr.transpose() * jr;
    let rm = Mat::from_fn(s, 1, |i, _| r[i]);
    let g = jr.transpose() * &rm;
    for _ in 0..12 {
        let a = Mat::from_fn(s, s, |i, j| jt_j[(i, j)] + if i == j { *mu } else { 0.0 });
        let Ok(llt) = a.llt(Side::Lower) else {
            *mu *= 10.0;
            continue;
        };
        let rhs = Mat::from_fn(s, 1, |i, _| -g[(i, 0)]);
        let delta = llt.solve(&rhs);
        let candidate = Array1::from_shape_fn(s, |i| h[i] + delta[(i, 0)]);
        let (r_new, q_new) = residual(map, &candidate, x);
        if q_new.is_finite() && q_new < q {
            *mu = (*mu / 3.0).max(1e-15);
            return Some((candidate, r_new, q_new));
        }
        *mu *= 4.0;
    }
    None
}

/// Fixed and slow points of `map` at input `x` reached from the rows of `starts`: unique
/// (within the merge distance, lowest q kept), inside the reachable region, with eigenvalues;
/// in the order first found.
pub fn find_fixed_points(
    map: &CellMap,
    x: ArrayView1<f64>,
    starts: ArrayView2<f64>,
    opts: &FixedPointOptions,
) -> Vec<FixedPoint> {
    let spec = map.spec();
    let n = spec.units;
    let s = spec.state_dim();
    let centroid = starts
        .mean_axis(Axis(0))
        .unwrap_or_else(|| Array1::zeros(s));
    let mean_distance = starts
        .rows()
        .into_iter()
        .map(|row| (&row - &centroid).mapv(|v| v * v).sum().sqrt())
        .sum::<f64>()
        / starts.nrows().max(1) as f64;
    let bounded = spec.activation == Activation::Tanh;
    let reachable = |h: &Array1<f64>| {
        let h_part = h.slice(ndarray::s![s - n..]);
        (!bounded || h_part.iter().all(|v| v.abs() < 1.0))
            && (&centroid - h).mapv(|v| v * v).sum().sqrt()
                <= opts.outlier_factor * mean_distance.max(f64::MIN_POSITIVE)
    };

    // Converged points seen so far (descents stop near them), and every kept point with its q.
    let mut converged = PointIndex::new(s);
    let mut kept = PointIndex::new(s);
    let mut qs: Vec<f64> = Vec::new();
    for start in starts.rows() {
        let (h, q) = match descend(map, start.to_owned(), x, opts, &converged) {
            Descent::Known => continue,
            Descent::Ended(h, q) => (h, q),
        };
        if !(q.is_finite() && q < opts.slow_tolerance && reachable(&h)) {
            continue;
        }
        let (h, q) = if q < opts.q_tolerance {
            polish(map, h, q, x)
        } else {
            (h, q)
        };
        match kept.near(h.view(), opts.merge_distance) {
            Some(k) if qs[k] <= q => {}
            Some(k) => {
                qs[k] = q;
                kept.replace(k, h.clone());
            }
            None => {
                kept.insert(h.clone());
                qs.push(q);
            }
        }
        if q < opts.q_tolerance && converged.near(h.view(), 0.0).is_none() {
            converged.insert(h);
        }
    }
    qs.iter()
        .enumerate()
        .map(|(k, &q)| linearise(map, kept.point(k).clone(), q, x, opts))
        .collect()
}
fn linearise(
    map: &CellMap,
    state: Array1<f64>,
    q: f64,
    x: ArrayView1<f64>,
    opts: &FixedPointOptions,
) -> FixedPoint {
    let j = map.jacobians(state.view(), x).state;
    let s = state.len();
    let mut eigenvalues = Mat::from_fn(s, s, |a, b| j[[a, b]])
        .eigenvalues()
        .unwrap_or_default();
    eigenvalues.sort_by(|a, b| b.norm().total_cmp(&a.norm()));
    let unstable = eigenvalues.iter().filter(|l| l.norm() > 1.0).count();
    FixedPoint {
        input: x.to_owned(),
        state,
        q,
        converged: q < opts.q_tolerance,
        eigenvalues,
        unstable,
    }
}
