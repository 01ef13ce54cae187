//! The sine-wave scaffold: per static input, the fixed points, the dominant complex pair's
//! linearised frequency |arg λ|/2π against the target ω(x), and whether a limit cycle surrounds
//! the point, with its period against 1/ω(x).

use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use super::flow::readout_traces;
use crate::analysis::{linearise_at, FixedPoint, InputPoints};
use crate::net::CellMap;

/// Steps run before the period is measured (the orbit settles onto the cycle).
const BURN_IN: usize = 1500;
/// Steps over which the period is measured.
const MEASURE: usize = 2500;
/// A readout swinging less than this (peak to peak) is not a cycle.
const MIN_AMPLITUDE: f64 = 0.2;
/// Step from the point along the dominant mode to start the orbit.
const EPSILON: f64 = 1e-2;

/// One static input's part of the scaffold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SineInput {
    /// The static input x.
    pub input: f64,
    /// The target frequency ω(x), cycles per step.
    pub target_frequency: f64,
    /// Fixed points at this input.
    pub fixed_points: usize,
    /// Of which stable.
    pub stable: usize,
    /// |arg λ|/2π of the largest-modulus complex eigenvalue over the points, if any.
    pub linear_frequency: Option<f64>,
    /// Its modulus.
    pub modulus: Option<f64>,
    /// The limit cycle's period in steps, if the orbit from the point oscillates.
    pub cycle_period: Option<f64>,
}

impl SineInput {
    /// (limit cycle present, 1/(period·ω) clipped to [0, 2], linear frequency / ω clipped to
    /// [0, 2]): the ideal is (1, 1, 1).
    pub fn features(&self) -> [f64; 3] {
        let w = self.target_frequency;
        [
            f64::from(u8::from(self.cycle_period.is_some())),
            self.cycle_period
                .map_or(0.0, |p| (1.0 / (p * w)).clamp(0.0, 2.0)),
            self.linear_frequency
                .map_or(0.0, |f| (f / w).clamp(0.0, 2.0)),
        ]
    }
}

/// The sine scaffold of one network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SineScaffold {
    /// Per static input, in the task's order.
    pub inputs: Vec<SineInput>,
    /// Pearson correlation of linearised and target frequency over the inputs that have one.
    pub frequency_correlation: Option<f64>,
    /// Every input has a limit cycle with period within 10 % of 1/ω(x).
    pub ideal: bool,
    /// Mean L1 distance of the per-input features to the ideal (1, 1, 1).
    pub distance_to_ideal: f64,
}

fn pearson(a: &[f64], b: &[f64]) -> Option<f64> {
    let n = a.len() as f64;
    if a.len() < 3 {
        return None;
    }
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    (va > 0.0 && vb > 0.0).then(|| cov / (va * vb).sqrt())
}

/// Mean interval between upward mean-crossings of `trace`, if it swings enough to be a cycle.
pub fn period_of(trace: &[f64]) -> Option<f64> {
    let (lo, hi) = trace
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &y| {
            (l.min(y), h.max(y))
        });
    let swing = hi - lo;
    if swing.is_nan() || swing < MIN_AMPLITUDE {
        return None;
    }
    let mean = trace.iter().sum::<f64>() / trace.len() as f64;
    let crossings: Vec<f64> = trace
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w[0] < mean && w[1] >= mean)
        .map(|(t, w)| t as f64 + (mean - w[0]) / (w[1] - w[0]))
        .collect();
    (crossings.len() >= 3)
        .then(|| (crossings[crossings.len() - 1] - crossings[0]) / (crossings.len() - 1) as f64)
}

/// The sine scaffold from the points found at each static input; `frequency(x)` is ω(x).
pub fn sine_scaffold(
    map: &CellMap,
    inputs: &[InputPoints],
    frequency: impl Fn(f64) -> f64,
) -> SineScaffold {
    let s = map.spec().state_dim();
    let mut rows = Vec::new();
    let mut orbit_starts: Vec<Option<Array1<f64>>> = Vec::new();
    for at in inputs {
        let fixed: Vec<&FixedPoint> = at.points.iter().filter(|p| p.converged).collect();
        // The point with the largest complex eigenvalue: the oscillation's centre.
        let centre = fixed
            .iter()
            .filter_map(|p| {
                p.eigenvalues
                    .iter()
                    .find(|l| l.im.abs() > 1e-9)
                    .map(|l| (p, *l))
            })
            .max_by(|a, b| a.1.norm().total_cmp(&b.1.norm()));
        let start = centre.and_then(|(p, _)| {
            let lin = linearise_at(map, p.state.view(), at.input.view())?;
            let k = lin.eigenvalues.iter().position(|l| l.im.abs() > 1e-9)?;
            let v = lin.right.column(k).mapv(|z| z.re);
            let norm = v.dot(&v).sqrt().max(f64::MIN_POSITIVE);
            Some(&p.state + &(v * (EPSILON / norm)))
        });
        orbit_starts.push(start);
        rows.push(SineInput {
            input: at.input[0],
            target_frequency: frequency(at.input[0]),
            fixed_points: fixed.len(),
            stable: fixed.iter().filter(|p| p.stable()).count(),
            linear_frequency: centre.map(|(_, l)| l.im.atan2(l.re).abs() / std::f64::consts::TAU),
            modulus: centre.map(|(_, l)| l.norm()),
            cycle_period: None,
        });
    }
    // Each orbit runs at its own input, so one batch per input.
    for (k, at) in inputs.iter().enumerate() {
        let Some(start) = &orbit_starts[k] else {
            continue;
        };
        let initial = Array2::from_shape_fn((1, s), |(_, c)| start[c]);
        let trace = readout_traces(map, initial, at.input.view(), BURN_IN + MEASURE);
        rows[k].cycle_period = period_of(&trace[0][BURN_IN..]);
    }
    let with_frequency: Vec<(f64, f64)> = rows
        .iter()
        .filter_map(|r| r.linear_frequency.map(|f| (f, r.target_frequency)))
        .collect();
    let (lin, target): (Vec<f64>, Vec<f64>) = with_frequency.into_iter().unzip();
    let distance_to_ideal = if rows.is_empty() {
        0.0
    } else {
        rows.iter()
            .map(|r| r.features().iter().map(|f| (f - 1.0).abs()).sum::<f64>())
            .sum::<f64>()
            / rows.len() as f64
    };
    SineScaffold {
        ideal: !rows.is_empty()
            && rows.iter().all(|r| {
                r.cycle_period
                    .is_some_and(|p| (p * r.target_frequency - 1.0).abs() < 0.1)
            }),
        frequency_correlation: pearson(&lin, &target),
        inputs: rows,
        distance_to_ideal,
    }
}
