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
    // `conflicts_with` too: clap lets `requires` be met by any member of a required group.
    #[arg(long, requires = "experiment", conflicts_with = "network", value_parser = super::positive_number)]
    max_loss: Option<f64>,
    /// With --experiment, on integration: read the line-attractor verdict again on this many
    /// freshly drawn probe batches (its memory is measured on probe trials), from the stored
    /// fixed points, and say which networks' verdicts change.
    #[arg(long, requires = "experiment", conflicts_with = "network", value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1000))]
    probe_sets: Option<u64>,
    #[command(flatten)]
    jobs: super::Jobs,
    #[command(flatten)]
    json: Json,
}

pub(super) fn exec(args: TopologyArgs) -> Outcome {
    let db: &Path = &args.notebook.db;
    let notebook = lab::notebook::open_existing(db)?;
    match (args.network, &args.experiment) {
        (Some(id), _) => print_report(&lab::topology::network_topology(&notebook, id)?, args.json),
        (None, Some(name)) => {
            let mut topology = lab::topology::experiment_topology(&notebook, name, args.max_loss)?;
            if let Some(draws) = args.probe_sets {
                topology.probe_draws = lab::topology::experiment_probe_draws(
                    &notebook,
                    name,
                    args.max_loss,
                    draws,
                    args.jobs.get(),
                )?;
            }
            print_report(&topology, args.json)
        }
        (None, None) => unreachable!("clap requires one"),
    }
    Ok(ExitCode::SUCCESS)
}
