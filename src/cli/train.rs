//! `rnnlab train`: train one network from its seed and print its summary.

use std::path::PathBuf;

use clap::Args;

use super::{failed_if, print_report, Json, Outcome};
use crate::experiment::settings::{as_flag, TrainSettings};
use crate::lab::{self, LabError, TrainRequest};
use crate::net::{Activation, Arch};
use crate::task::TaskKind;
use crate::train::TrainConfig;

#[derive(Args)]
pub(super) struct TrainArgs {
    /// Task: flipflop, sine or integration.
    #[arg(long)]
    task: TaskKind,
    /// Cell: vanilla, ugrnn, gru or lstm.
    #[arg(long)]
    arch: Arch,
    /// Nonlinearity on the non-gate path: tanh or relu.
    #[arg(long, default_value = "tanh")]
    activation: Activation,
    /// Hidden units.
    #[arg(long, default_value_t = 64)]
    units: usize,
    /// Steps per trial [default: the task's].
    #[arg(long, value_parser = super::at_least_one)]
    time_steps: Option<usize>,
    /// Seed of the weights and the training batches.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Training settings [defaults: the task's and the cell's].
    #[command(flatten)]
    settings: TrainSettings,
    /// Save the trained network to this file.
    #[arg(long)]
    save: Option<PathBuf>,
    #[command(flatten)]
    json: Json,
}

pub(super) fn exec(args: TrainArgs) -> Outcome {
    let mut task = args.task.with_defaults().ok_or_else(|| {
        LabError::Invalid(
            "--task arrays: a task given as arrays is trained from an experiment file \
             (`[task] kind = \"arrays\"`, `rnnlab run FILE`)"
                .into(),
        )
    })?;
    if let Some(t) = args.time_steps {
        task.set_time_steps(t);
    }
    let mut config = TrainConfig::for_network(&task, args.arch, args.activation);
    args.settings.apply(&mut config);
    config
        .validate()
        .map_err(|m| LabError::Invalid(as_flag(&m)))?;
    let request = TrainRequest {
        task,
        arch: args.arch,
        activation: args.activation,
        units: args.units,
        config,
        seed: args.seed,
        save: args.save,
    };
    let every = (request.config.steps / 20).max(1);
    let report = lab::train_one(&request, &mut |p| {
        if p.step % every == 0 {
            eprintln!(
                "step {:>6}  loss {:.3e}  |grad| {:.3e}  lr {:.2e}",
                p.step, p.loss, p.grad_norm, p.learning_rate
            );
        }
    })?;
    print_report(&report, args.json);
    Ok(failed_if(report.diverged))
}
