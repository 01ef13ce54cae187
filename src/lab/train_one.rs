//! `rnnlab train`: one network from the command line.

use std::fmt;
use std::ops::ControlFlow;
use std::path::PathBuf;

use serde::Serialize;

use crate::files::network_file::{self, NetworkMeta};
use crate::lab::MISSING;
use crate::net::{Activation, Arch, NetSpec};
use crate::task::Task;
use crate::train::{self, Progress, TrainConfig};
use crate::LabError;

/// What to train.
#[derive(Clone, Debug)]
pub struct TrainRequest {
    /// The task with its parameters.
    pub task: Task,
    /// Cell architecture.
    pub arch: Arch,
    /// Nonlinearity.
    pub activation: Activation,
    /// Hidden units.
    pub units: usize,
    /// Training settings.
    pub config: TrainConfig,
    /// Seed of weights and batches.
    pub seed: u64,
    /// Where to save the trained network.
    pub save: Option<PathBuf>,
}

/// The summary `rnnlab train` prints.
#[derive(Clone, Debug, Serialize)]
pub struct TrainReport {
    /// Task name.
    pub task: String,
    /// Architecture.
    pub arch: Arch,
    /// Nonlinearity.
    pub activation: Activation,
    /// Hidden units.
    pub units: usize,
    /// Seed.
    pub seed: u64,
    /// Iterations run.
    pub steps_run: usize,
    /// Held-out MSE (null if diverged).
    pub final_loss: Option<f64>,
    /// Held-out task score (null if diverged).
    pub score: Option<f64>,
    /// What the score measures.
    pub score_kind: String,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// True if training stopped at the target loss.
    pub reached_target: bool,
    /// Times training went back to a checkpoint with half the learning rate after a NaN or ∞.
    pub backoffs: usize,
    /// True if the loss or gradient became NaN or infinite (after every back-off).
    pub diverged: bool,
    /// The step and reason of a divergence.
    pub diverged_reason: Option<String>,
    /// Where the network was saved.
    pub saved: Option<PathBuf>,
}

/// Trains one network, reporting progress to `on_progress`, and saves it if asked (never a
/// diverged one).
pub fn train_one(
    request: &TrainRequest,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<TrainReport, LabError> {
    request.config.validate().map_err(LabError::Invalid)?;
    if request.units == 0 {
        return Err(LabError::Invalid("--units must be at least 1".into()));
    }
    let spec = NetSpec::for_task(
        &request.task,
        request.arch,
        request.activation,
        request.units,
    );
    crate::experiment::limits::check_training(spec, &request.task, &request.config)
        .map_err(LabError::Invalid)?;
    if let Some(path) = &request.save {
        // Found out now, not after the whole training run.
        crate::files::network_file::check_writable(path)?;
    }
    let outcome = train::train(
        &request.task,
        spec,
        &request.config,
        request.seed,
        &mut |p| {
            on_progress(p);
            ControlFlow::Continue(())
        },
    );
    let diverged = outcome.diverged.is_some();
    let mut saved = None;
    if let (Some(path), false) = (&request.save, diverged) {
        let meta = NetworkMeta {
            task: request.task.clone(),
            spec,
            config: request.config.clone(),
            seed: request.seed,
            steps_run: outcome.steps_run,
            final_loss: outcome.final_loss,
            score: outcome.score,
        };
        network_file::save(path, &meta, &outcome.params)?;
        saved = Some(path.clone());
    }
    let finite = |v: f64| v.is_finite().then_some(v);
    Ok(TrainReport {
        task: request.task.name().to_string(),
        arch: request.arch,
        activation: request.activation,
        units: request.units,
        seed: request.seed,
        steps_run: outcome.steps_run,
        final_loss: finite(outcome.final_loss),
        score: finite(outcome.score),
        score_kind: request.task.definition().score_kind().name().to_string(),
        seconds: outcome.seconds,
        reached_target: outcome.reached_target,
        backoffs: outcome.backoffs,
        diverged,
        diverged_reason: outcome.diverged.map(|d| d.reason),
        saved,
    })
}
impl fmt::Display for TrainReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self;
        let num = |v: Option<f64>| v.map_or(MISSING.to_string(), |v| format!("{v:.4e}"));
        writeln!(f, "task         {}", r.task)?;
        writeln!(
            f,
            "network      {} {} N={} seed={}",
            r.arch, r.activation, r.units, r.seed
        )?;
        writeln!(
            f,
            "steps run    {}{}",
            r.steps_run,
            if r.reached_target {
                " (reached target loss)"
            } else {
                ""
            }
        )?;
        writeln!(f, "final loss   {} (held-out MSE)", num(r.final_loss))?;
        writeln!(
            f,
            "score        {} ({})",
            r.score.map_or(MISSING.into(), |s| format!("{s:.4}")),
            r.score_kind
        )?;
        writeln!(f, "seconds      {:.1}", r.seconds)?;
        if r.backoffs > 0 {
            writeln!(
                f,
                "back-offs    {} (learning rate halved after a NaN/inf)",
                r.backoffs
            )?;
        }
        if let Some(reason) = &r.diverged_reason {
            writeln!(f, "DIVERGED     {reason}")?;
        }
        if let Some(path) = &r.saved {
            writeln!(f, "saved        {}", path.display())?;
        }
        Ok(())
    }
}
