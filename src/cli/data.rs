//! `rnnlab data add | ls | rm`: recorded population activity in the notebook, to place among an
//! experiment's networks with `rnnlab compare --data LABEL`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::{print_report, Json, NotebookPath, Outcome};
use crate::lab::{self, LabError};

#[derive(Subcommand)]
pub(super) enum DataCommand {
    /// Store a recording: an .npz with `responses` (conditions, T, neurons) condition means, or
    /// (trials, T, neurons) single trials with `conditions` (trials,) labels, binned in the
    /// experiment's steps and aligned to its conditions (built-in tasks: condition k = probe
    /// trial k; tasks given as arrays: their condition labels).
    Add(AddArgs),
    /// The recordings in the notebook.
    Ls(LsArgs),
    /// Remove a recording and its distances.
    Rm(RmArgs),
}

#[derive(Args)]
pub(super) struct AddArgs {
    /// The recording (.npz).
    file: PathBuf,
    #[command(flatten)]
    notebook: NotebookPath,
    /// The experiment it is compared with [default: the notebook's only one].
    #[arg(long)]
    experiment: Option<String>,
    /// Its label [default: the file's name without extension].
    #[arg(long)]
    name: Option<String>,
    #[command(flatten)]
    json: Json,
}

#[derive(Args)]
pub(super) struct LsArgs {
    #[command(flatten)]
    notebook: NotebookPath,
    /// Only this experiment's.
    #[arg(long)]
    experiment: Option<String>,
    #[command(flatten)]
    json: Json,
}

#[derive(Args)]
pub(super) struct RmArgs {
    /// The recording's label.
    name: String,
    #[command(flatten)]
    notebook: NotebookPath,
    /// Its experiment [default: the notebook's only one].
    #[arg(long)]
    experiment: Option<String>,
}

pub(super) fn exec(command: DataCommand) -> Outcome {
    match command {
        DataCommand::Add(args) => {
            let notebook = lab::notebook::open_existing(&args.notebook.db)?;
            let experiment = lab::notebook::one_experiment(&notebook, args.experiment.as_deref())?;
            let added = lab::recordings::add_recording(
                &notebook,
                &experiment,
                &args.file,
                args.name.as_deref(),
            )?;
            print_report(&added, args.json);
        }
        DataCommand::Ls(args) => {
            let notebook = lab::notebook::open_existing(&args.notebook.db)?;
            let rows = notebook.recordings(args.experiment.as_deref())?;
            print_report(&lab::recordings::Recordings(rows), args.json);
        }
        DataCommand::Rm(args) => {
            let notebook = lab::notebook::open_existing(&args.notebook.db)?;
            let experiment = lab::notebook::one_experiment(&notebook, args.experiment.as_deref())?;
            if !notebook.remove_recording(&experiment, &args.name)? {
                return Err(LabError::Invalid(format!(
                    "no recording named '{}' in experiment '{experiment}'",
                    args.name
                )));
            }
            eprintln!("removed recording '{}' of {experiment}", args.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}
