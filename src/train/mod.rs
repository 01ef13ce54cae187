//! Training one network: fresh seeded batches, BPTT, L2 on kernels, global-norm clipping,
//! exponential learning-rate decay, Adam or SGD+momentum, early stop at a target loss, and a
//! clean *diverged* outcome on NaN or ∞. Progress leaves through a callback.

mod config;
mod curve;
mod optimizer;

pub use config::TrainConfig;
pub use curve::LossCurve;
pub use optimizer::OptimizerKind;

use std::ops::ControlFlow;
use std::time::Instant;

use ndarray::ArrayView3;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::net::{backward, forward, mse, NetSpec, Params, Tape};
use crate::task::{Batch, Task};
use optimizer::Optimizer;

/// Seed of the held-out evaluation batch: the same trials score every network.
pub const EVAL_SEED: u64 = 0x4556_414C;
/// Trials in the evaluation batch.
pub const EVAL_TRIALS: usize = 256;

/// One training iteration as seen from outside.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Progress {
    /// Iteration index, from 0.
    pub step: usize,
    /// MSE of this iteration's batch (before the update).
    pub loss: f64,
    /// Global gradient norm (before clipping).
    pub grad_norm: f64,
    /// Learning rate used for this update.
    pub learning_rate: f64,
}

/// Why a run ended before its last step with unusable weights.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Divergence {
    /// The iteration at which the loss or gradient stopped being finite.
    pub step: usize,
    /// What was not finite.
    pub reason: String,
}

/// The result of training one network.
#[derive(Clone, Debug)]
pub struct TrainOutcome {
    /// The trained weights (if diverged: the last finite weights, not to be used as a result).
    pub params: Params<f32>,
    /// Iterations run (including any repeated after a back-off).
    pub steps_run: usize,
    /// MSE on the held-out evaluation batch (NaN if diverged).
    pub final_loss: f64,
    /// The task's score on the evaluation batch (NaN if diverged).
    pub score: f64,
    /// Wall-clock seconds spent.
    pub seconds: f64,
    /// True if the run stopped because the held-out loss reached the target.
    pub reached_target: bool,
    /// Times the run went back to a checkpoint and halved its learning rate after a NaN or ∞.
    pub backoffs: usize,
    /// True if the progress callback asked to stop; the weights are then unfinished.
    pub cancelled: bool,
    /// Set if the run diverged.
    pub diverged: Option<Divergence>,
}

/// The held-out evaluation batch of a task.
pub fn evaluation_batch(task: &Task) -> Batch {
    match task {
        Task::FlipFlop(_) | Task::Sine(_) | Task::Integration(_) => task
            .definition()
            .batch(EVAL_TRIALS, &mut ChaCha8Rng::seed_from_u64(EVAL_SEED)),
        Task::Arrays(t) => t.held_out_batch(),
    }
}

/// MSE and task score of `params` on `batch`.
pub fn evaluate(task: &Task, params: &Params<f32>, batch: &Batch) -> (f64, f64) {
    let (steps, trials, outputs) = batch.targets.dim();
    let mut tape = Tape::new(params.spec, trials, steps);
    forward(params, batch.input_slice(), &mut tape);
    let loss = mse(&tape, batch.target_slice(), batch.mask_slice());
    let y = ArrayView3::from_shape((steps, trials, outputs), tape.outputs()).expect("T×B×O");
    let score = task.definition().score_kind().score(
        y,
        batch.targets.view(),
        batch.mask.as_ref().map(|m| m.view()),
    );
    (loss, score)
}

/// The state of one training run: weights, optimiser moments and reusable buffers. One call to
/// [`Trainer::iterate`] is one iteration (forward, BPTT, L2, clipping, update), the unit both
/// `train` and the benchmark measure.
pub struct Trainer {
    /// Current weights.
    pub params: Params<f32>,
    /// Factor on the scheduled learning rate (halved at each back-off after a divergence).
    pub learning_rate_scale: f64,
    config: TrainConfig,
    grad: Vec<f32>,
    tape: Tape<f32>,
    optimizer: Optimizer,
}

impl Trainer {
    /// A fresh network of shape `spec`, initialised from `init_rng`, for batches of `config.batch`
    /// trials of `time_steps` steps.
    pub fn new(
        spec: NetSpec,
        config: &TrainConfig,
        time_steps: usize,
        init_rng: &mut ChaCha8Rng,
    ) -> Self {
        let params = Params::<f32>::init(spec, init_rng);
        let len = params.layout().len();
        let optimizer = match config.optimizer {
            OptimizerKind::Adam => Optimizer::adam(len, config.beta1, config.beta2, config.epsilon),
            OptimizerKind::Sgd => Optimizer::sgd(len, config.momentum),
        };
        Trainer {
            params,
            learning_rate_scale: 1.0,
            config: config.clone(),
            grad: vec![0.0; len],
            tape: Tape::new(spec, config.batch, time_steps),
            optimizer,
        }
    }

    /// A copy of the weights and optimiser state to come back to.
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            params: self.params.clone(),
            optimizer: self.optimizer.clone(),
        }
    }

    /// Returns to `checkpoint`.
    pub fn restore(&mut self, checkpoint: &Checkpoint) {
        self.params.data.copy_from_slice(&checkpoint.params.data);
        self.optimizer.clone_from(&checkpoint.optimizer);
    }

    /// One iteration on `batch` as iteration number `step` (which sets the learning rate).
    /// A non-finite loss or gradient leaves the weights untouched and returns the divergence.
    pub fn iterate(&mut self, batch: &Batch, step: usize) -> Result<Progress, Divergence> {
        let layout = self.params.layout();
        let (inputs, targets) = (batch.input_slice(), batch.target_slice());
        self.tape.set_steps(batch.inputs.len_of(ndarray::Axis(0)));
        forward(&self.params, inputs, &mut self.tape);
        let loss = backward(
            &self.params,
            inputs,
            targets,
            batch.mask_slice(),
            &mut self.tape,
            &mut self.grad,
        );
        let l2 = self.config.l2 as f32;
        for range in layout.kernels() {
            for (g, &w) in self.grad[range.clone()]
                .iter_mut()
                .zip(&self.params.data[range])
            {
                *g += 2.0 * l2 * w;
            }
        }
        let grad_norm = self
            .grad
            .iter()
            .map(|&g| f64::from(g).powi(2))
            .sum::<f64>()
            .sqrt();
        if !loss.is_finite() || !grad_norm.is_finite() {
            let (what, value) = if loss.is_finite() {
                ("gradient norm", grad_norm)
            } else {
                ("loss", loss)
            };
            return Err(Divergence {
                step,
                reason: format!("{what} became {value} at step {step}"),
            });
        }
        if let Some(clip) = self.config.clip_norm {
            if grad_norm > clip {
                let s = (clip / grad_norm) as f32;
                self.grad.iter_mut().for_each(|g| *g *= s);
            }
        }
        let learning_rate = self.config.learning_rate_at(step) * self.learning_rate_scale;
        self.optimizer
            .update(&mut self.params.data, &self.grad, learning_rate);
        Ok(Progress {
            step,
            loss,
            grad_norm,
            learning_rate,
        })
    }
}

/// Weights and optimiser state saved by [`Trainer::checkpoint`].
#[derive(Clone, Debug)]
pub struct Checkpoint {
    params: Params<f32>,
    optimizer: Optimizer,
}

/// Iterations between the checkpoints a back-off returns to.
pub const CHECKPOINT_EVERY: usize = 100;

/// Trains a network of shape `spec` on `task` from `seed`. The same (task, spec, config, seed)
/// gives bitwise the same weights. `on_progress` sees every completed iteration and may stop the
/// run by returning `ControlFlow::Break`. A NaN or ∞
/// sends the run back to its last checkpoint with half the learning rate, up to
/// `config.divergence_retries` times; after that the run ends as diverged at that step.
pub fn train(
    task: &Task,
    spec: NetSpec,
    config: &TrainConfig,
    seed: u64,
    on_progress: &mut dyn FnMut(&Progress) -> ControlFlow<()>,
) -> TrainOutcome {
    let started = Instant::now();
    let def = task.definition();
    // Independent streams of one seed: initial weights, training batches.
    let mut init_rng = ChaCha8Rng::seed_from_u64(seed);
    let mut data_rng = ChaCha8Rng::seed_from_u64(seed);
    data_rng.set_stream(1);
    let mut trainer = Trainer::new(spec, config, def.time_steps(), &mut init_rng);
    let eval = evaluation_batch(task);
    let mut smoothed = f64::INFINITY;
    let mut next_target_check = 0;
    let mut steps_run = 0;
    let mut reached_target = false;
    let mut diverged = None;
    let mut backoffs = 0;
    let mut cancelled = false;
    let mut checkpoint = (0, trainer.checkpoint());

    let mut step = 0;
    while step < config.steps {
        let trial_steps = config.trial_steps_at(step, def.time_steps());
        let batch = if trial_steps == def.time_steps() {
            def.batch(config.batch, &mut data_rng)
        } else {
            task.with_time_steps(trial_steps)
                .definition()
                .batch(config.batch, &mut data_rng)
        };
        let result = trainer.iterate(&batch, step);
        steps_run += 1;
        let progress = match result {
            Ok(p) => p,
            Err(_) if backoffs < config.divergence_retries => {
                // Back to the last checkpoint with half the learning rate.
                backoffs += 1;
                trainer.restore(&checkpoint.1);
                trainer.learning_rate_scale *= 0.5;
                step = checkpoint.0;
                smoothed = f64::INFINITY;
                continue;
            }
            Err(d) => {
                steps_run -= 1;
                diverged = Some(d);
                break;
            }
        };
        step += 1;
        if on_progress(&progress).is_break() {
            cancelled = true;
            break;
        }
        if step % CHECKPOINT_EVERY == 0 {
            checkpoint = (step, trainer.checkpoint());
        }

        // Early stop: confirm on the held-out batch once the smoothed batch loss is below target.
        if let Some(target) = config.target_loss {
            smoothed = if smoothed.is_finite() {
                0.9 * smoothed + 0.1 * progress.loss
            } else {
                progress.loss
            };
            if smoothed < target && step >= next_target_check {
                if evaluate(task, &trainer.params, &eval).0 < target {
                    reached_target = true;
                    break;
                }
                next_target_check = step + 50;
            }
        }
    }

    let (final_loss, score) = if diverged.is_some() {
        (f64::NAN, f64::NAN)
    } else {
        evaluate(task, &trainer.params, &eval)
    };
    TrainOutcome {
        params: trainer.params,
        steps_run,
        final_loss,
        score,
        seconds: started.elapsed().as_secs_f64(),
        reached_target,
        backoffs,
        cancelled,
        diverged,
    }
}
