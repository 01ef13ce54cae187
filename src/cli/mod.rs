//! The `rnnlab` command line: one file per command (its clap definition and how it calls
//! `lab`), the argument groups commands share, and the conventions every command keeps:
//! a readable report on stdout, or exactly one JSON document with `--json`; progress and logs
//! on stderr; exit code 0 on success, 1 when the command finished but something failed,
//! 2 on bad input or an error (one line naming the fault).

mod analyze;
mod bench;
mod compare;
mod completions;
mod data;
mod estimate;
mod experiments;
mod export;
mod fixed_points;
mod import;
mod ls;
mod progress;
mod report;
mod run;
mod slurm;
mod status;
mod tasks;
mod topology;
mod train;
mod tui;
mod worker;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};

use crate::lab::{self, LabError};

/// A terminal lab notebook for populations of trained recurrent networks.
#[derive(Parser)]
#[command(
    name = "rnnlab",
    version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("RNNLAB_REVISION"), ")"),
    about,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// With no command: the terminal notebook's options.
    #[command(flatten)]
    tui: tui::TuiArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// The terminal notebook (also what `rnnlab` alone opens).
    Tui(tui::TuiArgs),
    /// Train one network and print its summary.
    Train(train::TrainArgs),
    /// Measure the engine's speed.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Plan an experiment file into the notebook and train every planned network.
    Run(run::RunArgs),
    /// Per experiment: networks by state and architecture, live workers, throughput, ETA.
    Status(status::StatusArgs),
    /// List networks, filtered and sorted.
    Ls(ls::LsArgs),
    /// Export networks, curves, fixed points, distances (CSV/JSON) or weights, fixed points,
    /// distances and probe states (NumPy .npz).
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// A network's fixed and slow points at each of its task's constant inputs.
    FixedPoints(fixed_points::FixedPointsArgs),
    /// Find and store the fixed points and scaffolds of trained networks (resumable, parallel).
    Analyze(analyze::AnalyzeArgs),
    /// A network's computational scaffold, or an experiment's by architecture × activation.
    Topology(topology::TopologyArgs),
    /// Enter networks trained with PyTorch or Keras (.npz, .safetensors) and analyse them.
    Import(import::ImportArgs),
    /// Distances between an experiment's networks: table by group, MDS map, separability.
    Compare(compare::CompareArgs),
    /// The study's answer for an experiment: figures (SVG, PNG), numbers (JSON), one HTML page.
    Report(report::ReportArgs),
    /// Sweeps on a Slurm cluster: job arrays, per-task result files, one notebook.
    #[command(subcommand)]
    Slurm(slurm::SlurmCommand),
    /// Core-hours and wall time of a sweep, from this machine's speed.
    Estimate(estimate::EstimateArgs),
    /// The built-in experiments (`rnnlab run NAME` runs one).
    Experiments(experiments::ExperimentsArgs),
    /// Write the built-in experiments to a folder to edit.
    Init(experiments::InitArgs),
    /// Recorded population activity, to place among an experiment's networks.
    #[command(subcommand)]
    Data(data::DataCommand),
    /// Tasks given as arrays: what a task file holds.
    #[command(subcommand)]
    Tasks(tasks::TasksCommand),
    /// Shell completions for bash, zsh, fish, elvish or powershell.
    Completions(completions::CompletionsArgs),
    /// The manual page (roff), e.g. `rnnlab man > rnnlab.1`.
    Man,
    /// One Slurm array task (run by the batch script of `rnnlab slurm submit`).
    #[command(hide = true)]
    Worker(worker::WorkerArgs),
}

/// `--json`: exactly one JSON document on stdout instead of the readable report.
#[derive(Args, Clone, Copy, Debug, Default)]
struct Json {
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
}

/// `--db PATH`: the notebook, on the commands that use one.
#[derive(Args, Clone, Debug)]
struct NotebookPath {
    /// The notebook file.
    #[arg(long, env = "RNNLAB_DB", default_value = "rnnlab.db")]
    db: PathBuf,
}

/// `--jobs N`: worker threads, one network each.
#[derive(Args, Clone, Copy, Debug, Default)]
struct Jobs {
    /// Worker threads, one network each [default: the number of cores].
    #[arg(long, value_parser = at_least_one)]
    jobs: Option<usize>,
}

impl Jobs {
    fn get(self) -> usize {
        self.jobs.unwrap_or_else(lab::cores)
    }
}

/// Which networks a command is about: an experiment, a network, or (neither) all.
#[derive(Args, Clone, Debug, Default)]
struct Selection {
    /// Only this experiment.
    #[arg(long)]
    experiment: Option<String>,
    /// Only this network.
    #[arg(long)]
    network: Option<i64>,
}

impl Selection {
    /// The notebook query for these networks.
    fn query(&self) -> crate::store::ListQuery {
        crate::store::ListQuery {
            experiment: self.experiment.clone(),
            filter: self.network.map(|id| format!("id = {id}")),
            ..crate::store::ListQuery::default()
        }
    }
}

/// A count that must be at least 1.
fn at_least_one(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

/// Prints a report readably, or as exactly one JSON document with `--json`.
fn print_report<R: std::fmt::Display + serde::Serialize>(report: &R, json: Json) {
    if json.json {
        println!(
            "{}",
            serde_json::to_string(report).expect("reports serialise")
        );
    } else {
        print!("{report}");
    }
}

/// A flag set by SIGINT or SIGTERM (a second signal ends the process at once).
fn stop_on_signals() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let _ = signal_hook::flag::register_conditional_shutdown(signal, 1, Arc::clone(&stop));
        let _ = signal_hook::flag::register(signal, Arc::clone(&stop));
    }
    stop
}

/// A clap error on one line with its tips ("possible values", "a similar argument exists"),
/// without the usage and the pointer to --help.
fn one_line(error: &str) -> String {
    let parts: Vec<&str> = error
        .lines()
        .map(str::trim)
        .filter(|l| {
            !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more information")
        })
        .collect();
    if parts.is_empty() {
        "error: invalid arguments".into()
    } else {
        parts.join(" ")
    }
}

/// Exit code 1 when a command finished but something failed, else 0.
fn failed_if(failed: bool) -> ExitCode {
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The command-line definition, with the help that is made from the code's own lists: the
/// network columns `ls` filters and sorts by (the notebook's one list of them).
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    let columns: Vec<&str> = crate::store::FILTER_COLUMNS
        .iter()
        .map(|(n, _)| *n)
        .collect();
    let ls_help = format!(
        "Columns (for --where and --sort): {}.\n\n\
         A filter is comparisons (= != < <= > >= like, is [not] null) joined by and, or, not and \
         parentheses (nested at most 64 deep), with numbers, quoted or bare words as values; \
         words match in any case. Example: --where \"(arch = gru or arch = lstm) and \
         final_loss < 1e-3 and not activation = relu\"",
        columns.join(" ")
    );
    Cli::command().mut_subcommand("ls", |c| c.after_long_help(ls_help))
}

/// Parses the command line and runs the command; the process's exit code.
pub fn main() -> ExitCode {
    let cli = match command()
        .try_get_matches()
        .and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version.
            print!("{e}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("{}", one_line(&e.render().to_string()));
            return ExitCode::from(2);
        }
    };
    let outcome = match cli.command {
        None => tui::exec(cli.tui),
        Some(Command::Tui(args)) => tui::exec(args),
        Some(Command::Train(args)) => train::exec(args),
        Some(Command::Bench(command)) => bench::exec(command),
        Some(Command::Run(args)) => run::exec(args),
        Some(Command::Status(args)) => status::exec(args),
        Some(Command::Ls(args)) => ls::exec(args),
        Some(Command::Export(command)) => export::exec(command),
        Some(Command::FixedPoints(args)) => fixed_points::exec(args),
        Some(Command::Analyze(args)) => analyze::exec(args),
        Some(Command::Topology(args)) => topology::exec(args),
        Some(Command::Compare(args)) => compare::exec(args),
        Some(Command::Import(args)) => import::exec(args),
        Some(Command::Report(args)) => report::exec(args),
        Some(Command::Slurm(command)) => slurm::exec(command),
        Some(Command::Estimate(args)) => estimate::exec(args),
        Some(Command::Worker(args)) => worker::exec(args),
        Some(Command::Experiments(args)) => experiments::list(args),
        Some(Command::Init(args)) => experiments::init(args),
        Some(Command::Tasks(command)) => tasks::exec(command),
        Some(Command::Data(command)) => data::exec(command),
        Some(Command::Completions(args)) => completions::completions(args),
        Some(Command::Man) => completions::man(),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

/// What every command returns: its exit code, or the error that ends it with code 2.
type Outcome = Result<ExitCode, LabError>;

/// A positive, finite number (clap's parser for limits such as `--max-loss`).
fn positive_number(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() => Ok(v),
        _ => Err(format!("'{s}' is not a positive number")),
    }
}
