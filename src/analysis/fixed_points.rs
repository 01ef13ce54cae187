//! Fixed and slow points of a network's map at a constant input: F(h*, x*) = h*.
//!
//! Each start is driven to a root of r(h) = F(h, x*) − h by Levenberg–Marquardt steps on the
//! exact Jacobian J − I (J = ∂F/∂h from `CellMap`), so convergence is quadratic near a root and
//! still safe where J − I is singular. Points are kept if q = ½‖r‖² is below the slow-point
//! tolerance, labelled converged below the fixed-point tolerance, merged within a distance
//! (lowest q wins), and dropped when outside the region a network can reach: farther from the
//! starts' centroid than `outlier_factor` × their mean distance (FixedPointFinder's rule), or,
//! for tanh cells, outside the box |h_i| < 1 that every true fixed point lies in (where a gated
//! cell's update gate saturates, F(h) ≈ h far outside it: pseudo fixed points, PAPER.md).

use faer::{c64, Mat, Side};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use crate::net::{Activation, CellMap};

/// Settings of the search (PAPER.md's reference defaults).
#[derive(Clone, Debug, PartialEq)]
pub struct FixedPointOptions {
    /// Levenberg–Marquardt iterations per start.
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
            max_iterations: 100,
            q_tolerance: 1e-12,
            slow_tolerance: 1e-6,
            merge_distance: 1e-3,
            outlier_factor: 10.0,
        }
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

/// Levenberg–Marquardt on r(h) = F(h) − h from `h`; returns the final point and its q.
fn descend(
    map: &CellMap,
    mut h: Array1<f64>,
    x: ArrayView1<f64>,
    opts: &FixedPointOptions,
) -> (Array1<f64>, f64) {
    let s = h.len();
    let (mut r, mut q) = residual(map, &h, x);
    let mut mu = 1e-3;
    for _ in 0..opts.max_iterations {
        if !q.is_finite() || q < opts.q_tolerance {
            break;
        }
        let mut jr = map.jacobians(h.view(), x).state;
        for i in 0..s {
            jr[[i, i]] -= 1.0;
        }
        let jt_j = jr.t().dot(&jr);
        let g = jr.t().dot(&r);
        let mut improved = false;
        for _ in 0..12 {
            let a = Mat::from_fn(s, s, |i, j| jt_j[[i, j]] + if i == j { mu } else { 0.0 });
            let Ok(llt) = a.llt(Side::Lower) else {
                mu *= 10.0;
                continue;
            };
            let rhs = Mat::from_fn(s, 1, |i, _| -g[i]);
            let delta = faer::linalg::solvers::Solve::solve(&llt, &rhs);
            let candidate = Array1::from_shape_fn(s, |i| h[i] + delta[(i, 0)]);
            let (r_new, q_new) = residual(map, &candidate, x);
            if q_new.is_finite() && q_new < q {
                (h, r, q) = (candidate, r_new, q_new);
                mu = (mu / 3.0).max(1e-15);
                improved = true;
                break;
            }
            mu *= 4.0;
        }
        if !improved {
            break; // a local minimum of q that is not a root: a slow point at best
        }
    }
    (h, q)
}

/// Fixed and slow points of `map` at input `x` reached from the rows of `starts`, unique,
/// lowest q first within each merge, with eigenvalues; in no particular order.
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

    let mut found: Vec<(Array1<f64>, f64)> = starts
        .rows()
        .into_iter()
        .map(|start| descend(map, start.to_owned(), x, opts))
        .filter(|(h, q)| {
            let h_part = h.slice(ndarray::s![s - n..]);
            q.is_finite()
                && *q < opts.slow_tolerance
                && (!bounded || h_part.iter().all(|v| v.abs() < 1.0))
                && (&centroid - h).mapv(|v| v * v).sum().sqrt()
                    <= opts.outlier_factor * mean_distance.max(f64::MIN_POSITIVE)
        })
        .collect();
    found.sort_by(|a, b| a.1.total_cmp(&b.1));
    let mut unique: Vec<(Array1<f64>, f64)> = Vec::new();
    for (h, q) in found {
        let near = unique
            .iter()
            .any(|(u, _)| (u - &h).mapv(|v| v * v).sum().sqrt() <= opts.merge_distance);
        if !near {
            unique.push((h, q));
        }
    }
    unique
        .into_iter()
        .map(|(h, q)| linearise(map, h, q, x, opts))
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
