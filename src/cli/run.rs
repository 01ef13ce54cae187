//! `rnnlab run EXPERIMENT.toml`: plan the experiment into the notebook and train and analyse
//! every planned network, here or detached in the background.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::progress::{Bars, Lines};
use super::{failed_if, print_report, stop_on_signals, Jobs, Json, Outcome};
use crate::experiment::builtin;
use crate::lab::{self, LabError};

#[derive(Args)]
pub(super) struct RunArgs {
    #[command(flatten)]
    notebook: super::NotebookPath,
    /// The experiment: a TOML file, or the name of a built-in one (`rnnlab experiments`).
    experiment: PathBuf,
    #[command(flatten)]
    jobs: Jobs,
    /// Run in the background (own session, log beside the notebook); print pid and log path.
    #[arg(long)]
    detach: bool,
    #[command(flatten)]
    json: Json,
}

/// Where a detached run went.
#[derive(serde::Serialize)]
struct Detached {
    pid: u32,
    log: PathBuf,
}

impl std::fmt::Display for Detached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "started rnnlab run in the background: pid {}, log {}",
            self.pid,
            self.log.display()
        )
    }
}

pub(super) fn exec(args: RunArgs) -> Outcome {
    let db: &Path = &args.notebook.db;
    // Checked before anything is written or started.
    let experiment = builtin::resolve(&args.experiment)?;
    let jobs = args.jobs.get();
    if args.detach {
        // Open once here so a bad notebook is reported now, not in the log.
        drop(crate::store::Notebook::open(db)?);
        let exe = std::env::current_exe().map_err(|source| LabError::Io {
            path: PathBuf::from("rnnlab"),
            source,
        })?;
        let (pid, log) = lab::detach::run_detached(&exe, &args.experiment, db, Some(jobs))?;
        print_report(&Detached { pid, log }, args.json);
        return Ok(ExitCode::SUCCESS);
    }
    let stop = stop_on_signals();
    let summary = if std::io::stderr().is_terminal() {
        lab::sweep::run_sweep(&experiment, db, jobs, stop, &Bars::new(jobs))?
    } else {
        lab::sweep::run_sweep(&experiment, db, jobs, stop, &Lines::default())?
    };
    print_report(&summary, args.json);
    if !args.json.json && !summary.stopped {
        // The next steps, on stderr so stdout stays the report.
        let db_flag = if db == Path::new("rnnlab.db") {
            String::new()
        } else {
            format!(" --db {}", db.display())
        };
        eprintln!(
            "next: `rnnlab{db_flag}` opens the notebook; `rnnlab report{db_flag} --experiment {}` \
             writes its figures and the study's checks",
            summary.experiment
        );
    }
    Ok(failed_if(
        summary.stopped || summary.diverged + summary.failed > 0,
    ))
}
