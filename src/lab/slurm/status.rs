//! `rnnlab slurm status` and `cancel`: each array task's state from `squeue` (at most every
//! 30 s: the answer is kept in the sweep folder), its progress from its published results.

use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::collect::{reason_path, rejected_folder, RejectedFile};
use crate::lab::LabError;
use crate::slurm::{Cluster, QueueEntry};
use crate::store::{ListQuery, NetState, Notebook};

/// Slurm states in which a task still runs or will.
const LIVE: &[&str] = &[
    "PENDING",
    "RUNNING",
    "CONFIGURING",
    "COMPLETING",
    "SUSPENDED",
    "REQUEUED",
    "RESIZING",
    "SIGNALING",
    "STAGE_OUT",
];

/// How long an `squeue` answer is reused.
const QUEUE_MAX_AGE: f64 = 30.0;

/// (job, task) of the entries in a live state.
pub(super) fn live_states(entries: &[QueueEntry]) -> HashSet<(String, i64)> {
    entries
        .iter()
        .filter(|e| LIVE.contains(&e.state.as_str()))
        .map(|e| (e.job_id.clone(), e.task))
        .collect()
}

/// One array task.
#[derive(Clone, Debug, Serialize)]
pub struct TaskStatus {
    /// The submission.
    pub submission: i64,
    /// The array job.
    pub job_id: String,
    /// The index in the array.
    pub task: i64,
    /// Slurm's state (`GONE` once Slurm no longer lists it).
    pub state: String,
    /// The node.
    pub node: String,
    /// Its networks.
    pub networks: usize,
    /// Of which finished in its published results.
    pub done: usize,
}

/// Every submission's tasks.
#[derive(Clone, Debug, Serialize)]
pub struct SlurmStatus {
    /// The tasks.
    pub tasks: Vec<TaskStatus>,
    /// Seconds since Slurm was asked (answers are reused for 30 s).
    pub queue_age_seconds: f64,
    /// Why Slurm's answer is missing or old, if it is.
    pub queue_note: Option<String>,
    /// Networks still held by submissions (not merged yet).
    pub held: usize,
    /// Unix seconds of the first submission listed.
    pub submitted: Option<f64>,
    /// Result files `collect` refused, with the reason.
    pub rejected: Vec<RejectedFile>,
}

impl SlurmStatus {
    /// Seconds until every task's networks are published, at the pace so far (None before the
    /// first is).
    pub fn eta_seconds(&self) -> Option<f64> {
        let (done, all) = self
            .tasks
            .iter()
            .fold((0, 0), |(d, a), t| (d + t.done, a + t.networks));
        let elapsed = crate::store::now() - self.submitted?;
        (done > 0 && all > done).then(|| elapsed * (all - done) as f64 / done as f64)
    }
}

impl fmt::Display for SlurmStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:>4} {:>10} {:>5}  {:<11} {:<10} {:>8}",
            "sub", "job", "task", "state", "node", "done"
        )?;
        for t in &self.tasks {
            writeln!(
                f,
                "{:>4} {:>10} {:>5}  {:<11} {:<10} {:>4}/{:<3}",
                t.submission, t.job_id, t.task, t.state, t.node, t.done, t.networks
            )?;
        }
        let mut states: std::collections::BTreeMap<&str, usize> = Default::default();
        for t in &self.tasks {
            *states.entry(t.state.as_str()).or_default() += 1;
        }
        let summary: Vec<String> = states.iter().map(|(s, n)| format!("{n} {s}")).collect();
        writeln!(
            f,
            "{} tasks: {}; {} networks not merged yet (`rnnlab slurm collect`); Slurm asked {:.0} s ago",
            self.tasks.len(),
            summary.join(", "),
            self.held,
            self.queue_age_seconds
        )?;
        if let Some(note) = &self.queue_note {
            writeln!(f, "note: {note}")?;
        }
        for r in &self.rejected {
            writeln!(f, "refused {}: {}", r.file.display(), r.reason)?;
        }
        Ok(())
    }
}

#[derive(Serialize, Deserialize)]
struct QueueCache {
    asked: f64,
    jobs: Vec<String>,
    entries: Vec<(String, i64, String, String)>,
}

/// `squeue` for `jobs`, reusing an answer younger than 30 s kept at `cache`; on failure the
/// last answer with a note.
fn queue(
    cluster: &Cluster,
    jobs: &[String],
    cache: &Path,
) -> (Vec<QueueEntry>, f64, Option<String>) {
    let now = crate::store::now();
    let old: Option<QueueCache> = std::fs::read_to_string(cache)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    let entries = |c: &QueueCache| -> Vec<QueueEntry> {
        c.entries
            .iter()
            .map(|(job, task, state, node)| QueueEntry {
                job_id: job.clone(),
                task: *task,
                state: state.clone(),
                node: node.clone(),
                time: String::new(),
            })
            .collect()
    };
    if let Some(c) = &old {
        if now - c.asked < QUEUE_MAX_AGE && c.jobs == jobs {
            return (entries(c), now - c.asked, None);
        }
    }
    match cluster.squeue(jobs) {
        Ok(fresh) => {
            let c = QueueCache {
                asked: now,
                jobs: jobs.to_vec(),
                entries: fresh
                    .iter()
                    .map(|e| (e.job_id.clone(), e.task, e.state.clone(), e.node.clone()))
                    .collect(),
            };
            let _ = crate::files::write_atomically(
                cache,
                serde_json::to_string(&c)
                    .expect("cache serialises")
                    .as_bytes(),
            );
            (fresh, 0.0, None)
        }
        Err(e) => match &old {
            Some(c) => (entries(c), now - c.asked, Some(e.to_string())),
            None => (Vec::new(), 0.0, Some(e.to_string())),
        },
    }
}

/// Networks finished in a published result file.
fn finished_in(path: &Path) -> usize {
    if !path.exists() {
        return 0;
    }
    Notebook::open_read_only(path)
        .and_then(|nb| {
            nb.list(&ListQuery {
                limit: 100_000,
                ..ListQuery::default()
            })
        })
        .map(|rows| {
            rows.iter()
                .filter(|r| !matches!(r.state, NetState::Planned | NetState::Training))
                .count()
        })
        .unwrap_or(0)
}

/// The tasks of every submission (of one experiment, if given).
pub fn slurm_status(
    db: &Path,
    experiment: Option<&str>,
    cluster: &Cluster,
) -> Result<SlurmStatus, LabError> {
    let notebook = crate::lab::notebook::open_existing(db)?;
    let submissions = notebook.submissions(experiment)?;
    let mut tasks = Vec::new();
    let mut jobs = BTreeSet::new();
    let mut held = 0;
    let mut rejected = Vec::new();
    for s in &submissions {
        held += notebook.held_ids(&s.worker)?.len();
        rejected.extend(rejected_files(&Path::new(&s.folder).join("results")));
        for t in notebook.slurm_tasks(s.id)? {
            jobs.insert(t.job_id.clone());
            tasks.push(t);
        }
    }
    let jobs: Vec<String> = jobs.into_iter().collect();
    let cache = db.with_extension("slurm-queue.json");
    let (entries, age, note) = queue(cluster, &jobs, &cache);
    let tasks = tasks
        .into_iter()
        .map(|t| {
            let entry = entries
                .iter()
                .find(|e| e.job_id == t.job_id && e.task == t.task);
            let manifest = PathBuf::from(&t.manifest);
            let stem = manifest
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let result = manifest
                .with_file_name("results")
                .join(format!("{stem}-task-{}.db", t.slot));
            TaskStatus {
                submission: t.submission,
                job_id: t.job_id.clone(),
                task: t.task,
                state: entry.map_or("GONE".into(), |e| e.state.clone()),
                node: entry.map_or(String::new(), |e| e.node.clone()),
                networks: t.networks.len(),
                done: finished_in(&result),
            }
        })
        .collect();
    Ok(SlurmStatus {
        tasks,
        queue_age_seconds: age,
        queue_note: note,
        held,
        submitted: submissions.first().map(|s| s.submitted),
        rejected,
    })
}

/// The files `collect` moved to `results/rejected/`, with the reason written beside each.
fn rejected_files(results: &Path) -> Vec<RejectedFile> {
    let Ok(entries) = std::fs::read_dir(rejected_folder(results)) else {
        return Vec::new();
    };
    let mut files: Vec<RejectedFile> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_none_or(|x| x != "reason"))
        .map(|file| RejectedFile {
            reason: std::fs::read_to_string(reason_path(&file))
                .map(|r| r.trim_end().to_string())
                .unwrap_or_else(|_| "no reason recorded".into()),
            file,
        })
        .collect();
    files.sort_by(|a, b| a.file.cmp(&b.file));
    files
}

/// What `slurm cancel` did.
#[derive(Clone, Debug, Serialize)]
pub struct CancelReport {
    /// Array jobs cancelled.
    pub jobs: Vec<String>,
    /// Networks given back (planned again).
    pub released: usize,
}

impl fmt::Display for CancelReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "cancelled {} array job(s); {} networks planned again (results already published \
             can still be merged with `rnnlab slurm collect` first)",
            self.jobs.len(),
            self.released
        )
    }
}

/// Cancels every array job of the submissions (of one experiment, if given) and plans their
/// networks that no result brought back again.
pub fn cancel(
    db: &Path,
    experiment: Option<&str>,
    cluster: &Cluster,
) -> Result<CancelReport, LabError> {
    let notebook = crate::lab::notebook::open_sound(db)?;
    let mut jobs = BTreeSet::new();
    let mut released = 0;
    let submissions = notebook.submissions(experiment)?;
    for s in &submissions {
        for t in notebook.slurm_tasks(s.id)? {
            jobs.insert(t.job_id);
        }
    }
    let jobs: Vec<String> = jobs.into_iter().collect();
    cluster.scancel(&jobs)?;
    for s in &submissions {
        released += notebook.held_ids(&s.worker)?.len();
        notebook.retire_worker(&s.worker)?;
    }
    Ok(CancelReport { jobs, released })
}
