//! The `rnnlab` command line: parse, dispatch, print, exit codes (0 ok, 1 finished with
//! failures, 2 bad input or error). The work itself lives in the library.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use rnnlab::lab::experiment::Experiment;
use rnnlab::lab::progress::{Bars, Lines};
use rnnlab::lab::{self, BenchRequest, BenchRow, LabError, TrainRequest};
use rnnlab::net::{Activation, Arch};
use rnnlab::store::ListQuery;
use rnnlab::task::Task;
use rnnlab::train::{OptimizerKind, TrainConfig};

/// A terminal lab notebook for populations of trained recurrent networks.
#[derive(Parser)]
#[command(name = "rnnlab", version, about)]
struct Cli {
    /// The notebook file.
    #[arg(long, global = true, env = "RNNLAB_DB", default_value = "rnnlab.db")]
    db: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// The terminal notebook (also what `rnnlab` alone opens).
    Tui(TuiArgs),
    /// Train one network and print its summary.
    Train(TrainArgs),
    /// Measure the engine's speed.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Plan an experiment file into the notebook and train every planned network.
    Run(RunArgs),
    /// Per experiment: networks by state and architecture, live workers, throughput, ETA.
    Status(StatusArgs),
    /// List networks, filtered and sorted.
    Ls(LsArgs),
    /// Export networks, curves (CSV/JSON) or weights (NumPy .npz).
    Export(ExportArgs),
    /// A network's fixed and slow points at each of its task's constant inputs.
    FixedPoints(FixedPointsArgs),
    /// Find and store the fixed points and scaffolds of trained networks (resumable, parallel).
    Analyze(AnalyzeArgs),
    /// A network's computational scaffold, or an experiment's by architecture × activation.
    Topology(TopologyArgs),
    /// Distances between an experiment's networks: table by group, MDS map, separability.
    Compare(CompareArgs),
}

#[derive(Args, Default)]
struct TuiArgs {
    /// Colour theme: default, dark, light, colorblind, or one of yours (README: themes).
    #[arg(long, env = "RNNLAB_THEME")]
    theme: Option<String>,
    /// Leave the mouse to the terminal (no wheel scrolling).
    #[arg(long)]
    no_mouse: bool,
}

#[derive(Args)]
struct CompareArgs {
    /// The experiment [default: the notebook's only one].
    #[arg(long)]
    experiment: Option<String>,
    /// svcca, cca-angular, procrustes or topology.
    #[arg(long, default_value = "svcca")]
    metric: lab::compare::CompareMetric,
    /// Keep the principal components explaining this share of the variance.
    #[arg(long, default_value_t = 0.95)]
    variance: f64,
    /// Keep exactly this many components instead.
    #[arg(long)]
    components: Option<usize>,
    /// LSTM: compare [c; h] instead of h.
    #[arg(long)]
    lstm_cell_state: bool,
    /// Threads [default: the number of cores].
    #[arg(long)]
    threads: Option<usize>,
    /// Print one JSON document on stdout.
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// Print the MDS map as CSV (network,arch,activation,x,y).
    #[arg(long)]
    csv: bool,
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["network", "experiment"])))]
struct TopologyArgs {
    /// One network's scaffold (flip-flop: the graph as an adjacency list).
    #[arg(long)]
    network: Option<i64>,
    /// Per architecture × activation: share with the ideal scaffold, distance statistics.
    #[arg(long)]
    experiment: Option<String>,
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct FixedPointsArgs {
    /// The network's id (see `rnnlab ls`).
    #[arg(long)]
    network: i64,
    /// Also each point's right and left eigenvectors and input Jacobian ∂F/∂x (with --json).
    #[arg(long)]
    modes: bool,
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct AnalyzeArgs {
    /// Only this experiment.
    #[arg(long)]
    experiment: Option<String>,
    /// Only this network.
    #[arg(long)]
    network: Option<i64>,
    /// Analyse again networks already analysed (for example with new settings).
    #[arg(long)]
    force: bool,
    /// Worker threads, one network each [default: the number of cores].
    #[arg(long)]
    jobs: Option<usize>,
    /// Override the experiment's [analysis] starts per constant input.
    #[arg(long)]
    starts: Option<usize>,
    /// Override the std of the noise added to visited states.
    #[arg(long, allow_negative_numbers = true)]
    start_noise: Option<f64>,
    /// Override q below which a point is a fixed point.
    #[arg(long, allow_negative_numbers = true)]
    q_tolerance: Option<f64>,
    /// Override q below which a point is kept as a slow point.
    #[arg(long, allow_negative_numbers = true)]
    slow_tolerance: Option<f64>,
    /// Override the distance within which points are one.
    #[arg(long, allow_negative_numbers = true)]
    merge_distance: Option<f64>,
    /// Override the Newton iterations per start.
    #[arg(long)]
    max_iterations: Option<usize>,
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct RunArgs {
    /// The experiment file (TOML).
    experiment: PathBuf,
    /// Worker threads, one network each [default: the number of cores].
    #[arg(long)]
    jobs: Option<usize>,
    /// Run in the background (own session, log beside the notebook); print pid and log path.
    #[arg(long)]
    detach: bool,
    /// Print one JSON summary on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct StatusArgs {
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct LsArgs {
    /// Only this experiment.
    #[arg(long)]
    experiment: Option<String>,
    /// Filter, e.g. 'arch = gru and final_loss < 1e-3' (columns: see README).
    #[arg(long = "where")]
    filter: Option<String>,
    /// Sort by this column.
    #[arg(long)]
    sort: Option<String>,
    /// Sort descending.
    #[arg(long)]
    desc: bool,
    /// Rows per page.
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// Rows to skip.
    #[arg(long, default_value_t = 0)]
    offset: usize,
    /// One JSON array on stdout.
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// CSV on stdout.
    #[arg(long)]
    csv: bool,
}

#[derive(Args)]
struct ExportArgs {
    /// networks, curves, weights, fixed-points, distances or states.
    #[arg(long, value_parser = ["networks", "curves", "weights", "fixed-points", "distances", "states"])]
    what: String,
    /// csv or json (networks, curves, fixed-points); npz (weights, fixed-points, states);
    /// csv or npz (distances).
    #[arg(long, value_parser = ["csv", "json", "npz"])]
    format: String,
    /// Only this experiment.
    #[arg(long)]
    experiment: Option<String>,
    /// Only this network.
    #[arg(long)]
    network: Option<i64>,
    /// Write here instead of stdout (required for npz unless a default name is wanted).
    #[arg(long)]
    output: Option<PathBuf>,
}

#[derive(Args)]
struct TrainArgs {
    /// Task: flipflop, sine or integration.
    #[arg(long, value_parser = parse_task)]
    task: Task,
    /// Cell: vanilla, ugrnn, gru or lstm.
    #[arg(long)]
    arch: Arch,
    /// Nonlinearity on the non-gate path: tanh or relu.
    #[arg(long, default_value = "tanh")]
    activation: Activation,
    /// Hidden units.
    #[arg(long, default_value_t = 64)]
    units: usize,
    /// Trials per batch [default: the task's].
    #[arg(long)]
    batch: Option<usize>,
    /// Maximum training iterations [default: the task's].
    #[arg(long)]
    steps: Option<usize>,
    /// Initial learning rate [default: the task's].
    #[arg(long, allow_negative_numbers = true)]
    lr: Option<f64>,
    /// Multiply the learning rate by this every --decay-steps.
    #[arg(long, allow_negative_numbers = true)]
    decay_rate: Option<f64>,
    /// See --decay-rate.
    #[arg(long)]
    decay_steps: Option<usize>,
    /// adam or sgd (with momentum).
    #[arg(long, value_parser = parse_optimizer)]
    optimizer: Option<OptimizerKind>,
    /// L2 penalty on the kernels.
    #[arg(long, allow_negative_numbers = true)]
    l2: Option<f64>,
    /// Global-norm gradient clipping threshold.
    #[arg(long, allow_negative_numbers = true)]
    clip: Option<f64>,
    /// Stop once the held-out MSE is below this.
    #[arg(long, allow_negative_numbers = true)]
    target_loss: Option<f64>,
    /// Curriculum: grow the trial length from 50 steps to the task's over this many iterations.
    #[arg(long)]
    curriculum_steps: Option<usize>,
    /// Steps per trial [default: the task's].
    #[arg(long)]
    time_steps: Option<usize>,
    /// Seed of the weights and the training batches.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Save the trained network to this file.
    #[arg(long)]
    save: Option<PathBuf>,
    /// Print one JSON object on stdout instead of the summary.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Milliseconds per training iteration (forward + BPTT + Adam, one thread, flip-flop inputs).
    Train(BenchTrainArgs),
    /// Notebook speed on a synthetic notebook: storing a network, `ls` and `status` queries.
    Notebook(BenchNotebookArgs),
    /// Seconds to find every fixed point of a trained flip-flop network (one thread).
    FixedPoints(BenchFixedPointsArgs),
    /// Seconds and memory to compare a population pairwise by SVCCA and Procrustes.
    Similarity(BenchSimilarityArgs),
    /// The terminal notebook on a large synthetic notebook: store poll and frame times.
    Tui(BenchTuiArgs),
}

#[derive(Args)]
struct BenchTuiArgs {
    /// Networks in the synthetic notebook.
    #[arg(long, default_value_t = 100_000)]
    networks: usize,
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct BenchSimilarityArgs {
    /// Networks in the synthetic population (freshly initialised, the four cells in turn).
    #[arg(long, default_value_t = 1000)]
    networks: usize,
    /// Hidden units.
    #[arg(long, default_value_t = 128)]
    units: usize,
    /// Threads for the pairs [default: the number of cores].
    #[arg(long)]
    threads: Option<usize>,
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct BenchFixedPointsArgs {
    /// Widths of the flip-flop GRUs to train and then search (ignored with --load).
    #[arg(long, value_delimiter = ',', default_value = "64,128,256")]
    units: Vec<usize>,
    /// Search these saved networks (`rnnlab train --save FILE`) instead.
    #[arg(long, num_args = 1..)]
    load: Vec<PathBuf>,
    /// Starts per constant input.
    #[arg(long, default_value_t = 1024)]
    starts: usize,
    /// Timed repeats per network (the median is reported).
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    /// Also run FixedPointFinder's method (Adam on q, 5000 iterations) on the same starts.
    #[arg(long)]
    reference: bool,
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct BenchNotebookArgs {
    /// Networks in the synthetic notebook.
    #[arg(long, default_value_t = 100_000)]
    networks: usize,
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct BenchTrainArgs {
    /// Cells to measure (comma-separated) [default: all four].
    #[arg(long, value_delimiter = ',')]
    arch: Vec<Arch>,
    /// Nonlinearity.
    #[arg(long, default_value = "tanh")]
    activation: Activation,
    /// Hidden units (comma-separated) [default: 32,64,128,256].
    #[arg(long, value_delimiter = ',')]
    units: Vec<usize>,
    /// Trials per batch.
    #[arg(long, default_value_t = 64)]
    batch: usize,
    /// Steps per trial.
    #[arg(long, default_value_t = 100)]
    time_steps: usize,
    /// Timed iterations per configuration.
    #[arg(long, default_value_t = 50)]
    iters: usize,
    /// Print one JSON document on stdout instead of the table.
    #[arg(long)]
    json: bool,
}

fn parse_task(s: &str) -> Result<Task, String> {
    Task::by_name(s)
        .ok_or_else(|| format!("unknown task '{s}' (expected one of: flipflop, sine, integration)"))
}

fn parse_optimizer(s: &str) -> Result<OptimizerKind, String> {
    match s {
        "adam" => Ok(OptimizerKind::Adam),
        "sgd" => Ok(OptimizerKind::Sgd),
        _ => Err(format!("unknown optimizer '{s}' (expected adam or sgd)")),
    }
}

fn main() -> ExitCode {
    // Like other Unix tools, end quietly when a reader such as `head` closes the pipe.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version.
            print!("{e}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let text = e.render().to_string();
            eprintln!("{}", text.lines().next().unwrap_or("invalid arguments"));
            return ExitCode::from(2);
        }
    };
    let command = cli.command.unwrap_or_else(|| {
        Command::Tui(TuiArgs {
            theme: std::env::var("RNNLAB_THEME").ok(),
            no_mouse: false,
        })
    });
    match run(cli.db, command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

/// Prints a report readably, or as exactly one JSON document with `--json`.
fn print_report<R: std::fmt::Display + serde::Serialize>(report: &R, json: bool) {
    if json {
        println!(
            "{}",
            serde_json::to_string(report).expect("reports serialise")
        );
    } else {
        print!("{report}");
    }
}

fn run(db: PathBuf, command: Command) -> Result<ExitCode, LabError> {
    match command {
        Command::Tui(args) => {
            rnnlab::tui::run(
                &db,
                rnnlab::tui::TuiOptions {
                    theme: args.theme,
                    mouse: !args.no_mouse,
                },
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Train(args) => train(args),
        Command::Bench(BenchCommand::Train(args)) => bench_train(args),
        Command::Bench(BenchCommand::Notebook(args)) => {
            print_report(&lab::bench_notebook(args.networks)?, args.json);
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(BenchCommand::FixedPoints(args)) => {
            let networks = if args.load.is_empty() {
                lab::BenchNetworks::TrainGru(args.units)
            } else {
                lab::BenchNetworks::Files(args.load)
            };
            let bench =
                lab::bench_fixed_points(&networks, args.starts, args.repeats, args.reference)?;
            print_report(&bench, args.json);
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(BenchCommand::Similarity(args)) => {
            let threads = args
                .threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            let bench = lab::bench_similarity(args.networks, args.units, threads)?;
            print_report(&bench, args.json);
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(BenchCommand::Tui(args)) => {
            let dir = lab::ScratchDir::new("bench-tui")?;
            let db = dir.0.join("bench.db");
            lab::bench_notebook_at(&db, args.networks)?;
            print_report(
                &rnnlab::tui::bench::bench_frames(&db, 120, 40, 9)?,
                args.json,
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Run(args) => run_sweep(&db, args),
        Command::Analyze(args) => analyze(&db, args),
        Command::Compare(args) => compare(&db, args),
        Command::Topology(args) => {
            let notebook = lab::status::open_existing(&db)?;
            match (args.network, &args.experiment) {
                (Some(id), _) => {
                    print_report(&lab::topology::network_topology(&notebook, id)?, args.json)
                }
                (None, Some(name)) => print_report(
                    &lab::topology::experiment_topology(&notebook, name)?,
                    args.json,
                ),
                (None, None) => unreachable!("clap requires one"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Status(args) => status(&db, args),
        Command::Ls(args) => ls(&db, args),
        Command::Export(args) => export(&db, args),
        Command::FixedPoints(args) => {
            let notebook = lab::status::open_existing(&db)?;
            let report = lab::fixed_points::fixed_points_of(&notebook, args.network, args.modes)?;
            print_report(&report, args.json);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn run_sweep(db: &Path, args: RunArgs) -> Result<ExitCode, LabError> {
    // Checked before anything is written or started.
    let experiment = Experiment::load(&args.experiment)?;
    if args.jobs == Some(0) {
        return Err(LabError::Invalid("--jobs must be at least 1".into()));
    }
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if args.detach {
        // Open once here so a bad notebook is reported now, not in the log.
        drop(rnnlab::store::Notebook::open(db)?);
        let mut child_args: Vec<OsString> = vec!["run".into(), args.experiment.into_os_string()];
        child_args.extend(["--db".into(), db.as_os_str().to_owned()]);
        child_args.extend(["--jobs".into(), jobs.to_string().into()]);
        let exe = std::env::current_exe().map_err(|source| LabError::Io {
            path: PathBuf::from("rnnlab"),
            source,
        })?;
        let (pid, log) = lab::detach::spawn_detached(&exe, &child_args, db)?;
        if args.json {
            println!("{}", serde_json::json!({ "pid": pid, "log": log }));
        } else {
            println!(
                "started rnnlab run in the background: pid {pid}, log {}",
                log.display()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let stop = stop_on_signals();
    let summary = if std::io::stderr().is_terminal() {
        let bars = Bars::new(jobs);
        lab::sweep::run_sweep(&experiment, db, jobs, stop, &bars)?
    } else {
        lab::sweep::run_sweep(&experiment, db, jobs, stop, &Lines::default())?
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&summary).expect("summary serialises")
        );
    } else {
        println!(
            "{}: {} newly planned, {} trained, {} analysed, {} diverged, {} failed{} in {:.1} s",
            summary.experiment,
            summary.planned,
            summary.trained,
            summary.analysed,
            summary.diverged,
            summary.failed,
            if summary.stopped {
                format!(
                    ", stopped ({} in flight planned again)",
                    summary.interrupted
                )
            } else {
                String::new()
            },
            summary.seconds
        );
    }
    Ok(
        if summary.stopped || summary.diverged + summary.failed > 0 {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        },
    )
}

fn analyze(db: &Path, args: AnalyzeArgs) -> Result<ExitCode, LabError> {
    use serde_json::{json, Map, Value};
    if args.jobs == Some(0) {
        return Err(LabError::Invalid("--jobs must be at least 1".into()));
    }
    let given: [(&str, Option<Value>); 6] = [
        ("starts", args.starts.map(|v| json!(v))),
        ("start_noise", args.start_noise.map(|v| json!(v))),
        ("q_tolerance", args.q_tolerance.map(|v| json!(v))),
        ("slow_tolerance", args.slow_tolerance.map(|v| json!(v))),
        ("merge_distance", args.merge_distance.map(|v| json!(v))),
        ("max_iterations", args.max_iterations.map(|v| json!(v))),
    ];
    let overrides: Map<String, Value> = given
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
        .collect();
    // Checked before anything is written.
    lab::analyse::options_with(&Default::default(), &overrides)
        .map_err(|m| LabError::Invalid(format!("--{}", m.replacen('_', "-", 2))))?;
    let notebook = lab::status::open_existing(db)?;
    let scope = rnnlab::store::AnalysisScope {
        experiment_id: match &args.experiment {
            Some(name) => Some(notebook.experiment(name)?.id),
            None => None,
        },
        network: match args.network {
            Some(id) => Some(notebook.network(id)?.id),
            None => None,
        },
    };
    drop(notebook);
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let stop = stop_on_signals();
    let summary = lab::analyse::run_analysis(
        db,
        scope,
        args.force,
        &overrides,
        jobs,
        stop,
        &Lines::default(),
    )?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&summary).expect("summary serialises")
        );
    } else {
        println!(
            "{} networks analysed ({} with a note), {} fixed and slow points stored{}{} in {:.1} s",
            summary.analysed,
            summary.with_note,
            summary.points,
            if summary.reset > 0 {
                format!(", {} marked for a new analysis", summary.reset)
            } else {
                String::new()
            },
            if summary.stopped { ", stopped" } else { "" },
            summary.seconds
        );
    }
    Ok(if summary.stopped {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `--output`, or by default `network-ID-WHAT.npz`, `EXPERIMENT-WHAT.npz` or `WHAT.npz`.
fn npz_path(args: &ExportArgs, what: &str) -> PathBuf {
    args.output
        .clone()
        .unwrap_or_else(|| match (args.network, &args.experiment) {
            (Some(id), _) => PathBuf::from(format!("network-{id}-{what}.npz")),
            (None, Some(name)) => PathBuf::from(format!("{name}-{what}.npz")),
            (None, None) => PathBuf::from(format!("{what}.npz")),
        })
}

/// A buffered writer to the file, or to stdout.
fn output(path: &Option<PathBuf>) -> Result<Box<dyn std::io::Write>, LabError> {
    Ok(match path {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).map_err(|source| LabError::Io {
                path: path.clone(),
                source,
            })?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    })
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The experiment a command is about: the one named, or the notebook's only one.
fn one_experiment(
    notebook: &rnnlab::store::Notebook,
    name: Option<String>,
) -> Result<String, LabError> {
    if let Some(name) = name {
        return Ok(notebook.experiment(&name)?.name);
    }
    let all = notebook.experiments()?;
    match all.as_slice() {
        [one] => Ok(one.name.clone()),
        [] => Err(LabError::Invalid(
            "the notebook has no experiment yet".into(),
        )),
        many => Err(LabError::Invalid(format!(
            "--experiment: the notebook has {} ({})",
            many.len(),
            many.iter()
                .map(|e| e.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

fn compare(db: &Path, args: CompareArgs) -> Result<ExitCode, LabError> {
    let options = rnnlab::analysis::similarity::ReductionOptions {
        variance: args.variance,
        components: args.components,
        lstm_cell_state: args.lstm_cell_state,
    };
    options
        .validate()
        .map_err(|m| LabError::Invalid(format!("--{m}")))?;
    let notebook = lab::status::open_existing(db)?;
    let experiment = one_experiment(&notebook, args.experiment)?;
    let threads = args.threads.unwrap_or_else(cores).max(1);
    let comparison = lab::compare::compare(&notebook, &experiment, args.metric, &options, threads)?;
    if args.csv {
        println!("network,arch,activation,x,y");
        for p in &comparison.map {
            println!("{},{},{},{},{}", p.network, p.arch, p.activation, p.x, p.y);
        }
    } else {
        print_report(&comparison, args.json);
    }
    Ok(ExitCode::SUCCESS)
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

fn status(db: &Path, args: StatusArgs) -> Result<ExitCode, LabError> {
    print_report(&lab::status::status(db)?, args.json);
    Ok(ExitCode::SUCCESS)
}

fn ls(db: &Path, args: LsArgs) -> Result<ExitCode, LabError> {
    let notebook = lab::status::open_existing(db)?;
    let query = ListQuery {
        experiment: args.experiment,
        filter: args.filter,
        sort: args.sort,
        descending: args.desc,
        limit: args.limit,
        offset: args.offset,
    };
    let rows = notebook.list(&query)?;
    if args.json {
        println!("{}", serde_json::to_string(&rows).expect("rows serialise"));
    } else if args.csv {
        println!("{}", lab::export::NETWORK_CSV_HEADER);
        for r in &rows {
            println!("{}", lab::export::network_csv(r));
        }
    } else {
        let total = notebook.count(&query)?;
        print!("{}", lab::status::network_table(&rows));
        println!(
            "{} of {total} networks (from {})",
            rows.len(),
            query.offset + usize::from(!rows.is_empty())
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn export(db: &Path, args: ExportArgs) -> Result<ExitCode, LabError> {
    let notebook = lab::status::open_existing(db)?;
    let query = ListQuery {
        experiment: args.experiment.clone(),
        filter: args.network.map(|id| format!("id = {id}")),
        ..ListQuery::default()
    };
    let csv = args.format == "csv";
    match (args.what.as_str(), args.format.as_str()) {
        ("weights", "npz") => {
            if args.network.is_none() && args.experiment.is_none() {
                return Err(LabError::Invalid(
                    "--what weights needs --network ID or --experiment NAME".into(),
                ));
            }
            let path = args
                .output
                .unwrap_or_else(|| match (args.network, &args.experiment) {
                    (Some(id), _) => PathBuf::from(format!("network-{id}.npz")),
                    (None, Some(name)) => PathBuf::from(format!("{name}-weights.npz")),
                    (None, None) => unreachable!("checked above"),
                });
            let n = lab::export::export_weights(&notebook, &query, args.network, &path)?;
            eprintln!("wrote the weights of {n} networks to {}", path.display());
        }
        ("fixed-points", "npz") => {
            let path = npz_path(&args, "fixed-points");
            let n = lab::export_fixed_points::export_fixed_points_npz(&notebook, &query, &path)?;
            eprintln!(
                "wrote the fixed points of {n} networks to {}",
                path.display()
            );
        }
        ("distances", "npz") => {
            let experiment = one_experiment(&notebook, args.experiment)?;
            let path = args
                .output
                .unwrap_or_else(|| PathBuf::from(format!("{experiment}-distances.npz")));
            lab::export_similarity::export_distances_npz(&notebook, &experiment, cores(), &path)?;
            eprintln!(
                "wrote the distance matrices of {experiment} to {}",
                path.display()
            );
        }
        ("distances", "csv") => {
            let experiment = one_experiment(&notebook, args.experiment)?;
            let name = args
                .output
                .clone()
                .unwrap_or_else(|| PathBuf::from("<stdout>"));
            let mut out = output(&args.output)?;
            lab::export_similarity::export_distances_csv(
                &notebook,
                &experiment,
                cores(),
                &mut out,
                &name,
            )?;
            out.flush()
                .map_err(|source| LabError::Io { path: name, source })?;
        }
        ("distances", f) => {
            return Err(LabError::Invalid(format!(
                "--format {f}: distances are exported as csv or npz"
            )))
        }
        ("states", "npz") => {
            let path = npz_path(&args, "states");
            let n = lab::export_similarity::export_states_npz(&notebook, &query, &path)?;
            eprintln!(
                "wrote the probe states of {n} networks to {}",
                path.display()
            );
        }
        ("states", f) => {
            return Err(LabError::Invalid(format!(
                "--format {f}: states are exported as npz"
            )))
        }
        ("weights", f) => {
            return Err(LabError::Invalid(format!(
                "--format {f}: weights are exported as npz"
            )))
        }
        (what, "npz") => {
            return Err(LabError::Invalid(format!(
                "--format npz: {what} are exported as csv or json"
            )))
        }
        (what, _) => {
            let name = args
                .output
                .clone()
                .unwrap_or_else(|| PathBuf::from("<stdout>"));
            let mut out = output(&args.output)?;
            match what {
                "networks" => {
                    lab::export::export_networks(&notebook, &query, csv, &mut out, &name)?
                }
                "curves" => lab::export::export_curves(&notebook, &query, csv, &mut out, &name)?,
                _ => {
                    lab::export_fixed_points::export_fixed_points_text(
                        &notebook, &query, csv, &mut out, &name,
                    )?;
                }
            }
            out.flush()
                .map_err(|source| LabError::Io { path: name, source })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn train(args: TrainArgs) -> Result<ExitCode, LabError> {
    let mut task = args.task;
    if let Some(t) = args.time_steps {
        if t == 0 {
            return Err(LabError::Invalid("--time-steps must be at least 1".into()));
        }
        task.set_time_steps(t);
    }
    let mut config = TrainConfig::for_network(&task, args.arch, args.activation);
    config.batch = args.batch.unwrap_or(config.batch);
    config.steps = args.steps.unwrap_or(config.steps);
    config.learning_rate = args.lr.unwrap_or(config.learning_rate);
    config.decay_rate = args.decay_rate.unwrap_or(config.decay_rate);
    config.decay_steps = args.decay_steps.unwrap_or(config.decay_steps);
    config.optimizer = args.optimizer.unwrap_or(config.optimizer);
    config.l2 = args.l2.unwrap_or(config.l2);
    config.clip_norm = args.clip.or(config.clip_norm);
    config.target_loss = args.target_loss.or(config.target_loss);
    config.curriculum_steps = args.curriculum_steps.unwrap_or(config.curriculum_steps);
    let request = TrainRequest {
        task,
        arch: args.arch,
        activation: args.activation,
        units: args.units,
        config,
        seed: args.seed,
        save: args.save,
    };
    let every = (request.config.steps / 20).max(1);
    let report = lab::train_one(&request, &mut |p| {
        if p.step % every == 0 {
            eprintln!(
                "step {:>6}  loss {:.3e}  |grad| {:.3e}  lr {:.2e}",
                p.step, p.loss, p.grad_norm, p.learning_rate
            );
        }
    })?;
    print_report(&report, args.json);
    Ok(if report.diverged {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn bench_train(args: BenchTrainArgs) -> Result<ExitCode, LabError> {
    let archs = if args.arch.is_empty() {
        Arch::ALL.to_vec()
    } else {
        args.arch
    };
    let units = if args.units.is_empty() {
        vec![32, 64, 128, 256]
    } else {
        args.units
    };
    let mut rows: Vec<BenchRow> = Vec::new();
    let interactive = std::io::stderr().is_terminal();
    for &arch in &archs {
        for &n in &units {
            if interactive {
                eprintln!("measuring {arch} N={n} ...");
            }
            rows.push(lab::bench_train(&BenchRequest {
                arch,
                activation: args.activation,
                units: n,
                batch: args.batch,
                time_steps: args.time_steps,
                iters: args.iters,
            })?);
        }
    }
    if args.json {
        let doc = serde_json::json!({ "benchmark": "train", "rows": rows });
        println!("{doc}");
    } else {
        print!("{}", lab::bench_table(&rows));
    }
    Ok(ExitCode::SUCCESS)
}
