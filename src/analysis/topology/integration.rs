//! The context-dependent integration scaffold. Per context: the line attractor read from the
//! fixed *and* slow points along the probe inputs (an approximate line attractor is a line of
//! slow points: its extent along the readout, how straight it is, how densely the search found
//! it), the slow mode's time constant in trials, how selectively the linearised network
//! integrates the cued rather than the ignored stream, and the readout's linear response as
//! modes are removed, smallest |λ| first. The verdict's thresholds follow from the task
//! (docs/SCIENCE.md, "Integration: a line attractor").

use faer::c64;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use crate::analysis::similarity::PrincipalAxes;
use crate::analysis::{linearise_at, FixedPoint, InputPoints};
use crate::net::CellMap;

/// Modes of the response curve kept in the descriptor.
const CURVE_MODES: usize = 20;
/// The slow mode must keep an input at least e⁻¹ of itself over a trial (τ ≥ T), and may not
/// grow it more than e-fold: |ln |λ|| · T ≤ 1.
const MIN_TAU_TRIALS: f64 = 1.0;
/// The line must span at least half the range of the targets (5th to 95th percentile).
const MIN_COVERAGE: f64 = 0.5;
/// The ignored stream may reach the readout with at most a quarter of the cued stream's
/// response: selectivity = cued / (cued + ignored) ≥ 0.8.
const MIN_SELECTIVITY: f64 = 0.8;
/// τ/T of a mode with |λ| = 1 exactly (no decay at all), so the number stays finite in JSON.
const TAU_CAP: f64 = 1e6;

/// What the verdict takes from the task.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IntegrationTask {
    /// Trial length T.
    pub steps: usize,
    /// 95th minus 5th percentile of the probe batch's targets: the range a readout must hold.
    pub target_span: f64,
}

/// The line of fixed and slow points of one context.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttractorLine {
    /// Fixed and slow points over the context's probe inputs.
    pub points: usize,
    /// Of which fixed (q below the fixed-point tolerance).
    pub fixed: usize,
    /// Range of the readout along the points.
    pub extent: f64,
    /// extent / the targets' range.
    pub coverage: f64,
    /// Share of the points' variance along their first principal axis (1: a straight line).
    pub straightness: f64,
    /// Points per unit of readout along the line.
    pub density: f64,
}

/// One context's part of the scaffold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IntegrationContext {
    /// Which stream this context cues (0 or 1).
    pub context: usize,
    /// The line of points, if any point was found.
    pub line: Option<AttractorLine>,
    /// Median over the line's points of their largest |λ|.
    pub top_modulus: Option<f64>,
    /// The slow mode's time constant over the trial length: 1 / (T · median |ln |λ₁||) over the
    /// line's points, capped at 10⁶.
    pub tau_trials: Option<f64>,
    /// |cos| between the top left eigenvector at the lowest-q point of the probe input nearest
    /// zero and ∂F/∂x of the cued stream.
    pub cued_alignment: Option<f64>,
    /// The same for the ignored stream.
    pub ignored_alignment: Option<f64>,
    /// |R_cued| / (|R_cued| + |R_ignored|), R the linearised readout response over a trial to
    /// a unit input on each stream through every mode: 1 when the ignored stream never
    /// reaches the readout, ½ when both do alike.
    pub selectivity: Option<f64>,
    /// The readout's response after T steps of unit cued input, linearised, keeping the m
    /// modes of largest |λ| (m = 1, 2, ...), over the response with every mode.
    pub response_by_modes: Vec<f64>,
    /// The fewest modes giving the full response within 10 %.
    pub modes_for_response: Option<usize>,
    /// A line attractor: τ ≥ T, coverage ≥ ½, selectivity ≥ 0.8.
    pub line_attractor: bool,
}

impl IntegrationContext {
    /// (memory over a trial, coverage, selectivity, modes for the response over 10), each in
    /// [0, 1]: what the distance between networks compares.
    pub fn features(&self) -> [f64; 4] {
        [
            self.tau_trials.map_or(0.0, |t| t.min(1.0)),
            self.line.as_ref().map_or(0.0, |l| l.coverage.min(1.0)),
            self.selectivity.unwrap_or(0.0),
            self.modes_for_response
                .map_or(1.0, |m| (m as f64 / 10.0).min(1.0)),
        ]
    }

    /// How far the context is from each threshold (0 for a line attractor): the shortfall of
    /// τ/T, coverage and selectivity, each relative to its threshold.
    pub fn distance_to_ideal(&self) -> f64 {
        let short = |v: Option<f64>, min: f64| (1.0 - v.unwrap_or(0.0) / min).clamp(0.0, 1.0);
        short(self.tau_trials, MIN_TAU_TRIALS)
            + short(self.line.as_ref().map(|l| l.coverage), MIN_COVERAGE)
            + short(self.selectivity, MIN_SELECTIVITY)
    }
}

/// The integration scaffold of one network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IntegrationScaffold {
    /// Per context.
    pub contexts: Vec<IntegrationContext>,
    /// Every context is a line attractor.
    pub ideal: bool,
    /// Mean over contexts of [`IntegrationContext::distance_to_ideal`].
    pub distance_to_ideal: f64,
}

fn cosine(a: &Array1<f64>, b: &Array1<f64>) -> f64 {
    let n = (a.dot(a) * b.dot(b)).sqrt();
    if n > 0.0 {
        (a.dot(b) / n).abs()
    } else {
        0.0
    }
}

/// The median of some numbers, None if there are none.
fn median(values: impl Iterator<Item = f64>) -> Option<f64> {
    let mut v: Vec<f64> = values.filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    })
}

/// The line through a context's points: its extent along the readout, straightness, density.
fn line_of(map: &CellMap, points: &[&FixedPoint], target_span: f64) -> Option<AttractorLine> {
    if points.is_empty() {
        return None;
    }
    let readouts: Vec<f64> = points
        .iter()
        .map(|p| map.readout(p.state.view())[0])
        .collect();
    let low = readouts.iter().copied().fold(f64::INFINITY, f64::min);
    let high = readouts.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let extent = high - low;
    let dim = points[0].state.len();
    let states = Array2::from_shape_fn((points.len(), dim), |(i, j)| points[i].state[j]);
    let straightness = PrincipalAxes::of(states.view()).map_or(1.0, |axes| {
        let total: f64 = axes.singular_values.iter().map(|s| s * s).sum();
        if total > 0.0 {
            axes.singular_values[0].powi(2) / total
        } else {
            1.0
        }
    });
    Some(AttractorLine {
        points: points.len(),
        fixed: points.iter().filter(|p| p.converged).count(),
        extent,
        coverage: if target_span > 0.0 {
            extent / target_span
        } else {
            0.0
        },
        straightness,
        density: if extent > 0.0 {
            points.len() as f64 / extent
        } else {
            0.0
        },
    })
}

/// The readout's linear response over `steps` steps to a unit input along `b`, mode by mode.
fn response_by_mode(
    lin: &crate::analysis::Linearisation,
    left: &Array2<c64>,
    b: &Array1<f64>,
    steps: usize,
    c_of: &dyn Fn(&Array1<c64>) -> c64,
) -> Vec<f64> {
    lin.eigenvalues
        .iter()
        .enumerate()
        .map(|(k, &l)| {
            // Mode k contributes (C v_k)(w_k·b) Σ_{t<T} λ_k^t to the readout.
            let v = lin.right.column(k).to_owned();
            let wb: c64 = left.row(k).iter().zip(b).map(|(w, b)| w * b).sum();
            let mut geometric = c64::new(0.0, 0.0);
            let mut power = c64::new(1.0, 0.0);
            for _ in 0..steps {
                geometric += power;
                power *= l;
            }
            (c_of(&v) * wb * geometric).re
        })
        .collect()
}

/// The integration scaffold from the fixed and slow points at each constant input (inputs: the
/// two streams, then the one-hot context).
pub fn integration_scaffold(
    map: &CellMap,
    inputs: &[InputPoints],
    task: IntegrationTask,
) -> IntegrationScaffold {
    let steps = task.steps;
    let zero_state = Array1::<f64>::zeros(map.spec().state_dim());
    let offset = map.readout(zero_state.view());
    // The readout's linear part, applied to a complex vector.
    let c_of = |v: &Array1<c64>| -> c64 {
        let re = map.readout(v.mapv(|z| z.re).view())[0] - offset[0];
        let im = map.readout(v.mapv(|z| z.im).view())[0] - offset[0];
        c64::new(re, im)
    };
    let mut contexts = Vec::new();
    for context in 0..2 {
        let here: Vec<&InputPoints> = inputs
            .iter()
            .filter(|at| at.input.len() == 4 && at.input[2 + context] > 0.5)
            .collect();
        let all: Vec<&FixedPoint> = here.iter().flat_map(|at| &at.points).collect();
        let line = line_of(map, &all, task.target_span);
        // The slow mode is read at the lowest-q point of the input nearest zero that has one.
        let mut by_distance: Vec<&&InputPoints> =
            here.iter().filter(|at| !at.points.is_empty()).collect();
        by_distance.sort_by(|a, b| a.input[context].abs().total_cmp(&b.input[context].abs()));
        let point = by_distance.first().and_then(|at| {
            at.points
                .iter()
                .min_by(|a, b| a.q.total_cmp(&b.q))
                .map(|p| (at, p))
        });
        let lin = point.and_then(|(at, p)| linearise_at(map, p.state.view(), at.input.view()));
        let mut row = IntegrationContext {
            context,
            line,
            top_modulus: None,
            tau_trials: None,
            cued_alignment: None,
            ignored_alignment: None,
            selectivity: None,
            response_by_modes: Vec::new(),
            modes_for_response: None,
            line_attractor: false,
        };
        // The slow mode along the line: the median over its points of |ln |λ₁||. One point
        // misleads: a line often ends in faster attractors, with a saddle between them.
        if let Some(rate) = median(
            all.iter()
                .filter_map(|p| p.eigenvalues.first())
                .map(|l| l.norm().ln().abs()),
        ) {
            row.top_modulus = median(
                all.iter()
                    .filter_map(|p| p.eigenvalues.first())
                    .map(|l| l.norm()),
            );
            let per_trial = rate * steps.max(1) as f64;
            row.tau_trials = Some(if per_trial > 0.0 {
                (1.0 / per_trial).min(TAU_CAP)
            } else {
                TAU_CAP
            });
        }
        if let Some(lin) = lin {
            let b_cued = lin.input_jacobian.column(context).to_owned();
            let b_ignored = lin.input_jacobian.column(1 - context).to_owned();
            if let Some(left) = &lin.left {
                let w_top = left.row(0).mapv(|z| z.re);
                row.cued_alignment = Some(cosine(&w_top, &b_cued));
                row.ignored_alignment = Some(cosine(&w_top, &b_ignored));
                let contributions = response_by_mode(&lin, left, &b_cued, steps, &c_of);
                let full: f64 = contributions.iter().sum();
                let ignored: f64 = response_by_mode(&lin, left, &b_ignored, steps, &c_of)
                    .iter()
                    .sum();
                row.selectivity = (full.abs() + ignored.abs() > 0.0)
                    .then(|| full.abs() / (full.abs() + ignored.abs()));
                let mut partial = 0.0;
                let mut curve = Vec::new();
                for (m, c) in contributions.iter().enumerate() {
                    partial += c;
                    if row.modes_for_response.is_none()
                        && (partial - full).abs() <= 0.1 * full.abs()
                    {
                        row.modes_for_response = Some(m + 1);
                    }
                    if m < CURVE_MODES {
                        curve.push(if full != 0.0 { partial / full } else { 0.0 });
                    }
                }
                row.response_by_modes = curve;
            }
        }
        row.line_attractor = row.tau_trials.is_some_and(|t| t >= MIN_TAU_TRIALS)
            && row
                .line
                .as_ref()
                .is_some_and(|l| l.coverage >= MIN_COVERAGE)
            && row.selectivity.is_some_and(|s| s >= MIN_SELECTIVITY);
        contexts.push(row);
    }
    let distance_to_ideal =
        contexts.iter().map(|c| c.distance_to_ideal()).sum::<f64>() / contexts.len() as f64;
    IntegrationScaffold {
        ideal: contexts.iter().all(|c| c.line_attractor),
        contexts,
        distance_to_ideal,
    }
}
