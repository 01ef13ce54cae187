//! `rnnlab estimate EXPERIMENT.toml`: core-hours and wall time of a sweep from this machine's
//! speed, to size a cluster submission.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{print_report, Json, Outcome};
use crate::lab;

#[derive(Args)]
pub(super) struct EstimateArgs {
    /// The experiment: a TOML file, or the name of a built-in one.
    experiment: PathBuf,
    /// Cores the sweep will run on [default: this machine's].
    #[arg(long, value_parser = super::at_least_one)]
    cores: Option<usize>,
    #[command(flatten)]
    json: Json,
}

pub(super) fn exec(args: EstimateArgs) -> Outcome {
    let experiment = crate::experiment::builtin::resolve(&args.experiment)?;
    let report = lab::estimate::estimate(&experiment, args.cores.unwrap_or_else(lab::cores))?;
    print_report(&report, args.json);
    Ok(ExitCode::SUCCESS)
}
