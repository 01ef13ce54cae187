//! `rnnlab slurm submit` and `resubmit`: plan, give the networks to a submission, pack them into
//! array tasks, write the manifest and the batch script, and submit with `sbatch --array`.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::status::live_states;
use crate::experiment::Experiment;
use crate::files::write_atomically;
use crate::lab::LabError;
use crate::slurm::Cluster;
use crate::slurm::{Manifest, ManifestNetwork};
use crate::store::{NetworkRow, Notebook, SlurmSubmission, SlurmTask};

/// How to ask Slurm for resources.
#[derive(Clone, Debug, Default)]
pub struct SubmitOptions {
    /// Networks per array task (default: enough to fill `time` by the estimate, else 4).
    pub per_task: Option<usize>,
    /// At most this many tasks at once (`%P`).
    pub max_parallel: Option<usize>,
    /// `--partition`.
    pub partition: Option<String>,
    /// `--time`, as Slurm writes it (`MM`, `HH:MM:SS`, `D-HH:MM`).
    pub time: Option<String>,
    /// `--cpus-per-task` (threads per task, one network each).
    pub cpus_per_task: usize,
    /// `--mem`.
    pub mem: Option<String>,
    /// `--account`.
    pub account: Option<String>,
    /// `--qos`.
    pub qos: Option<String>,
    /// Further `sbatch` arguments, as given.
    pub sbatch_args: Vec<String>,
    /// Print the script and the packing, submit nothing.
    pub dry_run: bool,
    /// Seconds before the time limit at which Slurm asks a task to stop (it then publishes
    /// what it finished): `--signal=B:TERM@S`.
    pub stop_before: u32,
}

/// One array job: its id, and the first and last task of the manifest it runs.
pub type Array = (String, usize, usize);

/// What `submit` did (or would do).
#[derive(Clone, Debug, Serialize)]
pub struct SubmitReport {
    /// The experiment.
    pub experiment: String,
    /// The submission's id (none on a dry run or with nothing to do).
    pub submission: Option<i64>,
    /// The sweep folder.
    pub folder: PathBuf,
    /// Networks submitted.
    pub networks: usize,
    /// Networks per task.
    pub per_task: usize,
    /// Array tasks.
    pub tasks: usize,
    /// Array jobs submitted: (job id, first task, last task) — several above MaxArraySize.
    pub arrays: Vec<Array>,
    /// The batch script.
    pub script: String,
    /// Nothing was submitted.
    pub dry_run: bool,
}

impl fmt::Display for SubmitReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.networks == 0 {
            return writeln!(f, "{}: no planned network to submit", self.experiment);
        }
        if self.dry_run {
            writeln!(
                f,
                "# dry run: nothing planned or submitted; the batch script:"
            )?;
            write!(f, "{}", self.script)?;
        }
        writeln!(
            f,
            "{}: {} networks in {} array tasks of {} ({})",
            self.experiment,
            self.networks,
            self.tasks,
            self.per_task,
            self.folder.display()
        )?;
        for (job, first, last) in &self.arrays {
            writeln!(f, "  array job {job}: tasks {first}-{last}")?;
        }
        if !self.dry_run {
            writeln!(
                f,
                "watch it with `rnnlab slurm status`, merge results with `rnnlab slurm collect`"
            )?;
        }
        Ok(())
    }
}

/// Seconds of a Slurm time limit (`MM`, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM`, `D-HH:MM:SS`).
pub fn slurm_seconds(time: &str) -> Option<f64> {
    let (days, rest) = match time.split_once('-') {
        Some((d, r)) => (d.parse::<f64>().ok()?, r),
        None => (0.0, time),
    };
    let parts: Vec<f64> = rest
        .split(':')
        .map(|p| p.parse::<f64>().ok())
        .collect::<Option<_>>()?;
    let with_days = time.contains('-');
    let s = match (with_days, parts.as_slice()) {
        (false, [m]) => m * 60.0,
        (false, [m, s]) => m * 60.0 + s,
        (_, [h, m, s]) => h * 3600.0 + m * 60.0 + s,
        (true, [h]) => h * 3600.0,
        (true, [h, m]) => h * 3600.0 + m * 60.0,
        _ => return None,
    };
    Some(days * 86400.0 + s)
}

/// The sweep folder of a notebook: `NOTEBOOK.slurm/` beside it, as an absolute path (the
/// tasks run in other folders, on other nodes).
fn sweeps_beside(db: &Path) -> PathBuf {
    let db = std::path::absolute(db).unwrap_or_else(|_| db.to_path_buf());
    let name = db
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "rnnlab.db".into());
    db.with_file_name(format!("{name}.slurm"))
}

/// The batch script: resources, the signal that ends a task cleanly two minutes before its time
/// limit, and `exec rnnlab worker` (so the signal reaches rnnlab).
fn script(exe: &Path, manifest: &Path, folder: &Path, name: &str, opts: &SubmitOptions) -> String {
    let mut s = String::from("#!/bin/bash\n");
    s += &format!("#SBATCH --job-name=rnnlab-{name}\n");
    s += &format!("#SBATCH --output={}/logs/%A_%a.out\n", folder.display());
    s += &format!("#SBATCH --cpus-per-task={}\n", opts.cpus_per_task.max(1));
    s += &format!("#SBATCH --signal=B:TERM@{}\n", opts.stop_before);
    for (flag, value) in [
        ("partition", &opts.partition),
        ("time", &opts.time),
        ("mem", &opts.mem),
        ("account", &opts.account),
        ("qos", &opts.qos),
    ] {
        if let Some(v) = value {
            s += &format!("#SBATCH --{flag}={v}\n");
        }
    }
    s += "# The array index plus the offset of this array ($1) is the task in the manifest.\n";
    s += &format!(
        "exec {} worker --manifest {} --task $(( SLURM_ARRAY_TASK_ID + ${{1:-0}} )) --jobs {}\n",
        exe.display(),
        manifest.display(),
        opts.cpus_per_task.max(1)
    );
    s
}

/// Packs `networks` into tasks of `per_task`.
fn pack(networks: &[NetworkRow], per_task: usize) -> Vec<Vec<ManifestNetwork>> {
    networks
        .chunks(per_task.max(1))
        .map(|c| c.iter().map(ManifestNetwork::of).collect())
        .collect()
}

/// Networks per task: as asked; else enough to fill 80 % of `--time` by this machine's
/// estimate of the slowest network; else 4.
fn per_task(experiment: &Experiment, opts: &SubmitOptions) -> Result<usize, LabError> {
    if let Some(k) = opts.per_task {
        return Ok(k.max(1));
    }
    let Some(limit) = opts.time.as_deref().and_then(slurm_seconds) else {
        return Ok(4);
    };
    let slowest = crate::lab::estimate::estimate(experiment, 1)?
        .configurations
        .iter()
        .map(|c| c.seconds_per_network)
        .fold(0.0, f64::max);
    Ok(((0.8 * limit / slowest.max(1e-3)) as usize).max(1))
}

/// Submits `tasks` (already held by `submission`) as one manifest and as many arrays as
/// MaxArraySize requires; records the tasks in the notebook.
fn send(
    notebook: &Notebook,
    cluster: &Cluster,
    submission: &SlurmSubmission,
    experiment: &Experiment,
    tasks: Vec<Vec<ManifestNetwork>>,
    opts: &SubmitOptions,
) -> Result<(Vec<Array>, String), LabError> {
    let folder = PathBuf::from(&submission.folder);
    let round = notebook
        .slurm_tasks(submission.id)?
        .iter()
        .map(|t| t.manifest.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .len()
        + 1;
    let name = format!("manifest-{round}");
    let manifest = Manifest {
        notebook: notebook.identity()?,
        submission: submission.id,
        name: name.clone(),
        experiment_text: experiment.text.clone(),
        folder: folder.clone(),
        tasks,
    };
    let manifest_path = folder.join(format!("{name}.json"));
    manifest.write(&manifest_path)?;
    let exe = std::env::current_exe().map_err(|source| LabError::Io {
        path: PathBuf::from("rnnlab"),
        source,
    })?;
    let text = script(&exe, &manifest_path, &folder, &experiment.name, opts);
    let script_path = folder.join(format!("{name}.sh"));
    write_atomically(&script_path, text.as_bytes())?;
    let max = cluster.max_array_size().max(1);
    let mut arrays = Vec::new();
    let mut records = Vec::new();
    let count = manifest.tasks.len();
    let mut first = 0;
    while first < count {
        let last = (first + max - 1).min(count - 1);
        let mut args = vec![format!("--array=0-{}", last - first)];
        if let Some(p) = opts.max_parallel {
            args[0] += &format!("%{p}");
        }
        args.extend(opts.sbatch_args.iter().cloned());
        // The offset of this array's first task, read by the script as $1.
        let job = cluster.sbatch_with_arg(&args, &script_path, &first.to_string())?;
        for slot in first..=last {
            records.push(SlurmTask {
                submission: submission.id,
                job_id: job.clone(),
                task: (slot - first) as i64,
                slot: slot as i64,
                manifest: manifest_path.to_string_lossy().into_owned(),
                networks: manifest.tasks[slot].iter().map(|n| n.id).collect(),
            });
        }
        arrays.push((job, first, last));
        first = last + 1;
    }
    notebook.add_slurm_tasks(&records)?;
    Ok((arrays, text))
}

/// Plans `experiment` into the notebook at `db` and submits its planned networks to Slurm.
pub fn submit(
    experiment: &Experiment,
    db: &Path,
    opts: &SubmitOptions,
    cluster: &Cluster,
) -> Result<SubmitReport, LabError> {
    experiment.trainable()?;
    let per_task = per_task(experiment, opts)?;
    let sweeps = sweeps_beside(db);
    if opts.dry_run {
        let planned = crate::lab::notebook::open_existing(db)
            .ok()
            .and_then(|nb| {
                let id = nb.experiment(&experiment.name).ok()?.id;
                nb.in_flight_here(id).ok()
            })
            .map_or(experiment.networks().len(), |n| n as usize);
        let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("rnnlab"));
        let folder = crate::files::names::inside(&sweeps, &format!("{}-N", experiment.name))?;
        let manifest = folder.join("manifest-1.json");
        return Ok(SubmitReport {
            experiment: experiment.name.clone(),
            submission: None,
            folder: folder.clone(),
            networks: planned,
            per_task,
            tasks: planned.div_ceil(per_task),
            arrays: Vec::new(),
            script: script(&exe, &manifest, &folder, &experiment.name, opts),
            dry_run: true,
        });
    }
    let notebook = crate::lab::notebook::open_sound(db)?;
    let experiment_id = experiment.ensure_in(&notebook)?;
    notebook.plan(experiment_id, &experiment.networks())?;
    // With [search], a first submission runs the search runs; once they are collected, the
    // next one runs the population at each configuration's best setting.
    crate::lab::sweep::promote_searches(experiment, &notebook, experiment_id)?;
    notebook.requeue_orphans()?;
    let empty = SubmitReport {
        experiment: experiment.name.clone(),
        submission: None,
        folder: sweeps.clone(),
        networks: 0,
        per_task,
        tasks: 0,
        arrays: Vec::new(),
        script: String::new(),
        dry_run: false,
    };
    if notebook.in_flight_here(experiment_id)? == 0 {
        return Ok(empty);
    }
    // The folder is named for the submission, so it is made after the id is known.
    let (id, worker) = notebook.add_submission(experiment_id, "")?;
    let folder = crate::files::names::inside(&sweeps, &format!("{}-{id}", experiment.name))?;
    for sub in ["results", "logs"] {
        std::fs::create_dir_all(folder.join(sub)).map_err(|source| LabError::Io {
            path: folder.join(sub),
            source,
        })?;
    }
    notebook.set_submission_folder(id, &folder.to_string_lossy())?;
    let networks = notebook.claim_many(experiment_id, &worker, usize::MAX)?;
    let submission = SlurmSubmission {
        id,
        experiment: experiment.name.clone(),
        folder: folder.to_string_lossy().into_owned(),
        worker: worker.clone(),
        submitted: crate::store::now(),
    };
    let tasks = pack(&networks, per_task);
    let count = tasks.len();
    match send(&notebook, cluster, &submission, experiment, tasks, opts) {
        Ok((arrays, script)) => Ok(SubmitReport {
            submission: Some(id),
            folder,
            networks: networks.len(),
            tasks: count,
            arrays,
            script,
            ..empty
        }),
        Err(e) => {
            // Nothing runs them: give the networks back.
            notebook.retire_worker(&worker)?;
            Err(e)
        }
    }
}

/// Submits again the networks of `experiment`'s submissions that no live task holds (their
/// task failed, was cancelled, timed out, or vanished) and that no result has brought back:
/// run `collect` first. Returns one report per submission with something to resubmit.
pub fn resubmit(
    db: &Path,
    experiment: Option<&str>,
    opts: &SubmitOptions,
    cluster: &Cluster,
) -> Result<Vec<SubmitReport>, LabError> {
    let notebook = crate::lab::notebook::open_sound(db)?;
    let mut reports = Vec::new();
    for submission in notebook.submissions(experiment)? {
        let held = notebook.held_by(&submission.worker)?;
        if held.is_empty() {
            continue;
        }
        let tasks = notebook.slurm_tasks(submission.id)?;
        let jobs: Vec<String> = tasks
            .iter()
            .map(|t| t.job_id.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let live = live_states(&cluster.squeue(&jobs)?);
        let running: std::collections::HashSet<i64> = tasks
            .iter()
            .filter(|t| live.contains(&(t.job_id.clone(), t.task)))
            .flat_map(|t| t.networks.iter().copied())
            .collect();
        let orphans: Vec<NetworkRow> = held
            .into_iter()
            .filter(|n| !running.contains(&n.id) && n.state == crate::store::NetState::Training)
            .collect();
        if orphans.is_empty() {
            continue;
        }
        let stored = crate::lab::notebook::stored_experiment(&notebook, &submission.experiment)?;
        let per_task = per_task(&stored, opts)?;
        let packed = pack(&orphans, per_task);
        let count = packed.len();
        let (arrays, script) = send(&notebook, cluster, &submission, &stored, packed, opts)?;
        reports.push(SubmitReport {
            experiment: submission.experiment.clone(),
            submission: Some(submission.id),
            folder: PathBuf::from(&submission.folder),
            networks: orphans.len(),
            per_task,
            tasks: count,
            arrays,
            script,
            dry_run: false,
        });
    }
    Ok(reports)
}
