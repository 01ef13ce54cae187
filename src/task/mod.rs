//! The three tasks of the study and a researcher's own given as arrays: seeded batches, the
//! fixed probe batch every network is compared on, the constant inputs the fixed-point analysis
//! uses, and each task's score.
//!
//! Batches are time-major: `inputs[[t, b, i]]`, so the flat buffer is the T·B×I matrix the
//! engine projects in one product.

pub mod arrays;
mod flipflop;
mod integration;
mod sine;

pub use arrays::{ArraysScore, ArraysTask, Trials};
pub use flipflop::FlipFlop;
pub use integration::Integration;
pub use sine::Sine;

use ndarray::{Array2, Array3, ArrayView3, Axis};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// One batch of trials: inputs (T, B, I) and targets (T, B, O), time-major, and optionally the
/// loss's weight of each target (T, B, O; 0 = not scored).
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    /// x_t for every step and trial.
    pub inputs: Array3<f32>,
    /// y_t for every step and trial.
    pub targets: Array3<f32>,
    /// The weight of each target in the loss and score (None: every target counts fully).
    pub mask: Option<Array3<f32>>,
}

impl Batch {
    /// A batch whose every target counts.
    pub fn new(inputs: Array3<f32>, targets: Array3<f32>) -> Batch {
        Batch {
            inputs,
            targets,
            mask: None,
        }
    }

    /// The mask as the flat T·B×O buffer the engine reads, if there is one.
    pub fn mask_slice(&self) -> Option<&[f32]> {
        self.mask
            .as_ref()
            .map(|m| m.as_slice().expect("batches are built contiguous"))
    }

    /// The inputs as the flat T·B×I buffer the engine reads.
    pub fn input_slice(&self) -> &[f32] {
        self.inputs
            .as_slice()
            .expect("batches are built contiguous")
    }
    /// The targets as the flat T·B×O buffer the engine reads.
    pub fn target_slice(&self) -> &[f32] {
        self.targets
            .as_slice()
            .expect("batches are built contiguous")
    }
}

/// How a task judges a network's outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreKind {
    /// Share of (step, trial, output) whose sign matches the target's; higher is better.
    SignAccuracy,
    /// Normalised MSE, 1 − R²: squared error over the targets' variance; lower is better.
    NormalizedMse,
}

impl ScoreKind {
    /// The score of `outputs` against `targets` (same shape), each target weighted by `mask`
    /// where there is one.
    pub fn score(
        self,
        outputs: ArrayView3<f32>,
        targets: ArrayView3<f32>,
        mask: Option<ArrayView3<f32>>,
    ) -> f64 {
        assert_eq!(
            outputs.shape(),
            targets.shape(),
            "outputs and targets differ in shape"
        );
        if let Some(mask) = mask {
            return self.weighted(outputs, targets, mask);
        }
        match self {
            ScoreKind::SignAccuracy => {
                let hits = outputs
                    .iter()
                    .zip(targets.iter())
                    .filter(|(y, t)| (**y > 0.0) == (**t > 0.0))
                    .count();
                hits as f64 / targets.len().max(1) as f64
            }
            ScoreKind::NormalizedMse => {
                let channels = targets.len_of(Axis(2));
                let flat_t = targets
                    .to_shape((targets.len() / channels, channels))
                    .expect("3-D");
                let means = flat_t.mean_axis(Axis(0)).expect("non-empty batch");
                let mut err = 0.0;
                let mut var = 0.0;
                for (y_row, t_row) in outputs
                    .lanes(Axis(2))
                    .into_iter()
                    .zip(targets.lanes(Axis(2)))
                {
                    for k in 0..channels {
                        err += f64::from(y_row[k] - t_row[k]).powi(2);
                        var += f64::from(t_row[k] - means[k]).powi(2);
                    }
                }
                err / var.max(f64::MIN_POSITIVE)
            }
        }
    }

    /// The score with each (step, trial, output) weighted by `mask`: sign accuracy is the
    /// weighted share of hits, the normalised MSE the weighted error over the weighted variance
    /// around the weighted means.
    fn weighted(
        self,
        outputs: ArrayView3<f32>,
        targets: ArrayView3<f32>,
        mask: ArrayView3<f32>,
    ) -> f64 {
        assert_eq!(
            mask.shape(),
            targets.shape(),
            "mask and targets differ in shape"
        );
        let channels = targets.len_of(Axis(2));
        let triples = || {
            outputs
                .iter()
                .zip(targets.iter())
                .zip(mask.iter())
                .enumerate()
                .map(move |(k, ((&y, &t), &m))| {
                    (k % channels, f64::from(y), f64::from(t), f64::from(m))
                })
        };
        let total: f64 = triples().map(|x| x.3).sum();
        match self {
            ScoreKind::SignAccuracy => {
                let hits: f64 = triples()
                    .filter(|&(_, y, t, _)| (y > 0.0) == (t > 0.0))
                    .map(|x| x.3)
                    .sum();
                hits / total.max(f64::MIN_POSITIVE)
            }
            ScoreKind::NormalizedMse => {
                let mut sums = vec![(0.0, 0.0); channels];
                for (c, _, t, m) in triples() {
                    sums[c].0 += m * t;
                    sums[c].1 += m;
                }
                let means: Vec<f64> = sums
                    .iter()
                    .map(|&(s, w)| s / w.max(f64::MIN_POSITIVE))
                    .collect();
                let (mut err, mut var) = (0.0, 0.0);
                for (c, y, t, m) in triples() {
                    err += m * (y - t).powi(2);
                    var += m * (t - means[c]).powi(2);
                }
                err / var.max(f64::MIN_POSITIVE)
            }
        }
    }

    /// Short name for tables.
    pub fn name(self) -> &'static str {
        match self {
            ScoreKind::SignAccuracy => "sign accuracy",
            ScoreKind::NormalizedMse => "normalised MSE",
        }
    }
}

/// What every task provides.
pub trait TaskDefinition {
    /// Input channels I.
    fn inputs(&self) -> usize;
    /// Output channels O.
    fn outputs(&self) -> usize;
    /// Steps per trial T.
    fn time_steps(&self) -> usize;
    /// A batch of `trials` trials drawn from `rng`.
    fn batch(&self, trials: usize, rng: &mut ChaCha8Rng) -> Batch;
    /// The constant inputs x* the fixed-point analysis holds the network at, one row each.
    fn constant_inputs(&self) -> Array2<f64>;
    /// How outputs are scored.
    fn score_kind(&self) -> ScoreKind;
}

/// A task with its parameters, as written in experiment files (`kind = "flipflop"`, ...).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Task {
    /// K-bit flip-flop (discrete memory).
    FlipFlop(FlipFlop),
    /// Sine-wave generation (pattern generation).
    Sine(Sine),
    /// Context-dependent integration (analog memory).
    Integration(Integration),
    /// A researcher's own task, given as trial arrays in a file.
    Arrays(ArraysTask),
}

/// Which task a [`Task`] is, without its parameters: what the notebook stores and every per-task
/// decision matches on (without a catch-all, so a new task is a compile error wherever it needs
/// handling).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskKind {
    /// K-bit flip-flop.
    FlipFlop,
    /// Sine-wave generation.
    Sine,
    /// Context-dependent integration.
    Integration,
    /// A task given as arrays.
    Arrays,
}

impl TaskKind {
    /// Every task kind.
    pub const ALL: [TaskKind; 4] = [
        TaskKind::FlipFlop,
        TaskKind::Sine,
        TaskKind::Integration,
        TaskKind::Arrays,
    ];

    /// The name in experiment files and the notebook.
    pub fn name(self) -> &'static str {
        match self {
            TaskKind::FlipFlop => "flipflop",
            TaskKind::Sine => "sine",
            TaskKind::Integration => "integration",
            TaskKind::Arrays => "arrays",
        }
    }

    /// True if the task's scaffold is lines of fixed points (one per context), whose
    /// line-attractor verdict tables and panes show.
    pub fn has_lines(self) -> bool {
        match self {
            TaskKind::Integration => true,
            TaskKind::FlipFlop | TaskKind::Sine | TaskKind::Arrays => false,
        }
    }

    /// What a network's scaffold is measured against: the task's ideal one, or, for a task given
    /// as arrays (which has none), the population's most common one.
    pub fn reference_scaffold(self) -> &'static str {
        match self {
            TaskKind::FlipFlop | TaskKind::Sine | TaskKind::Integration => "ideal",
            TaskKind::Arrays => "most common",
        }
    }

    /// The task with the paper's parameters; None for a task given as arrays (it has no
    /// parameters without its file: an experiment file names it).
    pub fn with_defaults(self) -> Option<Task> {
        match self {
            TaskKind::FlipFlop => Some(Task::FlipFlop(FlipFlop::default())),
            TaskKind::Sine => Some(Task::Sine(Sine::default())),
            TaskKind::Integration => Some(Task::Integration(Integration::default())),
            TaskKind::Arrays => None,
        }
    }
}
crate::named!(TaskKind, "task");

/// The seed of every task's probe batch: the same trials for every network of every run.
pub const PROBE_SEED: u64 = 0x0050_524F_4245;
/// Trials in the probe batch.
pub const PROBE_TRIALS: usize = 64;

impl Task {
    /// Which task this is.
    pub fn kind(&self) -> TaskKind {
        match self {
            Task::FlipFlop(_) => TaskKind::FlipFlop,
            Task::Sine(_) => TaskKind::Sine,
            Task::Integration(_) => TaskKind::Integration,
            Task::Arrays(_) => TaskKind::Arrays,
        }
    }

    /// The task's name.
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }

    /// The task's definition.
    pub fn definition(&self) -> &dyn TaskDefinition {
        match self {
            Task::FlipFlop(t) => t,
            Task::Sine(t) => t,
            Task::Integration(t) => t,
            Task::Arrays(t) => t,
        }
    }

    /// The dimension of the task's own solution: flip-flop, one direction per bit; sine, the
    /// plane of a cycle (2); integration, one line per context (2); a task given as arrays,
    /// one direction per output (a guess: rnnlab does not know its solution). A reduction that
    /// keeps no more components than this sees the task's geometry, not the network's.
    pub fn dimension(&self) -> usize {
        match self {
            Task::FlipFlop(t) => t.bits,
            Task::Sine(_) => 2,
            Task::Integration(_) => 2,
            Task::Arrays(t) => t.outputs(),
        }
    }

    /// Sets the trial length T (a task given as arrays serves the first `steps` of its trials).
    pub fn set_time_steps(&mut self, steps: usize) {
        match self {
            Task::FlipFlop(t) => t.time_steps = steps,
            Task::Sine(t) => t.time_steps = steps,
            Task::Integration(t) => t.time_steps = steps,
            Task::Arrays(t) => t.steps = Some(steps),
        }
    }

    /// The same task with trials of `steps` steps.
    pub fn with_time_steps(&self, steps: usize) -> Task {
        let mut task = self.clone();
        task.set_time_steps(steps);
        task
    }

    /// Checks every parameter; the error names the field at fault.
    pub fn validate(&self) -> Result<(), String> {
        let at_least_one = |name: &str, v: usize| {
            if v >= 1 {
                Ok(())
            } else {
                Err(format!("{name} must be at least 1"))
            }
        };
        let non_negative = |name: &str, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err(format!("{name} must be a finite number ≥ 0, got {v}"))
            }
        };
        if let Task::Arrays(t) = self {
            // Its arrays were checked as they were read.
            return match t.trials {
                Some(_) => Ok(()),
                None => Err(format!("file {}: not read", t.file.display())),
            };
        }
        at_least_one("time_steps", self.definition().time_steps())?;
        match self {
            Task::Arrays(_) => {}
            Task::FlipFlop(t) => {
                at_least_one("bits", t.bits)?;
                if !(0.0..=1.0).contains(&t.pulse_probability) {
                    return Err(format!(
                        "pulse_probability must be in [0, 1], got {}",
                        t.pulse_probability
                    ));
                }
            }
            Task::Sine(t) => {
                non_negative("frequency_min", t.frequency_min)?;
                non_negative("frequency_span", t.frequency_span)?;
                at_least_one("fixed_point_grid", t.fixed_point_grid)?;
            }
            Task::Integration(t) => {
                non_negative("mean_range", t.mean_range)?;
                non_negative("noise_std", t.noise_std)?;
                if t.fixed_point_values.iter().any(|v| !v.is_finite()) {
                    return Err("fixed_point_values must be finite".into());
                }
            }
        }
        Ok(())
    }

    /// The fixed probe batch (seed [`PROBE_SEED`], [`PROBE_TRIALS`] trials; a task given as
    /// arrays: a condition-balanced subset of its trials): identical for every network, so
    /// hidden states can be compared across networks.
    pub fn probe_batch(&self) -> Batch {
        match self {
            Task::Arrays(t) => t.probe_batch(),
            _ => self
                .drawn_probe_batch(0)
                .expect("a built-in task draws its trials"),
        }
    }

    /// Another probe batch of [`PROBE_TRIALS`] trials drawn like the fixed one, from seed
    /// [`PROBE_SEED`] + `draw` (draw 0 is the fixed batch): to check that a verdict read on the
    /// probe trials does not depend on which trials were drawn. None for a task given as arrays,
    /// whose probe is a fixed subset of the user's own trials.
    pub fn drawn_probe_batch(&self, draw: u64) -> Option<Batch> {
        match self {
            Task::Arrays(_) => None,
            _ => Some(self.definition().batch(
                PROBE_TRIALS,
                &mut ChaCha8Rng::seed_from_u64(PROBE_SEED.wrapping_add(draw)),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;

    #[test]
    fn scores_known_cases() {
        let t = Array3::from_shape_vec((2, 1, 2), vec![1.0, -1.0, 1.0, 1.0]).unwrap();
        let y = Array3::from_shape_vec((2, 1, 2), vec![0.3, -0.2, -0.1, 2.0]).unwrap();
        assert_eq!(
            ScoreKind::SignAccuracy.score(y.view(), t.view(), None),
            0.75
        );
        assert_eq!(
            ScoreKind::NormalizedMse.score(t.view(), t.view(), None),
            0.0
        );
        // A mask of ones is no mask; a zero weight leaves that target out.
        let ones = Array3::from_elem((2, 1, 2), 1.0f32);
        assert_eq!(
            ScoreKind::SignAccuracy.score(y.view(), t.view(), Some(ones.view())),
            0.75
        );
        let miss_out = Array3::from_shape_vec((2, 1, 2), vec![1.0, 1.0, 0.0, 1.0]).unwrap();
        assert_eq!(
            ScoreKind::SignAccuracy.score(y.view(), t.view(), Some(miss_out.view())),
            1.0
        );
        // Predicting each channel's mean gives exactly 1.
        let t = Array3::from_shape_vec((4, 1, 1), vec![1.0, 2.0, 3.0, 6.0]).unwrap();
        let mean = Array3::from_elem((4, 1, 1), 3.0);
        assert!((ScoreKind::NormalizedMse.score(mean.view(), t.view(), None) - 1.0).abs() < 1e-12);
        let ones = Array3::from_elem((4, 1, 1), 1.0f32);
        let weighted = ScoreKind::NormalizedMse.score(mean.view(), t.view(), Some(ones.view()));
        assert!((weighted - 1.0).abs() < 1e-12);
    }

    #[test]
    fn probe_batch_is_identical_across_calls() {
        for kind in TaskKind::ALL {
            let Some(task) = kind.with_defaults() else {
                continue;
            };
            assert_eq!(task.probe_batch(), task.probe_batch());
            assert_eq!(task.drawn_probe_batch(0), Some(task.probe_batch()));
            assert_ne!(task.drawn_probe_batch(1), Some(task.probe_batch()));
        }
    }
}
