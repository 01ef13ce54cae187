//! `rnnlab slurm collect`: merges the results the array tasks published into the notebook,
//! each network exactly once: only a network its submission still holds takes a result, and
//! the write carries the submission's lease. Half-written files (`.partial`) are never read.
//! Then the experiments' geometry matrices are brought up to date.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;

use serde::Serialize;

use crate::analysis::similarity::ReductionOptions;
use crate::lab::analyse::store_record;
use crate::lab::compare::update_similarity;
use crate::lab::LabError;
use crate::store::{
    AnalysisRecord, AnalysisScope, ListQuery, NetState, NetworkRow, Notebook, Outcome,
    TopologyRecord,
};

/// What `collect` did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CollectReport {
    /// Result files read.
    pub files: usize,
    /// Networks whose training result was merged now.
    pub trained: usize,
    /// Networks whose analysis was merged now.
    pub analysed: usize,
    /// Finished networks in the files that were merged before or are no longer the
    /// submission's (skipped).
    pub skipped: usize,
    /// Networks the submissions still hold (not published yet).
    pub still_held: usize,
    /// Geometry pairs computed after the merge.
    pub compared_pairs: usize,
}

impl fmt::Display for CollectReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} result files: {} networks trained and {} analysed merged now, {} skipped \
             (merged before), {} still out on the cluster; {} geometry pairs computed",
            self.files,
            self.trained,
            self.analysed,
            self.skipped,
            self.still_held,
            self.compared_pairs
        )
    }
}

/// A finished network of a result file, as the notebook stores it.
fn outcome_of(result: &Notebook, row: &NetworkRow) -> Result<Outcome, LabError> {
    Ok(Outcome {
        state: match row.state {
            NetState::Analysed => NetState::Trained,
            s => s,
        },
        train_seconds: row.train_seconds.unwrap_or(0.0),
        steps_run: row.steps_run.unwrap_or(0).max(0) as usize,
        final_loss: row.final_loss,
        score: row.score,
        backoffs: row.backoffs.unwrap_or(0).max(0) as usize,
        reason: row.reason.clone(),
        curve: result.curve(row.id)?.unwrap_or_default(),
        weights: result.weights(row.id)?,
    })
}

/// The analysis of a network of a result file, as the notebook stores it.
fn analysis_of(result: &Notebook, row: &NetworkRow) -> Result<Option<AnalysisRecord>, LabError> {
    let Some(a) = result.analysis(row.id)? else {
        return Ok(None);
    };
    let topology = result
        .topology(row.id)?
        .map(|(version, descriptor)| TopologyRecord {
            version,
            descriptor,
            ideal: row.ideal_scaffold.unwrap_or(false),
            distance_to_ideal: row.scaffold_distance.unwrap_or(f64::NAN),
        });
    Ok(Some(AnalysisRecord {
        settings: a.settings,
        summary: a.summary,
        note: a.note,
        seconds: a.seconds,
        points: result.fixed_points(row.id)?,
        pseudo: row.pseudo_points.unwrap_or(0).max(0) as usize,
        topology,
    }))
}

/// Merges every published result of every submission into the notebook at `db`, then brings
/// the geometry matrices up to date.
pub fn collect(db: &Path, threads: usize) -> Result<CollectReport, LabError> {
    let notebook = crate::lab::notebook::open_sound(db)?;
    collect_into(&notebook, threads, true)
}

/// [`collect`] into an open notebook; with `compare` false the geometry matrices are left for
/// later (the terminal notebook merges on its own but never runs a network).
pub fn collect_into(
    notebook: &Notebook,
    threads: usize,
    compare: bool,
) -> Result<CollectReport, LabError> {
    let mut report = CollectReport::default();
    let mut touched = HashSet::new();
    for submission in notebook.submissions(None)? {
        let experiment_id = notebook.experiment(&submission.experiment)?.id;
        // What the submission holds, read once and kept current as results are merged.
        let mut held: HashSet<i64> = notebook.held_ids(&submission.worker)?.into_iter().collect();
        let results = Path::new(&submission.folder).join("results");
        let Ok(entries) = std::fs::read_dir(&results) else {
            continue;
        };
        let mut files: Vec<_> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "db"))
            .collect();
        files.sort();
        for file in files {
            let result = Notebook::open_read_only(&file)?;
            report.files += 1;
            let rows = result.list(&ListQuery {
                limit: 1_000_000,
                ..ListQuery::default()
            })?;
            for row in rows {
                if matches!(row.state, NetState::Planned | NetState::Training) {
                    continue;
                }
                let Some(id) = notebook.network_by_key(
                    experiment_id,
                    &row.arch,
                    &row.activation,
                    row.units,
                    row.l2,
                    row.seed,
                    &row.role,
                    row.trial,
                )?
                else {
                    report.skipped += 1;
                    continue;
                };
                let mine = notebook.network(id)?;
                let mut merged = false;
                if mine.state == NetState::Training
                    && held.contains(&id)
                    && notebook.finish(&mine, &outcome_of(&result, &row)?)?
                {
                    held.remove(&id);
                    report.trained += 1;
                    merged = true;
                }
                if row.state == NetState::Analysed
                    && notebook.network(id)?.state == NetState::Trained
                {
                    if let Some(record) = analysis_of(&result, &row)? {
                        let scope = AnalysisScope {
                            experiment_id: Some(experiment_id),
                            network: Some(id),
                        };
                        if let Some(claimed) = notebook.claim_analysis(scope, &submission.worker)? {
                            if store_record(notebook, &claimed, &record)? {
                                report.analysed += 1;
                                merged = true;
                            }
                        }
                    }
                }
                if merged {
                    touched.insert(submission.experiment.clone());
                } else {
                    report.skipped += 1;
                }
            }
        }
        let held = notebook.held_ids(&submission.worker)?.len();
        report.still_held += held;
        if held == 0 {
            // Everything came back: the submission's worker has nothing left to hold.
            notebook.retire_worker(&submission.worker)?;
        }
    }
    for experiment in touched.into_iter().filter(|_| compare) {
        report.compared_pairs +=
            update_similarity(notebook, &experiment, &ReductionOptions::default(), threads)?
                .new_pairs;
    }
    Ok(report)
}
