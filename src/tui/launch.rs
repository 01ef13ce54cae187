//! Starting and stopping sweeps from the notebook: a launched sweep is `rnnlab run FILE
//! --detach` on the same notebook, so it outlives the TUI and the SSH session; stopping sends
//! SIGTERM to the workers holding the experiment's networks on this host.

use std::path::{Path, PathBuf};

use crate::lab::{detach, LabError};
use crate::store::Notebook;

/// Experiment files offered for launch: `experiments/*.toml` and `*.toml` here, sorted.
pub fn experiment_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for d in [dir.join("experiments"), dir.to_path_buf()] {
        if let Ok(entries) = std::fs::read_dir(&d) {
            for e in entries.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "toml") && p.is_file() {
                    files.push(p.strip_prefix(dir).map(Path::to_path_buf).unwrap_or(p));
                }
            }
        }
    }
    files.sort();
    files
}

/// Starts `rnnlab run FILE --db DB` detached with the rnnlab binary `exe` (the file is checked
/// first, so a bad one is an error here, not in a log). Returns a message for the status line.
pub fn launch(exe: &Path, file: &Path, db: &Path) -> Result<String, LabError> {
    crate::lab::experiment::Experiment::load(file)?;
    let (pid, log) = detach::run_detached(exe, file, db, None)?;
    Ok(format!(
        "started {} in the background: pid {pid}, log {}",
        file.display(),
        log.display()
    ))
}

/// Sends SIGTERM to every worker process on this host holding a network of `experiment`.
/// Returns a message for the status line.
pub fn stop(db: &Path, experiment: &str) -> Result<String, LabError> {
    let notebook = Notebook::open(db)?;
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
        return Ok(format!("no worker on this host is running '{experiment}'"));
    }
    for &pid in &pids {
        // SAFETY: kill only sends a signal; the pid comes from a live worker's registration.
        unsafe {
            libc::kill(pid as libc::pid_t, libc::SIGTERM);
        }
    }
    tracing::info!(experiment, ?pids, "stop: SIGTERM sent");
    Ok(format!(
        "sent SIGTERM to {} worker process(es) of '{experiment}'",
        pids.len()
    ))
}
