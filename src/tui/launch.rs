//! Starting and stopping sweeps from the notebook: a launched sweep is `rnnlab run FILE
//! --detach` on the same notebook, so it outlives the TUI and the SSH session; stopping sends
//! SIGTERM to the workers holding the experiment's networks on this host.

use std::path::{Path, PathBuf};

use crate::lab::slurm::{self, SubmitOptions};
use crate::lab::{detach, LabError};
use crate::store::Notebook;
use crate::tui::app::SlurmForm;

/// Experiments offered for launch: the built-in ones by name, then the experiment files of
/// `./experiments` and of `dir` itself (TOML files that parse as experiments), sorted.
pub fn experiment_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for d in [dir.join("experiments"), dir.to_path_buf()] {
        if let Ok(entries) = std::fs::read_dir(&d) {
            for e in entries.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "toml")
                    && p.is_file()
                    && crate::experiment::Experiment::load(&p).is_ok()
                {
                    files.push(p.strip_prefix(dir).map(Path::to_path_buf).unwrap_or(p));
                }
            }
        }
    }
    files.sort();
    crate::experiment::builtin::BUILTIN
        .iter()
        .map(|(name, _)| PathBuf::from(name))
        .chain(files)
        .collect()
}

/// Starts `rnnlab run FILE --db DB` detached with the rnnlab binary `exe` (the file is checked
/// first, so a bad one is an error here, not in a log). Returns a message for the status line.
pub fn launch(exe: &Path, file: &Path, db: &Path) -> Result<String, LabError> {
    crate::experiment::builtin::resolve(file)?;
    let (pid, log) = detach::run_detached(exe, file, db, None)?;
    Ok(format!(
        "started {} in the background: pid {pid}, log {}",
        file.display(),
        log.display()
    ))
}

/// `rnnlab slurm submit FILE` with the dialog's options. Returns a message for the status
/// line.
pub fn submit_to_slurm(file: &Path, db: &Path, form: &SlurmForm) -> Result<String, LabError> {
    let experiment = crate::experiment::builtin::resolve(file)?;
    let text = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    let per_task = match text(&form.per_task) {
        Some(k) => Some(k.parse::<usize>().ok().filter(|k| *k > 0).ok_or_else(|| {
            LabError::Invalid(format!("networks per task: '{k}' is not a count"))
        })?),
        None => None,
    };
    if let Some(t) = text(&form.time) {
        if slurm::slurm_time_seconds(&t).is_none() {
            return Err(LabError::Invalid(format!(
                "time: '{t}' is not a Slurm time"
            )));
        }
    }
    let options = SubmitOptions {
        per_task,
        partition: text(&form.partition),
        time: text(&form.time),
        cpus_per_task: 1,
        stop_before: 120,
        ..SubmitOptions::default()
    };
    let report = slurm::submit(&experiment, db, &options, &slurm::Cluster::default())?;
    Ok(match report.arrays.first() {
        Some((job, _, _)) => format!(
            "submitted {} networks of '{}' to Slurm as {} tasks (array job {job})",
            report.networks, report.experiment, report.tasks
        ),
        None => format!("'{}': no planned network to submit", report.experiment),
    })
}

/// Sends SIGTERM to every worker process on this host holding a network of `experiment`, and
/// cancels its Slurm arrays if it has any. Returns a message for the status line.
pub fn stop(db: &Path, experiment: &str) -> Result<String, LabError> {
    let notebook = Notebook::open(db)?;
    let mut said = Vec::new();
    if !notebook.submissions(Some(experiment))?.is_empty() {
        let cancelled = slurm::cancel(db, Some(experiment), &slurm::Cluster::default())?;
        said.push(format!(
            "cancelled {} Slurm array job(s), {} networks planned again",
            cancelled.jobs.len(),
            cancelled.released
        ));
    }
    let holders: Vec<String> = notebook
        .held_networks()?
        .into_iter()
        .filter(|h| h.2 == experiment)
        .map(|h| h.0)
        .collect();
    let host = crate::store::this_host();
    let mut pids: Vec<i64> = notebook
        .workers()?
        .into_iter()
        .filter(|w| holders.contains(&w.id) && w.host == host)
        .map(|w| w.pid)
        .collect();
    pids.sort_unstable();
    pids.dedup();
    if pids.is_empty() {
        said.push(format!("no worker on this host is running '{experiment}'"));
        return Ok(said.join("; "));
    }
    for &pid in &pids {
        // SAFETY: kill only sends a signal; the pid comes from a live worker's registration.
        unsafe {
            libc::kill(pid as libc::pid_t, libc::SIGTERM);
        }
    }
    tracing::info!(experiment, ?pids, "stop: SIGTERM sent");
    said.push(format!(
        "sent SIGTERM to {} worker process(es) of '{experiment}'",
        pids.len()
    ));
    Ok(said.join("; "))
}
