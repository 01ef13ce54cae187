//! `rnnlab experiments` and `rnnlab init [DIR]`: the built-in experiments, listed or written
//! out to edit.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{print_report, Json, Outcome};
use crate::experiment::builtin;

#[derive(Args)]
pub(super) struct ExperimentsArgs {
    #[command(flatten)]
    json: Json,
}

#[derive(Args)]
pub(super) struct InitArgs {
    /// Where to write them.
    #[arg(default_value = "experiments")]
    dir: PathBuf,
    #[command(flatten)]
    json: Json,
}

pub(super) fn list(args: ExperimentsArgs) -> Outcome {
    print_report(&builtin::builtins()?, args.json);
    Ok(ExitCode::SUCCESS)
}

pub(super) fn init(args: InitArgs) -> Outcome {
    print_report(&builtin::init(&args.dir)?, args.json);
    Ok(ExitCode::SUCCESS)
}
