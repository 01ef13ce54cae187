//! A fixed or slow point and the settings of the search that finds them.

use faer::c64;
use ndarray::Array1;
use serde::{Deserialize, Serialize};

/// Settings of the search (the reference defaults of docs/SCIENCE.md); the `[analysis]` table of an
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
    /// Points farther from the visited states' centroid than this × the largest distance of a
    /// visited state from it are pseudo points, not fixed points of the task (0: no such rule).
    pub region_factor: f64,
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
            region_factor: 2.0,
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
        if !(self.region_factor.is_finite() && self.region_factor >= 0.0) {
            return Err(format!(
                "region_factor must be finite and ≥ 0 (got {})",
                self.region_factor
            ));
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
