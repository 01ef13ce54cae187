//! `rnnlab status` and the table `rnnlab ls` prints.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::lab::MISSING;
use crate::store::{now, NetworkRow, StatusRow, WorkerRow};
use crate::LabError;

/// One experiment's progress.
#[derive(Clone, Debug, Serialize)]
pub struct ExperimentStatus {
    /// Counts and per-architecture progress.
    #[serde(flatten)]
    pub row: StatusRow,
    /// Seconds until planned and training networks are done at that rate (None if idle).
    pub eta_seconds: Option<f64>,
}

/// The whole notebook's progress.
#[derive(Clone, Debug, Serialize)]
pub struct StatusReport {
    /// The notebook file.
    pub notebook: PathBuf,
    /// Per experiment.
    pub experiments: Vec<ExperimentStatus>,
    /// Live workers.
    pub workers: Vec<WorkerRow>,
}

/// Reads the notebook's progress.
pub fn status(db: &Path) -> Result<StatusReport, LabError> {
    let notebook = super::notebook::open_existing(db)?;
    let workers = notebook.live_workers()?;
    let held = notebook.held_networks()?;
    let experiments = notebook
        .status()?
        .into_iter()
        .map(|row| {
            let per_hour = row.per_hour;
            let left: i64 = row
                .states
                .iter()
                .filter(|(s, _)| s.is_open())
                .map(|(_, c)| c)
                .sum();
            // An ETA only while a live worker holds one of its networks.
            let worked_on = held
                .iter()
                .any(|h| h.2 == row.experiment && workers.iter().any(|w| w.id == h.0));
            let eta_seconds =
                (per_hour > 0.0 && left > 0 && worked_on).then(|| left as f64 / per_hour * 3600.0);
            ExperimentStatus { row, eta_seconds }
        })
        .collect();
    Ok(StatusReport {
        notebook: db.to_path_buf(),
        experiments,
        workers,
    })
}

fn duration(seconds: f64) -> String {
    let s = seconds.round() as u64;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

impl fmt::Display for StatusReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "notebook {}", self.notebook.display())?;
        if self.experiments.is_empty() {
            writeln!(f, "no experiments yet")?;
        }
        for e in &self.experiments {
            let states: Vec<String> = e
                .row
                .states
                .iter()
                .filter(|(_, c)| *c > 0)
                .map(|(s, c)| format!("{c} {s}"))
                .collect();
            writeln!(
                f,
                "\n{} ({}): {}",
                e.row.experiment,
                e.row.task,
                states.join(", ")
            )?;
            for (arch, done, total) in &e.row.archs {
                writeln!(f, "  {arch:<10} {done:>6} / {total:<6} done")?;
            }
            if let Some(mean) = e.row.mean_train_seconds {
                write!(f, "  mean training time {}", duration(mean))?;
            }
            if e.row.per_hour > 0.0 {
                write!(f, ", {:.0} networks/hour", e.row.per_hour)?;
            }
            if let Some(eta) = e.eta_seconds {
                write!(f, ", ETA {}", duration(eta))?;
            }
            writeln!(f)?;
        }
        writeln!(f, "\n{} live worker(s)", self.workers.len())?;
        for w in &self.workers {
            writeln!(
                f,
                "  {} (pid {} on {}), last heartbeat {} ago",
                w.id,
                w.pid,
                w.host,
                duration((now() - w.heartbeat).max(0.0))
            )?;
        }
        Ok(())
    }
}

/// The readable table of `rnnlab ls`. Networks of the experiments in `lines` (integration:
/// continuous attractors) show whether their lines are line attractors (✓ in both contexts)
/// instead of a count of the points merged along them.
pub fn network_table(rows: &[NetworkRow], lines: &std::collections::HashSet<String>) -> String {
    let num = |v: Option<f64>, p: usize| v.map_or(MISSING.to_string(), |v| format!("{v:.p$e}"));
    // Framework cells (gru-torch) and imported networks' seeds (a weights fingerprint) are
    // wider than the study's.
    let aw = rows
        .iter()
        .map(|r| r.arch.name().len())
        .max()
        .unwrap_or(0)
        .max(8);
    let sw = rows
        .iter()
        .map(|r| r.seed.to_string().len())
        .max()
        .unwrap_or(0)
        .max(5);
    let mut out = format!(
        "{:>6} {:<14} {:<aw$} {:<5} {:>5} {:>7} {:>sw$} {:<6} {:<9} {:>6} {:>9} {:>8} {:>7} {:>9}\n",
        "id",
        "experiment",
        "arch",
        "f",
        "N",
        "l2",
        "seed",
        "role",
        "state",
        "steps",
        "loss",
        "score",
        "secs",
        "points"
    );
    for r in rows {
        let exp: String = r.experiment.chars().take(14).collect();
        out += &format!(
            "{:>6} {:<14} {:<aw$} {:<5} {:>5} {:>7.0e} {:>sw$} {:<6} {:<9} {:>6} {:>9} {:>8} {:>7} {:>9}\n",
            r.id,
            exp,
            r.arch,
            r.activation,
            r.units,
            r.l2,
            r.seed,
            r.role,
            r.state.name(),
            r.steps_run.map_or(MISSING.into(), |s| s.to_string()),
            num(r.final_loss, 2),
            r.score.map_or(MISSING.into(), |s| format!("{s:.4}")),
            r.train_seconds.map_or(MISSING.into(), |s| format!("{s:.1}")),
            match (r.fixed_points, r.stable_points, r.ideal_scaffold) {
                (Some(_), _, Some(ideal)) if lines.contains(&r.experiment) => {
                    format!("lines {}", if ideal { "✓" } else { "✗" })
                }
                (Some(all), Some(stable), _) => format!("{all}/{stable}"),
                _ => MISSING.into(),
            },
        );
    }
    out
}
