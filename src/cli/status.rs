//! `rnnlab status`: per experiment, networks by state and architecture, workers, ETA.

use std::path::Path;
use std::process::ExitCode;

use clap::Args;

use super::{print_report, Json, Outcome};
use crate::lab;

#[derive(Args)]
pub(super) struct StatusArgs {
    #[command(flatten)]
    notebook: super::NotebookPath,
    #[command(flatten)]
    json: Json,
}

pub(super) fn exec(args: StatusArgs) -> Outcome {
    let db: &Path = &args.notebook.db;
    print_report(&lab::status::status(db)?, args.json);
    Ok(ExitCode::SUCCESS)
}
