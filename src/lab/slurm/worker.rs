//! `rnnlab worker`: one array task. Trains and analyses its share of a submission into a
//! notebook of its own on node-local disk, and publishes a copy into the sweep folder (written
//! beside, then renamed, so `collect` never reads half a file) after every network and at the
//! end: a TIMEOUT or a preemption loses at most the network in flight.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use crate::experiment::Experiment;
use crate::lab::sweep::{run_planned, RunObserver, RunSummary};
use crate::lab::LabError;
use crate::slurm::Manifest;
use crate::store::{AnalysisRecord, NetworkRow, Notebook, Outcome, ResultOrigin};
use crate::train::Progress;

/// The task number from `SLURM_ARRAY_TASK_ID` (when `--task` is not given).
pub fn task_from_env() -> Option<usize> {
    std::env::var("SLURM_ARRAY_TASK_ID").ok()?.parse().ok()
}

/// Node-local scratch: `$SLURM_TMPDIR`, `$TMPDIR`, or the system's temporary folder.
fn scratch() -> PathBuf {
    ["SLURM_TMPDIR", "TMPDIR"]
        .iter()
        .find_map(|v| std::env::var_os(v).filter(|p| !p.is_empty()))
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
}

/// Copies the task's notebook to `to` through a temporary name.
fn publish(local: &Path, to: &Path) -> Result<(), LabError> {
    let partial = crate::files::partial_path(to);
    let _ = std::fs::remove_file(&partial);
    Notebook::open(local)?.copy_to(&partial)?;
    crate::files::sync(&partial)?;
    crate::files::publish(&partial, to)
}

/// Forwards to the progress observer and publishes after every finished network.
struct Publishing<'a> {
    inner: &'a dyn RunObserver,
    local: &'a Path,
    result: &'a Path,
}

impl Publishing<'_> {
    fn publish(&self) {
        if let Err(e) = publish(self.local, self.result) {
            eprintln!("warning: could not publish results: {e}");
        }
    }
}

impl RunObserver for Publishing<'_> {
    fn planned(&self, total: usize, remaining: usize) {
        self.inner.planned(total, remaining);
    }
    fn started(&self, slot: usize, network: &NetworkRow) {
        self.inner.started(slot, network);
    }
    fn step(&self, slot: usize, progress: &Progress) {
        self.inner.step(slot, progress);
    }
    fn finished(&self, slot: usize, network: &NetworkRow, outcome: &Outcome) {
        self.inner.finished(slot, network, outcome);
        self.publish();
    }
    fn analysing(&self, slot: usize, network: &NetworkRow) {
        self.inner.analysing(slot, network);
    }
    fn analysed(&self, slot: usize, network: &NetworkRow, record: &AnalysisRecord) {
        self.inner.analysed(slot, network, record);
        self.publish();
    }
}

/// Runs task `slot` of the manifest at `manifest` with `jobs` threads until done or `stop`.
pub fn run_task(
    manifest: &Path,
    slot: usize,
    jobs: usize,
    stop: Arc<AtomicBool>,
    observer: &dyn RunObserver,
) -> Result<RunSummary, LabError> {
    let m = Manifest::read(manifest)?;
    let mut experiment = Experiment::parse(manifest, &m.experiment_text)?;
    m.check_task(manifest, slot, &experiment)?;
    let networks = &m.tasks[slot];
    // The task trains exactly its networks: the population of a search is planned by a later
    // submission, on the login node, once every search run is collected.
    experiment.search = None;
    let plan: Vec<_> = networks.iter().map(|n| n.to_new()).collect();
    let local = scratch().join(format!(
        "rnnlab-{}-{}-task-{slot}-{}.db",
        m.submission,
        m.name,
        std::process::id()
    ));
    // The result file says whose it is, so `collect` merges it into that notebook only.
    Notebook::open(&local)?.set_result_origin(&ResultOrigin {
        notebook: m.notebook.clone(),
        submission: m.submission,
        manifest: m.name.clone(),
        slot: slot as i64,
    })?;
    let result = m.result_path(slot);
    let publishing = Publishing {
        inner: observer,
        local: &local,
        result: &result,
    };
    let summary = run_planned(&experiment, &local, &plan, jobs, stop, &publishing, false);
    // Whatever happened, what is finished is published once more before the task ends.
    let published = publish(&local, &result);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", local.display()));
    }
    let summary = summary?;
    published?;
    Ok(summary)
}
