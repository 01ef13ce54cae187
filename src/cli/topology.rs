//! `rnnlab topology`: a network's computational scaffold, or an experiment's summary.

use std::path::Path;
use std::process::ExitCode;

use clap::Args;

use super::{print_report, Json, Outcome};
use crate::lab;

#[derive(Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["network", "experiment"])))]
pub(super) struct TopologyArgs {
    #[command(flatten)]
    notebook: super::NotebookPath,
    /// One network's scaffold (flip-flop: the graph as an adjacency list).
    #[arg(long)]
    network: Option<i64>,
    /// Per architecture × activation: share with the ideal scaffold, distance statistics.
    #[arg(long)]
    experiment: Option<String>,
    /// With --experiment: leave out networks whose held-out loss is above this [default: 10 ×
    /// the target loss their training aimed at; diverged, failed and untrained ones always].
    #[arg(long, requires = "experiment", value_parser = super::positive_number)]
    max_loss: Option<f64>,
    #[command(flatten)]
    json: Json,
}

pub(super) fn exec(args: TopologyArgs) -> Outcome {
    let db: &Path = &args.notebook.db;
    let notebook = lab::notebook::open_existing(db)?;
    match (args.network, &args.experiment) {
        (Some(id), _) => print_report(&lab::topology::network_topology(&notebook, id)?, args.json),
        (None, Some(name)) => print_report(
            &lab::topology::experiment_topology(&notebook, name, args.max_loss)?,
            args.json,
        ),
        (None, None) => unreachable!("clap requires one"),
    }
    Ok(ExitCode::SUCCESS)
}
