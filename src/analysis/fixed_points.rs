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

use faer::c64;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use super::collector::Collector;
use super::newton::{descend, Descent};
use super::point_index::PointIndex;

use crate::net::CellMap;

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

/// Most pairs of attractors whose midpoints start a second pass.
const MAX_MIDPOINTS: usize = 256;

/// Fixed and slow points of `map` at input `x` reached from the rows of `starts` (and from the
/// midpoints of pairs of the attractors they reach): unique
/// (within the merge distance, lowest q kept), inside the reachable region, with eigenvalues;
/// in the order first found.
pub fn find_fixed_points(
    map: &CellMap,
    x: ArrayView1<f64>,
    starts: ArrayView2<f64>,
    opts: &FixedPointOptions,
) -> Vec<FixedPoint> {
    let mut collector = Collector::new(map, x, starts, opts);
    // Converged points seen so far: later descents stop when they come near one.
    let mut converged = PointIndex::new(map.spec().state_dim());
    let mut search = |start: Array1<f64>, collector: &mut Collector| {
        if let Descent::Ended(h, q) = descend(map, start, x, opts, &converged) {
            if let Some((h, q)) = collector.offer(h, q) {
                if q < opts.q_tolerance && converged.near(h.view(), 0.0).is_none() {
                    converged.insert(h);
                }
            }
        }
    };
    for start in starts.rows() {
        search(start.to_owned(), &mut collector);
    }
    // Starts near trajectories reach attractors and the saddles next to them, rarely the
    // saddles deeper between attractors (a flip-flop's face and centre saddles); midpoints of
    // pairs of attractors start there.
    let attractors = collector.attractors();
    let pairs = (0..attractors.len()).flat_map(|i| (i + 1..attractors.len()).map(move |j| (i, j)));
    for (i, j) in pairs.take(MAX_MIDPOINTS) {
        search((&attractors[i] + &attractors[j]) * 0.5, &mut collector);
    }
    collector.finish()
}
