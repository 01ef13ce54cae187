//! `rnnlab worker` (hidden): one Slurm array task, as the batch script of `slurm submit` runs it.

use std::path::PathBuf;

use clap::Args;

use super::progress::Lines;
use super::{failed_if, print_report, stop_on_signals, Jobs, Json, Outcome};
use crate::lab::slurm;
use crate::lab::LabError;

#[derive(Args)]
pub(super) struct WorkerArgs {
    /// The submission's manifest.
    #[arg(long)]
    manifest: PathBuf,
    /// The task in the manifest [default: $SLURM_ARRAY_TASK_ID].
    #[arg(long)]
    task: Option<usize>,
    #[command(flatten)]
    jobs: Jobs,
    #[command(flatten)]
    json: Json,
}

pub(super) fn exec(args: WorkerArgs) -> Outcome {
    let task = args.task.or_else(slurm::task_from_env).ok_or_else(|| {
        LabError::Invalid("--task: not given and SLURM_ARRAY_TASK_ID is not set".into())
    })?;
    let summary = slurm::run_task(
        &args.manifest,
        task,
        args.jobs.get(),
        stop_on_signals(),
        &Lines::default(),
    )?;
    print_report(&summary, args.json);
    Ok(failed_if(summary.stopped))
}
