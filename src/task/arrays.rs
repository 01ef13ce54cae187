//! A researcher's own task, given as trial arrays (written with NumPy, or sampled from a
//! NeuroGym environment): inputs and targets per trial, optionally a mask of the loss, the
//! constant inputs the fixed-point analysis holds a network at, and a condition label per trial.
//!
//! Every fifth trial (index 4, 9, ...) is held out: training batches are drawn from the others,
//! the held-out loss and score are measured on these. The probe batch every network is compared
//! on is a fixed, condition-balanced subset of all trials. Reading the file is the experiment's
//! business (`experiment/`); this module checks and serves arrays already in memory.

use std::path::PathBuf;
use std::sync::Arc;

use ndarray::{Array2, Array3, Axis};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{Batch, ScoreKind, TaskDefinition, PROBE_TRIALS};

/// One trial in this many is held out.
pub const HELD_OUT_EVERY: usize = 5;

/// The names of the arrays a task file may hold.
pub const ARRAY_NAMES: [&str; 5] = ["inputs", "targets", "mask", "constant_inputs", "conditions"];

/// How an arrays task scores a network's outputs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArraysScore {
    /// Normalised MSE (1 − R²) over the scored targets.
    #[default]
    Mse,
    /// Share of scored targets whose sign the output matches.
    Sign,
}

/// A task given as arrays in a file, as an experiment names it (`kind = "arrays"`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArraysTask {
    /// The file: as the experiment file gives it, absolute once the experiment is read.
    pub file: PathBuf,
    /// The file's fingerprint when its experiment was first read; a file changed since is
    /// refused (set by rnnlab in the notebook's copy of the experiment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// How outputs are scored.
    #[serde(default)]
    pub score: ArraysScore,
    /// The trials, once read.
    #[serde(skip)]
    pub trials: Option<Arc<Trials>>,
    /// Steps of each trial served (a training curriculum's shorter trials); None: all.
    #[serde(skip)]
    pub steps: Option<usize>,
}

impl PartialEq for ArraysTask {
    /// The same file with the same content and score (the arrays follow from those).
    fn eq(&self, other: &Self) -> bool {
        (&self.file, &self.fingerprint, self.score)
            == (&other.file, &other.fingerprint, other.score)
    }
}

impl ArraysTask {
    /// The trials (the experiment reads them before anything uses the task).
    pub fn trials(&self) -> &Trials {
        self.trials
            .as_deref()
            .expect("an arrays task is read (Experiment::parse) before it is used")
    }

    /// The held-out trials, whole: what the held-out loss and score are measured on.
    pub fn held_out_batch(&self) -> Batch {
        let t = self.trials();
        t.gather(&t.held_out, None)
    }

    /// The fixed probe batch: a condition-balanced subset of every trial.
    pub fn probe_batch(&self) -> Batch {
        let t = self.trials();
        t.gather(&t.probe, None)
    }
}

/// The trials of an arrays task, checked, time-major like every batch.
#[derive(Debug)]
pub struct Trials {
    /// x_t per step and trial (T, trials, I).
    pub inputs: Array3<f32>,
    /// y_t per step and trial (T, trials, O).
    pub targets: Array3<f32>,
    /// The loss weight of each target (T, trials, O), if the file gives one.
    pub mask: Option<Array3<f32>>,
    /// The inputs the fixed-point analysis holds a network at (K, I).
    pub constant_inputs: Array2<f64>,
    /// A condition label per trial.
    pub conditions: Vec<i64>,
    /// Trials training batches are drawn from.
    pub train: Vec<usize>,
    /// Trials the held-out loss and score are measured on.
    pub held_out: Vec<usize>,
    /// Trials of the probe batch.
    pub probe: Vec<usize>,
}

/// An array as a file gives it: its shape, outermost first, and its values in C order.
pub type Named<'a> = (&'a [usize], &'a [f64]);

impl Trials {
    /// Checks and takes the arrays `get` finds by name (inputs (trials, T, I), targets
    /// (trials, T, O), optional mask (trials, T, O) in [0, 1], constant_inputs (K, I),
    /// conditions (trials,) of whole numbers). The error names the array and the fault.
    pub fn from_arrays<'a>(get: impl Fn(&str) -> Option<Named<'a>>) -> Result<Trials, String> {
        let finite = |name: &str, data: &[f64]| match data.iter().position(|v| !v.is_finite()) {
            Some(k) => Err(format!(
                "array {name}: value {k} is {} (not finite)",
                data[k]
            )),
            None => Ok(()),
        };
        let (shape, data) = get("inputs").ok_or("no array 'inputs' (trials, T, I)")?;
        let [trials, steps, width] = rank3("inputs", shape, "(trials, T, I)")?;
        finite("inputs", data)?;
        if trials < HELD_OUT_EVERY {
            return Err(format!(
                "array inputs: {trials} trials; at least {HELD_OUT_EVERY} are needed (one in \
                 {HELD_OUT_EVERY} is held out, the rest train)"
            ));
        }
        let (tshape, tdata) = get("targets").ok_or("no array 'targets' (trials, T, O)")?;
        let [tt, ts, outputs] = rank3("targets", tshape, "(trials, T, O)")?;
        if (tt, ts) != (trials, steps) {
            return Err(format!(
                "array targets: shape {tshape:?}, but inputs has {trials} trials of {steps} steps"
            ));
        }
        finite("targets", tdata)?;
        let mask = match get("mask") {
            None => None,
            Some((mshape, mdata)) => {
                if mshape != tshape {
                    return Err(format!(
                        "array mask: shape {mshape:?}, but targets has {tshape:?}"
                    ));
                }
                if let Some(k) = mdata.iter().position(|m| !(0.0..=1.0).contains(m)) {
                    return Err(format!(
                        "array mask: value {k} is {}; a mask weighs the loss by 0 to 1",
                        mdata[k]
                    ));
                }
                Some(time_major(mdata, trials, steps, outputs).mapv(|v| v as f32))
            }
        };
        let constant_inputs = match get("constant_inputs") {
            None => Array2::zeros((1, width)),
            Some((cshape, cdata)) => {
                if cshape.len() != 2 || cshape[1] != width || cshape[0] == 0 {
                    return Err(format!(
                        "array constant_inputs: shape {cshape:?}; it must be (K ≥ 1, {width}), \
                         one input of the network per row"
                    ));
                }
                finite("constant_inputs", cdata)?;
                Array2::from_shape_vec((cshape[0], width), cdata.to_vec()).expect("checked")
            }
        };
        let conditions = match get("conditions") {
            None => vec![0; trials],
            Some((cshape, cdata)) => {
                if cshape != [trials] {
                    return Err(format!(
                        "array conditions: shape {cshape:?}; it must be ({trials},), one label \
                         per trial"
                    ));
                }
                if let Some(k) = cdata
                    .iter()
                    .position(|c| !c.is_finite() || c.fract() != 0.0 || c.abs() > 9.0e15)
                {
                    return Err(format!(
                        "array conditions: value {k} is {}, not a whole number",
                        cdata[k]
                    ));
                }
                cdata.iter().map(|&c| c as i64).collect()
            }
        };
        let (held_out, train): (Vec<usize>, Vec<usize>) =
            (0..trials).partition(|i| i % HELD_OUT_EVERY == HELD_OUT_EVERY - 1);
        if mask.as_ref().is_some_and(|m| {
            train
                .iter()
                .all(|&b| m.index_axis(Axis(1), b).iter().all(|&w| w == 0.0))
        }) {
            return Err("array mask: every training trial's mask is 0 (nothing to learn)".into());
        }
        let probe = balanced(&conditions, PROBE_TRIALS);
        Ok(Trials {
            inputs: time_major(data, trials, steps, width).mapv(|v| v as f32),
            targets: time_major(tdata, trials, steps, outputs).mapv(|v| v as f32),
            mask,
            constant_inputs,
            conditions,
            train,
            held_out,
            probe,
        })
    }

    /// Trials in the file.
    pub fn count(&self) -> usize {
        self.conditions.len()
    }

    /// Distinct condition labels, sorted.
    pub fn labels(&self) -> Vec<i64> {
        let mut labels = self.conditions.clone();
        labels.sort_unstable();
        labels.dedup();
        labels
    }

    /// The batch of trials `idx` (in that order), the first `steps` steps of each (None: all).
    fn gather(&self, idx: &[usize], steps: Option<usize>) -> Batch {
        let t = steps.map_or(self.inputs.dim().0, |s| s.min(self.inputs.dim().0));
        let pick = |a: &Array3<f32>| {
            let mut out = Array3::zeros((t, idx.len(), a.dim().2));
            for (k, &b) in idx.iter().enumerate() {
                out.index_axis_mut(Axis(1), k)
                    .assign(&a.index_axis(Axis(1), b).slice(ndarray::s![..t, ..]));
            }
            out
        };
        Batch {
            inputs: pick(&self.inputs),
            targets: pick(&self.targets),
            mask: self.mask.as_ref().map(pick),
        }
    }
}

/// The three dimensions of a rank-3 array, refusing any other rank or an empty dimension.
fn rank3(name: &str, shape: &[usize], layout: &str) -> Result<[usize; 3], String> {
    match *shape {
        [a, b, c] if a > 0 && b > 0 && c > 0 => Ok([a, b, c]),
        [_, _, _] => Err(format!(
            "array {name}: shape {shape:?} has an empty dimension"
        )),
        _ => Err(format!(
            "array {name}: shape {shape:?}; it must be {layout} (rank 3, got rank {})",
            shape.len()
        )),
    }
}

/// Arrays as a file gives them, (trials, T, C) in C order, to time-major (T, trials, C) as
/// batches are.
pub fn time_major(data: &[f64], trials: usize, steps: usize, channels: usize) -> Array3<f64> {
    Array3::from_shape_fn((steps, trials, channels), |(t, b, c)| {
        data[(b * steps + t) * channels + c]
    })
}

/// Up to `wanted` trials taking each condition in turn (labels in order, trials in file
/// order), so every condition is as represented as its trials allow.
fn balanced(conditions: &[i64], wanted: usize) -> Vec<usize> {
    let mut labels = conditions.to_vec();
    labels.sort_unstable();
    labels.dedup();
    let mut queues: Vec<std::collections::VecDeque<usize>> = labels
        .iter()
        .map(|l| {
            (0..conditions.len())
                .filter(|&b| conditions[b] == *l)
                .collect()
        })
        .collect();
    let mut out = Vec::new();
    while out.len() < wanted.min(conditions.len()) {
        for q in &mut queues {
            if out.len() < wanted {
                if let Some(b) = q.pop_front() {
                    out.push(b);
                }
            }
        }
    }
    out
}

impl TaskDefinition for ArraysTask {
    fn inputs(&self) -> usize {
        self.trials().inputs.dim().2
    }
    fn outputs(&self) -> usize {
        self.trials().targets.dim().2
    }
    fn time_steps(&self) -> usize {
        let all = self.trials().inputs.dim().0;
        self.steps.map_or(all, |s| s.min(all))
    }

    /// `trials` training trials drawn uniformly (with replacement) from the training split.
    fn batch(&self, trials: usize, rng: &mut ChaCha8Rng) -> Batch {
        let t = self.trials();
        let idx: Vec<usize> = (0..trials)
            .map(|_| t.train[rng.random_range(0..t.train.len())])
            .collect();
        t.gather(&idx, self.steps)
    }

    fn constant_inputs(&self) -> Array2<f64> {
        self.trials().constant_inputs.clone()
    }

    fn score_kind(&self) -> ScoreKind {
        match self.score {
            ArraysScore::Mse => ScoreKind::NormalizedMse,
            ArraysScore::Sign => ScoreKind::SignAccuracy,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// `n` trials of 3 steps, 1 input (the trial's index at every step), 1 target, 2 conditions.
    fn arrays(n: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let inputs = (0..n).flat_map(|b| [b as f64; 3]).collect();
        let targets = (0..n).flat_map(|b| [-(b as f64); 3]).collect();
        let conditions = (0..n).map(|b| (b % 2) as f64).collect();
        (inputs, targets, conditions)
    }

    fn read(n: usize, extra: &[(&str, Vec<usize>, Vec<f64>)]) -> Result<Trials, String> {
        let (inputs, targets, conditions) = arrays(n);
        let shape = [n, 3, 1];
        let cshape = [n];
        Trials::from_arrays(|name| match name {
            "inputs" => Some((&shape[..], &inputs[..])),
            "targets" => Some((&shape[..], &targets[..])),
            "conditions" => Some((&cshape[..], &conditions[..])),
            other => extra
                .iter()
                .find(|e| e.0 == other)
                .map(|e| (&e.1[..], &e.2[..])),
        })
    }

    #[test]
    fn splits_serve_the_right_trials_time_major() {
        let t = read(10, &[]).unwrap();
        assert_eq!(t.held_out, vec![4, 9]);
        assert_eq!(t.train.len(), 8);
        // Conditions alternate: the probe takes them in turn.
        assert_eq!(t.probe, (0..10).collect::<Vec<_>>());
        let task = ArraysTask {
            file: "t.npz".into(),
            fingerprint: None,
            score: ArraysScore::Mse,
            trials: Some(Arc::new(t)),
            steps: None,
        };
        let held = task.held_out_batch();
        assert_eq!(held.inputs.dim(), (3, 2, 1));
        assert_eq!(held.inputs[[2, 1, 0]], 9.0);
        assert_eq!(held.targets[[0, 0, 0]], -4.0);
        let batch = task.batch(64, &mut ChaCha8Rng::seed_from_u64(1));
        assert!(
            batch.inputs.iter().all(|&x| x as usize % 5 != 4),
            "no held-out trial"
        );
    }

    #[test]
    fn the_probe_balances_conditions() {
        let mut conditions = vec![0; 90];
        conditions.extend([1; 10]);
        let probe = balanced(&conditions, 64);
        assert_eq!(probe.len(), 64);
        let ones = probe.iter().filter(|&&b| conditions[b] == 1).count();
        assert_eq!(ones, 10, "every trial of the rare condition");
        assert_eq!(probe[..4], [0, 90, 1, 91]);
    }

    #[test]
    fn bad_arrays_are_named_with_their_fault() {
        let cases: Vec<(Result<Trials, String>, &str)> = vec![
            (read(4, &[]), "at least 5"),
            (
                read(10, &[("mask", vec![10, 3, 1], vec![2.0; 30])]),
                "array mask: value 0 is 2",
            ),
            (
                read(10, &[("mask", vec![10, 3], vec![1.0; 30])]),
                "array mask: shape [10, 3]",
            ),
            (
                read(10, &[("constant_inputs", vec![1, 2], vec![0.0; 2])]),
                "array constant_inputs",
            ),
        ];
        for (result, says) in cases {
            let e = result.expect_err("refused");
            assert!(e.contains(says), "{e}");
        }
        let nan = Trials::from_arrays(|name| match name {
            "inputs" => Some((&[5usize, 1, 1][..], &[0.0, 1.0, f64::NAN, 0.0, 0.0][..])),
            _ => None,
        });
        assert!(nan.unwrap_err().contains("array inputs: value 2 is NaN"));
        let missing = Trials::from_arrays(|name| match name {
            "inputs" => Some((&[5usize, 1, 1][..], &[0.0; 5][..])),
            _ => None,
        });
        assert!(missing.unwrap_err().contains("no array 'targets'"));
    }
}
