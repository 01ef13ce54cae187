//! `rnnlab analyze`: find and store the fixed points and scaffolds of trained networks.

use std::path::Path;

use clap::Args;

use super::progress::Lines;
use super::{failed_if, print_report, stop_on_signals, Jobs, Json, Outcome, Selection};
use crate::analysis::FixedPointOptions;
use crate::experiment::settings::{as_flag, AnalysisSettings};
use crate::lab::{self, LabError};
use crate::store::AnalysisScope;

#[derive(Args)]
pub(super) struct AnalyzeArgs {
    #[command(flatten)]
    notebook: super::NotebookPath,
    #[command(flatten)]
    selection: Selection,
    /// Analyse again networks already analysed (for example with new settings).
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    jobs: Jobs,
    /// Settings that replace those of each experiment's [analysis] table.
    #[command(flatten)]
    settings: AnalysisSettings,
    #[command(flatten)]
    json: Json,
}

pub(super) fn exec(args: AnalyzeArgs) -> Outcome {
    let db: &Path = &args.notebook.db;
    // Checked before anything is written.
    let mut options = FixedPointOptions::default();
    args.settings.apply(&mut options);
    options
        .validate()
        .map_err(|m| LabError::Invalid(as_flag(&m)))?;
    let notebook = lab::notebook::open_existing(db)?;
    let scope = AnalysisScope {
        experiment_id: match &args.selection.experiment {
            Some(name) => Some(notebook.experiment(name)?.id),
            None => None,
        },
        network: match args.selection.network {
            Some(id) => Some(notebook.network(id)?.id),
            None => None,
        },
    };
    drop(notebook);
    let summary = lab::analyse::run_analysis(
        db,
        scope,
        args.force,
        &args.settings,
        args.jobs.get(),
        stop_on_signals(),
        &Lines::default(),
    )?;
    print_report(&summary, args.json);
    Ok(failed_if(summary.stopped))
}
