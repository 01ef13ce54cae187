//! The context-dependent integration scaffold. Per context: the approximate line attractor —
//! the states on which the network holds a running sum over a trial (its probe states, relaxed
//! at the context's input without the streams, that keep their readout over a trial) together
//! with the fixed and slow points the search found there — described by its extent along the
//! readout, how straight it is and how densely the search found it; the slow mode's time
//! constant in trials; how selectively the linearised network integrates the cued rather than
//! the ignored stream; and the readout's linear response as modes are removed, smallest |λ|
//! first. The verdict's thresholds follow from the task (docs/SCIENCE.md, "Integration: a line
//! attractor").

use faer::c64;
use ndarray::{Array1, Array2, ArrayView3, Axis};
use serde::{Deserialize, Serialize};

use crate::analysis::median::median;
use crate::analysis::similarity::PrincipalAxes;
use crate::analysis::{linearise_at, FixedPoint, InputPoints, Linearisation};
use crate::net::CellMap;
use crate::task::{Batch, Integration};

/// Modes of the response curve kept in the descriptor.
const CURVE_MODES: usize = 20;
/// The verdict's thresholds (docs/SCIENCE.md, "Integration: a line attractor" says why each).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LineThresholds {
    /// τ/T at least: the slow mode keeps at least e⁻¹ of an input over a trial (τ ≥ T), and
    /// grows it no more than e-fold: |ln |λ|| · T ≤ 1.
    pub tau_trials: f64,
    /// The line spans at least this share of the context's targets (5th to 95th percentile).
    pub coverage: f64,
    /// The ignored stream reaches the readout with at most a quarter of the cued stream's
    /// response: cued / (cued + ignored) ≥ 0.8.
    pub selectivity: f64,
}

impl LineThresholds {
    /// The thresholds rnnlab's verdict uses.
    pub const STUDY: LineThresholds = LineThresholds {
        tau_trials: 1.0,
        coverage: 0.5,
        selectivity: 0.8,
    };
}

/// A state holds its value if, left alone for a trial, its readout keeps at least e⁻¹ of its
/// distance from where it comes to rest (the τ ≥ T of the slow mode, state by state).
const HELD_SHARE: f64 = 0.367_879_441_171_442_3;
/// Trials after which a state left alone is taken to be at rest (a mode with τ = T keeps e⁻⁵
/// of itself by then).
const REST_TRIALS: usize = 5;
/// A state whose readout is within this share of the targets' range of its rest is at rest.
const RESTING: f64 = 1e-3;
/// Probe states relaxed onto the line, at most (evenly spread over the trials).
const MAX_SAMPLES: usize = 128;
/// States along the line (readout quantiles) at which it is linearised.
const LINEARISED_ALONG: usize = 5;
/// τ/T of a mode with |λ| = 1 exactly (no decay at all), so the number stays finite in JSON.
const TAU_CAP: f64 = 1e6;
/// The input pulse of the retention measure's central differences.
const PULSE: f64 = 1e-4;

/// The weight of a stream's first input in the final readout over its last input's, on `trials`
/// (the probe trials as they are, pulses of ±[`PULSE`] added: central differences), for the
/// stream whose last input reaches the readout most (the one the network integrates; whether
/// that is the cued one is selectivity's question). The median over the trials that stayed on
/// the line, where both inputs reach the readout (a ReLU integrator clamped at zero forgets
/// at the line's end, not along it); with no such trial, the ratio of the summed weights.
fn retention(map: &CellMap, probe: ArrayView3<f32>, trials: &[usize]) -> Option<f64> {
    let (first, last) = (0..2)
        .filter_map(|stream| stream_weights(map, probe, trials, stream))
        .max_by(|a, b| {
            let sum = |w: &[f64]| w.iter().map(|v| v.abs()).sum::<f64>();
            sum(&a.1).total_cmp(&sum(&b.1))
        })?;
    let reach = 1e-6 * last.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if reach <= 0.0 {
        return None;
    }
    median(
        first
            .iter()
            .zip(&last)
            .filter(|(f, l)| f.abs() > reach && l.abs() > reach)
            .map(|(f, l)| f / l),
    )
    .or_else(|| Some(first.iter().sum::<f64>() / last.iter().sum::<f64>()))
}

/// Per trial, the weights of `stream`'s first and of its last input in the final readout.
fn stream_weights(
    map: &CellMap,
    probe: ArrayView3<f32>,
    trials: &[usize],
    stream: usize,
) -> Option<(Vec<f64>, Vec<f64>)> {
    let (steps, _, inputs) = probe.dim();
    if trials.is_empty() || steps < 2 || stream >= inputs {
        return None;
    }
    let final_readout = |at: usize, pulse: f64| -> Vec<f64> {
        let mut h = Array2::<f64>::zeros((trials.len(), map.spec().state_dim()));
        for t in 0..steps {
            let x = Array2::from_shape_fn((trials.len(), inputs), |(r, i)| {
                let v = f64::from(probe[[t, trials[r], i]]);
                if t == at && i == stream {
                    v + pulse
                } else {
                    v
                }
            });
            h = map.step_each(h.view(), x.view());
        }
        h.rows().into_iter().map(|h| map.readout(h)[0]).collect()
    };
    let weight = |at: usize| -> Vec<f64> {
        let (up, down) = (final_readout(at, PULSE), final_readout(at, -PULSE));
        up.iter()
            .zip(&down)
            .map(|(u, d)| (u - d) / (2.0 * PULSE))
            .collect()
    };
    Some((weight(0), weight(steps - 1)))
}

/// τ/T from a retention r over a trial of `steps` steps (see [`IntegrationContext::tau_trials`]).
fn memory_trials(r: f64, steps: usize) -> f64 {
    if r <= 0.0 || !r.is_finite() {
        return 0.0;
    }
    let per_trial = r.ln().abs() * steps as f64 / (steps.max(2) - 1) as f64;
    if per_trial > 0.0 {
        (1.0 / per_trial).min(TAU_CAP)
    } else {
        TAU_CAP
    }
}

/// The approximate line attractor of one context.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttractorLine {
    /// Probe states that hold their readout over a trial once relaxed onto the line.
    pub held_states: usize,
    /// Fixed and slow points the search found at the context's input without the streams.
    pub points: usize,
    /// Of which fixed (q below the fixed-point tolerance).
    pub fixed: usize,
    /// Lowest and highest readout along the line (held states and points).
    pub readout_range: (f64, f64),
    /// Range of the readout along the line.
    pub extent: f64,
    /// extent / the targets' range.
    pub coverage: f64,
    /// Share of the line's variance along its first principal axis (1: a straight line).
    pub straightness: f64,
    /// |cos| between that axis (the line's direction) and the readout's direction in state
    /// space (1: the line runs along what the readout reads).
    pub readout_alignment: f64,
    /// Fixed and slow points per unit of readout along the line.
    pub density: f64,
}

/// One context's part of the scaffold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IntegrationContext {
    /// Which stream this context cues (0 or 1).
    pub context: usize,
    /// The line, if the network holds any state or the search found any point.
    pub line: Option<AttractorLine>,
    /// Median along the line of the largest |λ|.
    pub top_modulus: Option<f64>,
    /// The memory the network shows, over the trial length: from [`Self::retention`] r, the
    /// time constant of the decay (or growth) that turns the last input's weight into the
    /// first's over the T − 1 steps between them, τ/T = (T − 1) / (T · |ln r|), capped at 10⁶;
    /// 0 when r ≤ 0. What the verdict's τ ≥ T reads.
    pub tau_trials: Option<f64>,
    /// The weight of the first cued input in the final readout over the last one's (median
    /// over the context's probe trials, by central differences): 1 for a perfect integrator.
    #[serde(default)]
    pub retention: Option<f64>,
    /// The linearised slow mode's time constant over the trial length, 1 / (T · median
    /// |ln |λ₁||) along the line, capped at 10⁶: shown beside the measured memory. Held states
    /// need not be fixed points, so |λ₁| there can read local expansion as growth.
    #[serde(default)]
    pub linearised_tau_trials: Option<f64>,
    /// |cos| between the top left eigenvector at the middle of the line and ∂F/∂x of the cued
    /// stream.
    pub cued_alignment: Option<f64>,
    /// The same for the ignored stream.
    pub ignored_alignment: Option<f64>,
    /// Median along the line of |R_cued| / (|R_cued| + |R_ignored|), R the linearised readout
    /// response over a trial to a unit input on each stream through every mode: 1 when the
    /// ignored stream never reaches the readout, ½ when both do alike.
    pub selectivity: Option<f64>,
    /// The readout's response after T steps of unit cued input, linearised at the middle of
    /// the line, keeping the m modes of largest |λ| (m = 1, 2, ...), over the response with
    /// every mode.
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

    /// The context is a line attractor under `t`.
    pub fn meets(&self, t: &LineThresholds) -> bool {
        self.tau_trials.is_some_and(|v| v >= t.tau_trials)
            && self.line.as_ref().is_some_and(|l| l.coverage >= t.coverage)
            && self.selectivity.is_some_and(|v| v >= t.selectivity)
    }

    /// What keeps the context from being a line attractor under `t`, in words (None if it is
    /// one): each threshold it misses with its value.
    pub fn shortfall(&self, t: &LineThresholds) -> Option<String> {
        let missed = |name: &str, v: Option<f64>, min: f64| match v {
            Some(v) if v >= min => None,
            Some(v) => Some(format!("{name} {v:.2} < {min}")),
            None => Some(format!("no {name}")),
        };
        let misses: Vec<String> = [
            missed("τ/T", self.tau_trials, t.tau_trials),
            missed(
                "coverage",
                self.line.as_ref().map(|l| l.coverage),
                t.coverage,
            ),
            missed("selectivity", self.selectivity, t.selectivity),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!misses.is_empty()).then(|| format!("context {}: {}", self.context, misses.join(", ")))
    }

    /// How far the context is from each threshold (0 for a line attractor): the shortfall of
    /// τ/T, coverage and selectivity, each relative to its threshold.
    pub fn distance_to_ideal(&self) -> f64 {
        let t = LineThresholds::STUDY;
        let short = |v: Option<f64>, min: f64| (1.0 - v.unwrap_or(0.0) / min).clamp(0.0, 1.0);
        short(self.tau_trials, t.tau_trials)
            + short(self.line.as_ref().map(|l| l.coverage), t.coverage)
            + short(self.selectivity, t.selectivity)
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

impl IntegrationScaffold {
    /// Every context is a line attractor under `t`.
    pub fn ideal_under(&self, t: &LineThresholds) -> bool {
        self.contexts.iter().all(|c| c.meets(t))
    }
}

fn cosine(a: &Array1<f64>, b: &Array1<f64>) -> f64 {
    let n = (a.dot(a) * b.dot(b)).sqrt();
    if n > 0.0 {
        (a.dot(b) / n).abs()
    } else {
        0.0
    }
}

/// The states a context holds, and each after a trial left alone (the fast scatter around
/// the line gone: the line's shape).
#[derive(Default)]
struct Held {
    states: Vec<Array1<f64>>,
    settled: Vec<Array1<f64>>,
}

/// The states on which the network holds a running sum: the `cued` probe trials (one context)
/// run through the network, each state relaxed at `x0` (the context's input without the
/// streams) until it moves no faster than one step of the trials moves it (the median step: the
/// fast modes have died), then kept if, left alone for a trial, it keeps at least e⁻¹ of its
/// readout's distance from where it comes to rest.
fn held_states(
    map: &CellMap,
    probe: ArrayView3<f32>,
    cued: &[usize],
    x0: &Array1<f64>,
    target_span: f64,
) -> Held {
    let (steps, _, inputs) = probe.dim();
    if cued.is_empty() || inputs != x0.len() {
        return Held::default();
    }
    let mut h = Array2::<f64>::zeros((cued.len(), map.spec().state_dim()));
    // Trial by trial, so that taking every k-th state samples every trial.
    let mut visited = vec![Vec::with_capacity(steps); cued.len()];
    let mut moves = Vec::new();
    for t in 0..steps {
        let x = Array2::from_shape_fn((cued.len(), inputs), |(r, i)| {
            f64::from(probe[[t, cued[r], i]])
        });
        let next = map.step_each(h.view(), x.view());
        for (a, b) in next.rows().into_iter().zip(h.rows()) {
            moves.push((&a - &b).mapv(|v| v * v).sum().sqrt());
        }
        for (trial, row) in visited.iter_mut().zip(next.rows()) {
            trial.push(row.to_owned());
        }
        h = next;
    }
    let Some(drive) = median(moves) else {
        return Held::default();
    };
    let stride = (cued.len() * steps).div_ceil(MAX_SAMPLES).max(1);
    let mut relaxing: Vec<Array1<f64>> = visited
        .into_iter()
        .flatten()
        .step_by(stride)
        .filter(|h| h.iter().all(|v| v.is_finite()))
        .collect();
    let mut relaxed = Vec::new();
    for _ in 0..=steps {
        if relaxing.is_empty() {
            break;
        }
        let now = stack(&relaxing);
        let next = map.step_rows(now.view(), x0.view());
        let mut still = Vec::new();
        for (h, n) in relaxing.into_iter().zip(next.rows()) {
            let speed = (&n - &h).mapv(|v| v * v).sum().sqrt();
            if speed <= drive {
                relaxed.push(h);
            } else if speed.is_finite() {
                still.push(n.to_owned());
            }
        }
        relaxing = still;
    }
    if relaxed.is_empty() {
        return Held::default();
    }
    // Where each state comes to rest, approximately: after REST_TRIALS trials left alone.
    let readout = |rows: &Array2<f64>| -> Vec<f64> {
        rows.rows().into_iter().map(|h| map.readout(h)[0]).collect()
    };
    let mut later = stack(&relaxed);
    let start = readout(&later);
    let mut after_trial = later.clone();
    for trial in 0..REST_TRIALS {
        for _ in 0..steps {
            later = map.step_rows(later.view(), x0.view());
        }
        if trial == 0 {
            after_trial = later.clone();
        }
    }
    let (kept_readout, rest) = (readout(&after_trial), readout(&later));
    let negligible = RESTING * target_span;
    let mut held = Held::default();
    for (r, h) in relaxed.into_iter().enumerate() {
        let (away, kept) = (
            (start[r] - rest[r]).abs(),
            (kept_readout[r] - rest[r]).abs(),
        );
        if away.is_finite() && kept.is_finite() && (away <= negligible || kept >= HELD_SHARE * away)
        {
            held.states.push(h);
            held.settled.push(after_trial.row(r).to_owned());
        }
    }
    held
}

fn stack<R: std::borrow::Borrow<Array1<f64>>>(rows: &[R]) -> Array2<f64> {
    let views: Vec<_> = rows.iter().map(|r| r.borrow().view()).collect();
    ndarray::stack(Axis(0), &views).expect("rows of one state dimension")
}

/// The line through a context's held states and points: its readout range, straightness and
/// the search's density along it.
fn line_of(
    map: &CellMap,
    held: &Held,
    points: &[&FixedPoint],
    target_span: f64,
) -> Option<AttractorLine> {
    let at_rest = || points.iter().map(|p| &p.state);
    let states: Vec<&Array1<f64>> = held.states.iter().chain(at_rest()).collect();
    if states.is_empty() {
        return None;
    }
    let readouts: Vec<f64> = states.iter().map(|h| map.readout(h.view())[0]).collect();
    let low = readouts.iter().copied().fold(f64::INFINITY, f64::min);
    let high = readouts.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let extent = high - low;
    let shape: Vec<&Array1<f64>> = held.settled.iter().chain(at_rest()).collect();
    let LineShape {
        straightness,
        readout_alignment,
        ..
    } = line_shape(map, &shape);
    Some(AttractorLine {
        held_states: held.states.len(),
        points: points.len(),
        fixed: points.iter().filter(|p| p.converged).count(),
        readout_range: (low, high),
        extent,
        coverage: if target_span > 0.0 {
            extent / target_span
        } else {
            0.0
        },
        straightness,
        readout_alignment,
        density: if extent > 0.0 {
            points.len() as f64 / extent
        } else {
            0.0
        },
    })
}

/// The shape of a set of states that may lie along a line.
pub(super) struct LineShape {
    /// Share of their variance along the first principal axis (1: a straight line).
    pub straightness: f64,
    /// |cos| between that axis and the readout's direction (the largest over outputs).
    pub readout_alignment: f64,
    /// Their spread along that axis (max − min of the projections).
    pub length: f64,
}

/// The shape of `states` (one state: a point, straight, no length).
pub(super) fn line_shape<R: std::borrow::Borrow<Array1<f64>>>(
    map: &CellMap,
    states: &[R],
) -> LineShape {
    let matrix = stack(states);
    let Some(axes) = PrincipalAxes::of(matrix.view()) else {
        return LineShape {
            straightness: 1.0,
            readout_alignment: 0.0,
            length: 0.0,
        };
    };
    let total: f64 = axes.singular_values.iter().map(|s| s * s).sum();
    let direction = Array1::from_shape_fn(axes.axes.nrows(), |i| axes.axes[(i, 0)]);
    let along: Vec<f64> = matrix
        .rows()
        .into_iter()
        .map(|h| {
            h.iter()
                .zip(&axes.mean)
                .zip(&direction)
                .map(|((x, m), d)| (x - m) * d)
                .sum()
        })
        .collect();
    let (low, high) = along
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
            (l.min(v), h.max(v))
        });
    LineShape {
        straightness: if total > 0.0 {
            axes.singular_values[0].powi(2) / total
        } else {
            1.0
        },
        readout_alignment: (0..map.spec().outputs)
            .map(|k| cosine(&direction, &readout_direction(map, k)))
            .fold(0.0, f64::max),
        length: high - low,
    }
}

/// The readout's direction in state space: ∂y/∂h (zero on an LSTM's cell state).
fn readout_direction(map: &CellMap, output: usize) -> Array1<f64> {
    let s = map.spec().state_dim();
    let offset = map.readout(Array1::zeros(s).view())[output];
    Array1::from_shape_fn(s, |i| {
        let mut e = Array1::zeros(s);
        e[i] = 1.0;
        map.readout(e.view())[output] - offset
    })
}

/// A state and the input it is linearised at.
type StateAt<'s> = (&'s Array1<f64>, &'s Array1<f64>);

/// Up to `k` of the (state, input) pairs, spread evenly by the state's readout from lowest to
/// highest (the middle one at index k / 2 when there are at least k).
fn along_readout<'s>(map: &CellMap, at: Vec<StateAt<'s>>, k: usize) -> Vec<StateAt<'s>> {
    let mut by_readout: Vec<(f64, StateAt<'s>)> = at
        .into_iter()
        .map(|pair| (map.readout(pair.0.view())[0], pair))
        .collect();
    by_readout.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = by_readout.len();
    if n <= k {
        return by_readout.into_iter().map(|(_, pair)| pair).collect();
    }
    (0..k)
        .map(|i| by_readout[((i as f64 + 0.5) / k as f64 * n as f64) as usize].1)
        .collect()
}

/// The readout's linear response over `steps` steps to a unit input along `b`, mode by mode.
fn response_by_mode(
    lin: &Linearisation,
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

/// The 5th to 95th percentile range of the targets of some trials: the values a readout must
/// hold.
fn target_span(targets: ArrayView3<f32>, trials: &[usize]) -> f64 {
    let mut v: Vec<f64> = trials
        .iter()
        .flat_map(|&b| {
            targets
                .slice(ndarray::s![.., b, ..])
                .iter()
                .map(|&t| f64::from(t))
                .collect::<Vec<_>>()
        })
        .collect();
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let at = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    at(0.95) - at(0.05)
}

/// The integration scaffold from the fixed and slow points at each constant input (inputs: the
/// two streams, then the one-hot context) and the task's probe trials: T (their length) is the
/// time a line must hold a sum; the range of each context's targets is what it must span.
pub fn integration_scaffold(
    map: &CellMap,
    inputs: &[InputPoints],
    probe: &Batch,
) -> IntegrationScaffold {
    let (steps, trials, width) = probe.inputs.dim();
    let zero_state = Array1::<f64>::zeros(map.spec().state_dim());
    let offset = map.readout(zero_state.view());
    // The readout's linear part, applied to a complex vector.
    let c_of = |v: &Array1<c64>| -> c64 {
        let re = map.readout(v.mapv(|z| z.re).view())[0] - offset[0];
        let im = map.readout(v.mapv(|z| z.im).view())[0] - offset[0];
        c64::new(re, im)
    };
    let mut contexts = Vec::new();
    for context in 0..Integration::CONTEXTS {
        let x0 = Integration::resting_input(context);
        let here: Vec<&InputPoints> = inputs
            .iter()
            .filter(|at| Integration::cues(at.input.view(), context))
            .collect();
        let points: Vec<&FixedPoint> = here.iter().flat_map(|at| &at.points).collect();
        // The line is where the state rests without the streams: a point found at a held
        // stream value sits where the leak balances that input, off the line.
        let resting: Vec<&FixedPoint> = here
            .iter()
            .filter(|at| at.input == x0)
            .flat_map(|at| &at.points)
            .collect();
        let cued: Vec<usize> = (0..trials)
            .filter(|&b| {
                steps > 0
                    && width == Integration::STREAMS + Integration::CONTEXTS
                    && probe.inputs[[0, b, Integration::context_channel(context)]] > 0.5
            })
            .collect();
        let span = target_span(probe.targets.view(), &cued);
        let held = held_states(map, probe.inputs.view(), &cued, &x0, span);
        let line = line_of(map, &held, &resting, span);
        // Linearised at states spread along the line: the held ones (where the network works),
        // else the search's points (each at its own input).
        let at: Vec<StateAt> = if held.states.is_empty() {
            points.iter().map(|p| (&p.state, &p.input)).collect()
        } else {
            held.states.iter().map(|h| (h, &x0)).collect()
        };
        let linearised: Vec<Linearisation> = along_readout(map, at, LINEARISED_ALONG)
            .into_iter()
            .filter_map(|(h, x)| linearise_at(map, h.view(), x.view()))
            .collect();
        let mut row = IntegrationContext {
            context,
            line,
            top_modulus: median(
                linearised
                    .iter()
                    .filter_map(|l| l.eigenvalues.first())
                    .map(|l| l.norm()),
            ),
            tau_trials: None,
            retention: None,
            linearised_tau_trials: None,
            cued_alignment: None,
            ignored_alignment: None,
            selectivity: None,
            response_by_modes: Vec::new(),
            modes_for_response: None,
            line_attractor: false,
        };
        // The slow mode along the line: the median of |ln |λ₁||. One state misleads: a line
        // often ends in faster attractors, with a saddle between them.
        if let Some(rate) = median(
            linearised
                .iter()
                .filter_map(|l| l.eigenvalues.first())
                .map(|l| l.norm().ln().abs()),
        ) {
            let per_trial = rate * steps.max(1) as f64;
            row.linearised_tau_trials = Some(if per_trial > 0.0 {
                (1.0 / per_trial).min(TAU_CAP)
            } else {
                TAU_CAP
            });
        }
        // The memory the verdict reads is measured on what the network does.
        row.retention = retention(map, probe.inputs.view(), &cued);
        row.tau_trials = row.retention.map(|r| memory_trials(r, steps));
        let response = |lin: &Linearisation, left: &Array2<c64>, stream: usize| {
            let b = lin.input_jacobian.column(stream).to_owned();
            response_by_mode(lin, left, &b, steps, &c_of)
        };
        row.selectivity = median(linearised.iter().filter_map(|lin| {
            let left = lin.left.as_ref()?;
            let cued: f64 = response(lin, left, context).iter().sum();
            let ignored: f64 = response(lin, left, 1 - context).iter().sum();
            (cued.abs() + ignored.abs() > 0.0).then(|| cued.abs() / (cued.abs() + ignored.abs()))
        }));
        let middle = linearised.get(linearised.len() / 2);
        if let Some((lin, left)) = middle.and_then(|l| Some((l, l.left.as_ref()?))) {
            let w_top = left.row(0).mapv(|z| z.re);
            row.cued_alignment = Some(cosine(
                &w_top,
                &lin.input_jacobian.column(context).to_owned(),
            ));
            row.ignored_alignment = Some(cosine(
                &w_top,
                &lin.input_jacobian.column(1 - context).to_owned(),
            ));
            let contributions = response(lin, left, context);
            let full: f64 = contributions.iter().sum();
            let mut partial = 0.0;
            let mut curve = Vec::new();
            for (m, c) in contributions.iter().enumerate() {
                partial += c;
                if row.modes_for_response.is_none() && (partial - full).abs() <= 0.1 * full.abs() {
                    row.modes_for_response = Some(m + 1);
                }
                if m < CURVE_MODES {
                    curve.push(if full != 0.0 { partial / full } else { 0.0 });
                }
            }
            row.response_by_modes = curve;
        }
        row.line_attractor = row.meets(&LineThresholds::STUDY);
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
