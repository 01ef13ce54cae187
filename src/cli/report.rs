//! `rnnlab report`: an experiment's figures, numbers and page.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::compare::Reduction;
use super::{print_report, Json, Outcome};
use crate::lab::{self, LabError};

#[derive(Args)]
#[command(after_help = "\
Writes into the folder: index.html (self-contained: figures inline, font embedded, nothing
fetched), report.json (every number), and each figure as NAME.svg and NAME.png:
  training-loss, training-final     loss curves and where training ended, per cell x activation
  geometry-maps, geometry-heatmap   MDS under SVCCA and topology; SVCCA distances by group
  fixed-point-counts                fixed points per network by stability
  state-space, eigenvalues          one network per group: points on PC1-3; Jacobian spectra
  spectra                           sorted |lambda| per cell, mean and s.e.m.
  ideal-cube | sine-frequency | integration-modes   the task's own check
The page's first table is the study's checks, each with the measured number and a verdict.")]
pub(super) struct ReportArgs {
    #[command(flatten)]
    notebook: super::NotebookPath,
    /// The experiment [default: the notebook's only one].
    #[arg(long)]
    experiment: Option<String>,
    /// The folder to write [default: report-EXPERIMENT beside the notebook].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Draw this network in state space (repeat for several) [default: per cell × activation,
    /// the network whose held-out loss is nearest its group's median].
    #[arg(long = "network", value_name = "ID")]
    networks: Vec<i64>,
    /// Leave out networks whose held-out loss is above this [default: 10 × the target loss
    /// their training aimed at].
    #[arg(long, value_parser = super::positive_number)]
    max_loss: Option<f64>,
    #[command(flatten)]
    reduction: Reduction,
    /// Threads for the similarity update [default: the number of cores].
    #[arg(long, value_parser = super::at_least_one)]
    threads: Option<usize>,
    #[command(flatten)]
    json: Json,
}

pub(super) fn exec(args: ReportArgs) -> Outcome {
    let db = &args.notebook.db;
    let comparison = args.reduction.options()?;
    let notebook = lab::notebook::open_existing(db)?;
    let experiment = lab::notebook::one_experiment(&notebook, args.experiment.as_deref())?;
    for &id in &args.networks {
        let row = notebook.network(id)?;
        if row.experiment != experiment {
            return Err(LabError::Invalid(format!(
                "--network {id}: it belongs to experiment '{}', not '{experiment}'",
                row.experiment
            )));
        }
    }
    let out = match args.out {
        Some(out) => out,
        None => crate::files::names::inside(
            db.parent().unwrap_or(std::path::Path::new(".")),
            &format!("report-{experiment}"),
        )?,
    };
    let options = lab::report::ReportOptions {
        experiment,
        networks: args.networks,
        max_loss: args.max_loss,
        comparison,
        threads: args.threads.unwrap_or_else(lab::cores),
    };
    let report = lab::report::report(&notebook, &options, &out)?;
    print_report(&report, args.json);
    Ok(ExitCode::SUCCESS)
}
