//! `rnnlab tasks show FILE`: what a task given as arrays holds, checked as `rnnlab run` checks
//! it, with a figure of a few trials.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::{print_report, Json, Outcome};
use crate::lab::task_show::show_task;

#[derive(Subcommand)]
pub(super) enum TasksCommand {
    /// Sizes, the train/held-out split, conditions and constant inputs of a task file
    /// (.npz: inputs, targets, mask, constant_inputs, conditions), and a figure of its trials.
    Show(ShowArgs),
}

#[derive(Args)]
pub(super) struct ShowArgs {
    /// The task file.
    file: PathBuf,
    /// Draw the first trial of a few conditions into this folder (task-trials.svg and .png).
    #[arg(long)]
    plot: Option<PathBuf>,
    #[command(flatten)]
    json: Json,
}

pub(super) fn exec(command: TasksCommand) -> Outcome {
    match command {
        TasksCommand::Show(args) => {
            print_report(&show_task(&args.file, args.plot.as_deref())?, args.json);
            Ok(ExitCode::SUCCESS)
        }
    }
}
