//! `rnnlab fixed-points --network ID`: a network's fixed and slow points.

use std::path::Path;
use std::process::ExitCode;

use clap::Args;

use super::{print_report, Json, Outcome};
use crate::lab;

#[derive(Args)]
pub(super) struct FixedPointsArgs {
    #[command(flatten)]
    notebook: super::NotebookPath,
    /// The network's id (see `rnnlab ls`).
    #[arg(long)]
    network: i64,
    /// Also each point's right and left eigenvectors and input Jacobian ∂F/∂x (with --json).
    #[arg(long)]
    modes: bool,
    #[command(flatten)]
    json: Json,
}

pub(super) fn exec(args: FixedPointsArgs) -> Outcome {
    let db: &Path = &args.notebook.db;
    let notebook = lab::notebook::open_existing(db)?;
    let report = lab::fixed_points::fixed_points_of(&notebook, args.network, args.modes)?;
    print_report(&report, args.json);
    Ok(ExitCode::SUCCESS)
}
