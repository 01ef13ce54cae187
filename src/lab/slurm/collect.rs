//! `rnnlab slurm collect`: merges the results the array tasks published into the notebook,
//! each network exactly once: only a network its submission still holds takes a result, and
//! the write carries the submission's lease. Half-written files (`.partial`) are never read.
//! Then the experiments' geometry matrices are brought up to date.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::experiment::Experiment;
use crate::files::write_atomically;
use crate::lab::analyse::store_record;
use crate::lab::compare::{update_similarity, CompareOptions};
use crate::lab::LabError;
use crate::net::{Layout, NetSpec};
use crate::store::{
    AnalysisRecord, AnalysisScope, ListQuery, NetState, NetworkRow, Notebook, Outcome,
    SlurmSubmission, SlurmTask, TopologyRecord,
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
    /// Result files refused now (moved to `results/rejected/`).
    pub rejected: Vec<RejectedFile>,
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
        )?;
        for r in &self.rejected {
            writeln!(f, "refused {}: {}", r.file.display(), r.reason)?;
        }
        Ok(())
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

/// A result file `collect` refused, moved to `results/rejected/` with the reason beside it.
#[derive(Clone, Debug, Serialize)]
pub struct RejectedFile {
    /// Where it is now.
    pub file: PathBuf,
    /// Why it was refused.
    pub reason: String,
}

/// The folder refused result files go to, and the file holding a refused file's reason.
pub fn rejected_folder(results: &Path) -> PathBuf {
    results.join("rejected")
}

/// Where the reason for refusing `file` (in the rejected folder) is written.
pub fn reason_path(file: &Path) -> PathBuf {
    PathBuf::from(format!("{}.reason", file.display()))
}

/// Moves `file` out of `results/` into `results/rejected/`, with `reason` in a line beside it,
/// so later collects merge the other files and `slurm status` can say what was refused.
fn quarantine(results: &Path, file: &Path, reason: &str) -> Result<RejectedFile, LabError> {
    let folder = rejected_folder(results);
    let io = |path: &Path, source| LabError::Io {
        path: path.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(&folder).map_err(|e| io(&folder, e))?;
    let name = file
        .file_name()
        .map_or_else(|| "unnamed".into(), |n| n.to_string_lossy().into_owned());
    // A file of the same name refused before is kept: the new one gets a numbered name.
    let mut to = folder.join(&name);
    let mut k = 1;
    while to.exists() || reason_path(&to).exists() {
        to = folder.join(format!("{name}.{k}"));
        k += 1;
    }
    write_atomically(&reason_path(&to), format!("{reason}\n").as_bytes())?;
    std::fs::rename(file, &to).map_err(|e| io(file, e))?;
    tracing::warn!("slurm collect: refused {}: {reason}", file.display());
    Ok(RejectedFile {
        file: to,
        reason: reason.to_string(),
    })
}

/// A finished network of a verified result file and the notebook's network it is the result of.
struct Verified {
    row: NetworkRow,
    id: i64,
}

/// What a submission may merge: the notebook's identity, its experiment, and per task (manifest
/// name, slot) the networks it trains.
struct Expected<'a> {
    identity: &'a str,
    submission: &'a SlurmSubmission,
    experiment_id: i64,
    spec: &'a str,
    experiment: &'a Experiment,
    tasks: &'a [SlurmTask],
}

/// Checks a result file against the submission it claims to belong to, before anything of it
/// is merged: its origin (notebook, submission, task), its experiment (the same file), and every
/// finished network (one the task was given, with the same settings, weights of its shape,
/// fixed points of its state size). A refusal says what is wrong in one line.
fn verify(
    notebook: &Notebook,
    expected: &Expected,
    file: &Path,
) -> Result<(Notebook, Vec<Verified>), String> {
    match std::fs::symlink_metadata(file) {
        Ok(m) if !m.is_file() => return Err("not a regular file".into()),
        Ok(m) if m.len() == 0 => return Err("an empty file".into()),
        Ok(_) => {}
        Err(e) => return Err(e.to_string()),
    }
    let result = Notebook::open_read_only(file).map_err(|e| e.to_string())?;
    if !result.quick_check_ok().map_err(|e| e.to_string())? {
        return Err("damaged: SQLite's quick_check fails on it".into());
    }
    let origin = result
        .result_origin()
        .map_err(|e| e.to_string())?
        .ok_or("not a Slurm task's result file (it names no origin)")?;
    if origin.notebook != expected.identity {
        return Err(format!(
            "written for another notebook (identity {}, this one is {})",
            origin.notebook, expected.identity
        ));
    }
    if origin.submission != expected.submission.id {
        return Err(format!(
            "belongs to submission {}, not {}",
            origin.submission, expected.submission.id
        ));
    }
    let given: HashSet<i64> = expected
        .tasks
        .iter()
        .filter(|t| {
            t.slot == origin.slot
                && Path::new(&t.manifest).file_stem() == Some(origin.manifest.as_ref())
        })
        .flat_map(|t| t.networks.iter().copied())
        .collect();
    if given.is_empty() {
        return Err(format!(
            "task {} of {} is not one this submission sent",
            origin.slot, origin.manifest
        ));
    }
    let experiments = result.experiments().map_err(|e| e.to_string())?;
    match experiments.as_slice() {
        [one] if one.name == expected.submission.experiment && one.spec == expected.spec => {}
        [one] if one.name == expected.submission.experiment => {
            return Err(format!(
                "its experiment '{}' is not the file this notebook holds under that name",
                one.name
            ))
        }
        _ => {
            return Err(format!(
                "holds {} experiment(s), not exactly '{}'",
                experiments.len(),
                expected.submission.experiment
            ))
        }
    }
    let rows = result
        .list(&ListQuery {
            limit: 1_000_000,
            ..ListQuery::default()
        })
        .map_err(|e| e.to_string())?;
    let mut verified = Vec::new();
    for row in rows {
        if matches!(row.state, NetState::Planned | NetState::Training) {
            continue;
        }
        let at = |m: String| format!("network {} ({}): {m}", row.id, row.arch);
        let id = notebook
            .network_by_key(expected.experiment_id, &row.to_new())
            .map_err(|e| e.to_string())?
            .filter(|id| given.contains(id))
            .ok_or_else(|| at("not a network this task was given".into()))?;
        let mine = notebook.network(id).map_err(|e| e.to_string())?;
        if mine.config != row.config {
            return Err(at(format!(
                "its training settings differ from network {id}'s"
            )));
        }
        check_shapes(&result, &row, expected.experiment).map_err(at)?;
        verified.push(Verified { row, id });
    }
    Ok((result, verified))
}

/// A result's weights and fixed points have the sizes its network's spec gives.
fn check_shapes(
    result: &Notebook,
    row: &NetworkRow,
    experiment: &Experiment,
) -> Result<(), String> {
    let spec = NetSpec::for_task(
        &experiment.task,
        row.arch,
        row.activation,
        usize::try_from(row.units).map_err(|_| format!("units = {}", row.units))?,
    );
    let need = Layout::new(spec).len();
    if let Some(w) = result.weights(row.id).map_err(|e| e.to_string())? {
        if w.len() != need {
            return Err(format!(
                "its weights have {} values, its shape needs {need}",
                w.len()
            ));
        }
    } else if row.state != NetState::Failed && row.state != NetState::Diverged {
        return Err("trained, but it has no weights".into());
    }
    let points = result.fixed_points(row.id).map_err(|e| e.to_string())?;
    if let Some(p) = points.iter().find(|p| p.state.len() != spec.state_dim()) {
        return Err(format!(
            "a fixed point has {} states, the network {}",
            p.state.len(),
            spec.state_dim()
        ));
    }
    Ok(())
}

/// Merges every published result of every submission into the notebook at `db`, then brings
/// the geometry matrices up to date.
pub fn collect(db: &Path, threads: usize) -> Result<CollectReport, LabError> {
    let notebook = crate::lab::notebook::open_sound(db)?;
    collect_into(&notebook, threads, true)
}

/// [`collect`] into an open notebook; with `compare` false the geometry matrices are left for
/// later (the terminal notebook merges on its own but never runs a network). A result file that
/// fails [`verify`] is quarantined and the others are merged.
pub fn collect_into(
    notebook: &Notebook,
    threads: usize,
    compare: bool,
) -> Result<CollectReport, LabError> {
    let mut report = CollectReport::default();
    let mut touched = HashSet::new();
    let identity = notebook.identity()?;
    for submission in notebook.submissions(None)? {
        let row = notebook.experiment(&submission.experiment)?;
        let experiment = crate::lab::notebook::stored_experiment(notebook, &submission.experiment)?;
        let tasks = notebook.slurm_tasks(submission.id)?;
        let expected = Expected {
            identity: &identity,
            submission: &submission,
            experiment_id: row.id,
            spec: &row.spec,
            experiment: &experiment,
            tasks: &tasks,
        };
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
            report.files += 1;
            let (result, verified) = match verify(notebook, &expected, &file) {
                Ok(v) => v,
                Err(reason) => {
                    report.rejected.push(quarantine(&results, &file, &reason)?);
                    continue;
                }
            };
            for Verified { row, id } in verified {
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
                            experiment_id: Some(expected.experiment_id),
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
            update_similarity(notebook, &experiment, &CompareOptions::default(), threads)?
                .new_pairs;
    }
    Ok(report)
}
