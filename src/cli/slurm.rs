//! `rnnlab slurm ...`: sweeps on a Slurm cluster (submit, status, collect, resubmit, cancel).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::{print_report, Json, Outcome};
use crate::lab::slurm::{self, Cluster, SubmitOptions};
use crate::lab::{self, LabError};

#[derive(Subcommand)]
pub(super) enum SlurmCommand {
    /// Plan an experiment and submit its planned networks as Slurm job arrays.
    Submit(SubmitArgs),
    /// Each array task's Slurm state and progress.
    Status(ExperimentArgs),
    /// Merge the results the tasks published into the notebook (each network once).
    Collect(CollectArgs),
    /// Submit again the networks of failed, cancelled or timed-out tasks.
    Resubmit(ResubmitArgs),
    /// Cancel the experiment's arrays and plan their unfinished networks again.
    Cancel(ExperimentArgs),
}

/// Resources asked of Slurm.
#[derive(Args, Clone)]
pub(super) struct Resources {
    /// Networks per array task [default: enough to fill --time by `rnnlab estimate`, else 4].
    #[arg(long, value_parser = super::at_least_one)]
    per_task: Option<usize>,
    /// At most this many tasks at once (sbatch --array=...%P).
    #[arg(long, value_parser = super::at_least_one)]
    max_parallel: Option<usize>,
    /// sbatch --partition.
    #[arg(long)]
    partition: Option<String>,
    /// sbatch --time (MM, HH:MM:SS, D-HH:MM).
    #[arg(long)]
    time: Option<String>,
    /// sbatch --cpus-per-task: worker threads per task, one network each.
    #[arg(long, default_value_t = 1, value_parser = super::at_least_one)]
    cpus_per_task: usize,
    /// sbatch --mem.
    #[arg(long)]
    mem: Option<String>,
    /// sbatch --account.
    #[arg(long)]
    account: Option<String>,
    /// sbatch --qos.
    #[arg(long)]
    qos: Option<String>,
    /// Seconds before the time limit at which a task is asked to stop and publish what it
    /// finished (sbatch --signal=B:TERM@S).
    #[arg(long, default_value_t = 120)]
    stop_before: u32,
    /// Any further sbatch argument (repeatable), e.g. --sbatch-arg=--constraint=avx2.
    #[arg(long, allow_hyphen_values = true)]
    sbatch_arg: Vec<String>,
}

impl Resources {
    fn options(&self, dry_run: bool) -> Result<SubmitOptions, LabError> {
        if let Some(t) = &self.time {
            if slurm::slurm_time_seconds(t).is_none() {
                return Err(LabError::Invalid(format!(
                    "--time {t}: not a Slurm time (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS)"
                )));
            }
        }
        Ok(SubmitOptions {
            per_task: self.per_task,
            max_parallel: self.max_parallel,
            partition: self.partition.clone(),
            time: self.time.clone(),
            cpus_per_task: self.cpus_per_task,
            mem: self.mem.clone(),
            account: self.account.clone(),
            qos: self.qos.clone(),
            sbatch_args: self.sbatch_arg.clone(),
            dry_run,
            stop_before: self.stop_before,
        })
    }
}

#[derive(Args)]
pub(super) struct SubmitArgs {
    #[command(flatten)]
    notebook: super::NotebookPath,
    /// The experiment: a TOML file, or the name of a built-in one.
    experiment: PathBuf,
    #[command(flatten)]
    resources: Resources,
    /// Print the batch script and the packing; plan and submit nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    json: Json,
}

#[derive(Args)]
pub(super) struct ExperimentArgs {
    #[command(flatten)]
    notebook: super::NotebookPath,
    /// Only this experiment's submissions.
    #[arg(long)]
    experiment: Option<String>,
    #[command(flatten)]
    json: Json,
}

#[derive(Args)]
pub(super) struct CollectArgs {
    #[command(flatten)]
    notebook: super::NotebookPath,
    #[command(flatten)]
    json: Json,
}

#[derive(Args)]
pub(super) struct ResubmitArgs {
    #[command(flatten)]
    notebook: super::NotebookPath,
    /// Only this experiment's submissions.
    #[arg(long)]
    experiment: Option<String>,
    #[command(flatten)]
    resources: Resources,
    #[command(flatten)]
    json: Json,
}

/// Reports of several submissions, one after the other (one JSON array with --json).
#[derive(serde::Serialize)]
#[serde(transparent)]
struct Reports(Vec<slurm::SubmitReport>);

impl std::fmt::Display for Reports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            writeln!(
                f,
                "nothing to resubmit: every held network is in a live task"
            )?;
        }
        for r in &self.0 {
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

pub(super) fn exec(command: SlurmCommand) -> Outcome {
    let cluster = Cluster::default();
    match command {
        SlurmCommand::Submit(args) => {
            let db: &Path = &args.notebook.db;
            let experiment = crate::experiment::builtin::resolve(&args.experiment)?;
            let options = args.resources.options(args.dry_run)?;
            let report = slurm::submit(&experiment, db, &options, &cluster)?;
            print_report(&report, args.json);
        }
        SlurmCommand::Status(args) => {
            let db: &Path = &args.notebook.db;
            let report = slurm::slurm_status(db, args.experiment.as_deref(), &cluster)?;
            print_report(&report, args.json);
        }
        SlurmCommand::Collect(args) => {
            let report = slurm::collect(&args.notebook.db, lab::cores())?;
            print_report(&report, args.json);
            if !report.rejected.is_empty() {
                // Finished, but some files were refused: exit 1 says so to scripts.
                return Ok(ExitCode::from(1));
            }
        }
        SlurmCommand::Resubmit(args) => {
            let db: &Path = &args.notebook.db;
            let options = args.resources.options(false)?;
            let reports = slurm::resubmit(db, args.experiment.as_deref(), &options, &cluster)?;
            print_report(&Reports(reports), args.json);
        }
        SlurmCommand::Cancel(args) => {
            let db: &Path = &args.notebook.db;
            let report = slurm::cancel(db, args.experiment.as_deref(), &cluster)?;
            print_report(&report, args.json);
        }
    }
    Ok(ExitCode::SUCCESS)
}
